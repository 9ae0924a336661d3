"""The scenarios of TestProducerAndLoseConnection on Twisted 22.4: a server
registers a producer that is not its transport (argv[1]: "streaming" or
"pull"), writes a line and loses the connection. A streaming producer that
is not paused does not hold the close and is told stopProducing; a pull
producer is resumed once the line is sent and holds the close until
unregisterProducer, 0.2 s later (which is then too late to matter for
the streaming one). The lines are printed sorted, as the Lua
side's."""
import sys

from twisted.internet import protocol, reactor
from twisted.internet.interfaces import IPullProducer, IPushProducer
from zope.interface import implementer

log = []
streaming = sys.argv[1] == "streaming"


@implementer(IPushProducer if streaming else IPullProducer)
class Producer:
    def __init__(self):
        self.resumes = 0

    def pauseProducing(self):
        log.append("producer paused")

    def resumeProducing(self):
        self.resumes += 1
        log.append("producer resumed %d" % self.resumes)

    def stopProducing(self):
        log.append("producer stopped")


class Server(protocol.Protocol):
    def connectionMade(self):
        self.transport.registerProducer(Producer(), streaming)
        self.transport.write(b"hello")
        self.transport.loseConnection()
        reactor.callLater(0.2, self.unregister)

    def unregister(self):
        self.unregistered = True
        self.transport.unregisterProducer()

    def connectionLost(self, reason):
        after = "after" if getattr(self, "unregistered", False) else "before"
        log.append("server lost " + reason.type.__name__ + ", " + after + " unregister")


class Client(protocol.Protocol):
    def dataReceived(self, data):
        log.append("client got " + data.decode())

    def connectionLost(self, reason):
        log.append("client lost " + reason.type.__name__)
        reactor.callLater(0.3, reactor.stop)


def timeout():
    log.append("timeout")
    reactor.stop()


port = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Server), interface="127.0.0.1")
reactor.connectTCP("127.0.0.1", port.getHost().port, protocol.ClientFactory.forProtocol(Client))
reactor.callLater(2, timeout)
reactor.run()
print("\n".join(sorted(log)))
