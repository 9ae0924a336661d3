"""W8 poetry (Twisted): the fast poetry server, as scripts/fastpoetry.lua:
each client gets the whole file, then the connection is closed."""
import benchreactor  # noqa: F401
from twisted.internet import reactor
from twisted.internet.protocol import Protocol, ServerFactory

import netserver


class PoetryProtocol(Protocol):
    def connectionMade(self):
        self.transport.write(self.factory.poem)
        self.transport.loseConnection()


class PoetryFactory(ServerFactory):
    protocol = PoetryProtocol

    def __init__(self, poem):
        self.poem = poem


args = netserver.parse_args(with_file=True)
with open(args.file, "rb") as f:
    poem = f.read()
port = reactor.listenTCP(args.port, PoetryFactory(poem), interface=args.iface)
print("Serving %s on %s." % (args.file, port.getHost()), flush=True)
reactor.run()
