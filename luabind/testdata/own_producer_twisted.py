"""The scenario of TestTransportAsItsOwnProducer on Twisted 22.4: an echo
server whose transport is its own streaming producer, and a client that
sends TOTAL bytes while it does not read, then reads them all back. The
same lines as the Lua side, in the same order."""
from twisted.internet import protocol, reactor

TOTAL = 16 * 1024 * 1024
log = []
server = {}


class Echo(protocol.Protocol):
    def connectionMade(self):
        server["transport"] = self.transport
        self.transport.registerProducer(self.transport, True)
        try:
            self.transport.registerProducer(self.transport, True)
        except RuntimeError:
            log.append("a second producer refused: true")

    def dataReceived(self, data):
        self.transport.write(data)

    def connectionLost(self, reason):
        log.append("server lost " + reason.type.__name__)
        reactor.callLater(0.05, reactor.stop)


def reading():
    return server["transport"] in reactor.getReaders()


class Client(protocol.Protocol):
    def connectionMade(self):
        self.got = []
        self.size = 0
        self.sent = (bytes(range(251)) * (TOTAL // 251 + 1))[:TOTAL]
        self.transport.pauseProducing()
        self.transport.write(self.sent)
        reactor.callLater(0.5, self.read)

    def read(self):
        log.append("server reading while the client reads not: %s" % str(reading()).lower())
        self.transport.resumeProducing()

    def dataReceived(self, data):
        self.got.append(data)
        self.size += len(data)
        if self.size == TOTAL:
            reactor.callLater(0.05, self.done)

    def done(self):
        log.append("server reading once drained: %s" % str(reading()).lower())
        log.append("echoed %d bytes in order: %s" % (self.size, str(b"".join(self.got) == self.sent).lower()))
        self.transport.loseConnection()


factory = protocol.ServerFactory.forProtocol(Echo)
port = reactor.listenTCP(0, factory, interface="127.0.0.1")
client = protocol.ClientFactory.forProtocol(Client)
reactor.connectTCP("127.0.0.1", port.getHost().port, client)
reactor.run()
print("\n".join(log))
