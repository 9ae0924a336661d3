"""W6 errors (Twisted): N sequential callbacks that raise; the reactor logs
each with its traceback (to stderr, see benchreactor) and carries on."""
import sys

import benchreactor  # noqa: F401
from twisted.internet import reactor

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
now = reactor.seconds
i, t0 = 0, 0.0


def finish():
    print("errors=%d us_per_error=%.3f" % (i, (now() - t0) * 1e6 / N))
    reactor.stop()


def fail():
    global i
    i += 1
    reactor.callLater(0, fail if i < N else finish)
    raise ValueError("boom")


def begin():
    global t0
    t0 = now()
    reactor.callLater(0, fail)


reactor.callWhenRunning(begin)
reactor.run()
