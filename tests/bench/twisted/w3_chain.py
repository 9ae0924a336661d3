"""W3 chain (Twisted): N sequential callLater(0, step)."""
import sys

import benchreactor  # noqa: F401
from twisted.internet import reactor

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
now = reactor.seconds
i, t0 = 0, 0.0


def step():
    global i
    i += 1
    if i < N:
        reactor.callLater(0, step)
    else:
        print("steps=%d us_per_step=%.3f" % (i, (now() - t0) * 1e6 / N))
        reactor.stop()


def begin():
    global t0
    t0 = now()
    reactor.callLater(0, step)


reactor.callWhenRunning(begin)
reactor.run()
