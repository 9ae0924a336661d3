"""W9 idle and W10 echo (Twisted): a line echo server with LineReceiver, as
scripts/echo.lua: every line ("\\r\\n" at its end) goes back to its sender."""
import benchreactor  # noqa: F401
from twisted.internet import reactor
from twisted.internet.protocol import ServerFactory
from twisted.protocols.basic import LineReceiver

import netserver


class Echo(LineReceiver):
    def lineReceived(self, line):
        self.sendLine(line)


class EchoFactory(ServerFactory):
    protocol = Echo


args = netserver.parse_args()
port = reactor.listenTCP(args.port, EchoFactory(), interface=args.iface)
print("Serving echo on %s." % port.getHost(), flush=True)
reactor.run()
