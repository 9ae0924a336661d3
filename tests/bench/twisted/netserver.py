"""What the network workloads' Twisted servers share: they listen on
127.0.0.1, on a free port, with a backlog of 1024 (as every peer), and
print the port for netload to read."""
import benchreactor  # noqa: F401
from twisted.internet import reactor

BACKLOG = 1024


def serve(factory, what):
    port = reactor.listenTCP(0, factory, backlog=BACKLOG, interface="127.0.0.1")
    print("Serving %s on %s." % (what, port.getHost()), flush=True)
    reactor.run()
