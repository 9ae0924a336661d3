"""W8 echo, W9 bulk, W10 idle (Twisted): every byte comes back to its
sender. The transport is its own streaming producer, so reading stops while
more than 64 KiB wait to be sent (backpressure)."""
from twisted.internet.protocol import Protocol, ServerFactory

import netserver


class Echo(Protocol):
    def connectionMade(self):
        self.transport.setTcpNoDelay(True)
        self.transport.registerProducer(self.transport, True)

    def dataReceived(self, data):
        self.transport.write(data)


class EchoFactory(ServerFactory):
    protocol = Echo


netserver.serve(EchoFactory(), "echo")
