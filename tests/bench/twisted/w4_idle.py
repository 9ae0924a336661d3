"""W4 idle (Twisted): one timer some seconds ahead and nothing else."""
import sys

import benchreactor  # noqa: F401
from twisted.internet import reactor

D = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
t0 = reactor.seconds()


def done():
    print("waited_s=%.3f" % (reactor.seconds() - t0))
    reactor.stop()


reactor.callLater(D, done)
reactor.run()
