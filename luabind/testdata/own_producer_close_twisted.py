"""The scenario of TestTransportAsItsOwnProducerCloses on Twisted 22.4: a
server whose transport is its own streaming producer writes a line and
loses the connection, which closes once the line is sent (the producer
does not hold it back). The lines are printed sorted, as the Lua side's."""
from twisted.internet import protocol, reactor

log = []


class Server(protocol.Protocol):
    def connectionMade(self):
        self.transport.registerProducer(self.transport, True)
        self.transport.write(b"hello")
        self.transport.loseConnection()

    def connectionLost(self, reason):
        log.append("server lost " + reason.type.__name__)


class Client(protocol.Protocol):
    def dataReceived(self, data):
        log.append("client got " + data.decode())

    def connectionLost(self, reason):
        log.append("client lost " + reason.type.__name__)
        reactor.callLater(0.1, reactor.stop)


def timeout():
    log.append("timeout")
    reactor.stop()


port = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Server), interface="127.0.0.1")
reactor.connectTCP("127.0.0.1", port.getHost().port, protocol.ClientFactory.forProtocol(Client))
reactor.callLater(2, timeout)
reactor.run()
print("\n".join(sorted(log)))
