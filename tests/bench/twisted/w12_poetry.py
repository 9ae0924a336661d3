"""W12 poetry fan-out (Twisted): the fast poetry server, as
scripts/fastpoetry.lua: each client gets the whole file, then the
connection is closed."""
import sys

from twisted.internet.protocol import Protocol, ServerFactory

import netserver


class PoetryProtocol(Protocol):
    def connectionMade(self):
        self.transport.setTcpNoDelay(True)
        self.transport.write(self.factory.poem)
        self.transport.loseConnection()


class PoetryFactory(ServerFactory):
    protocol = PoetryProtocol

    def __init__(self, poem):
        self.poem = poem


with open(sys.argv[1], "rb") as f:
    poem = f.read()
netserver.serve(PoetryFactory(poem), sys.argv[1])
