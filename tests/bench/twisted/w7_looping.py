"""W7 looping (Twisted): LoopingCall every 1 ms for 2 s, the first call at
once (start's now=True)."""
import sys

import benchreactor  # noqa: F401
from twisted.internet import reactor, task

DURATION = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
INTERVAL = 0.001
now = reactor.seconds
calls, first, last = 0, 0.0, 0.0


def fn():
    global calls, first, last
    last = now()
    if calls == 0:
        first = last
    calls += 1


lc = task.LoopingCall(fn)


def finish():
    lc.stop()
    print("calls=%d drift_ms=%.3f"
          % (calls, ((last - first) - (calls - 1) * INTERVAL) * 1e3))
    reactor.stop()


def begin():
    lc.start(INTERVAL)
    reactor.callLater(DURATION, finish)


reactor.callWhenRunning(begin)
reactor.run()
