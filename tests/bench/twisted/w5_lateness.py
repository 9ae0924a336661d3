"""W5 lateness (Twisted): N sequential callLater(0.002)."""
import math
import sys

import benchreactor  # noqa: F401
from twisted.internet import reactor

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500
DELAY = 0.002
now = reactor.seconds
late = []
due = 0.0


def fire():
    global due
    late.append((now() - due) * 1e6)
    if len(late) < N:
        due = now() + DELAY
        reactor.callLater(DELAY, fire)
    else:
        late.sort()

        def pct(p):
            return late[max(0, math.ceil(len(late) * p) - 1)]

        print("n=%d min_us=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f"
              % (len(late), late[0], pct(0.5), pct(0.99), late[-1]))
        reactor.stop()


def begin():
    global due
    due = now() + DELAY
    reactor.callLater(DELAY, fire)


reactor.callWhenRunning(begin)
reactor.run()
