"""W2 timers (Twisted): see ../loopscript/w2_timers.lua."""
import sys

import benchreactor  # noqa: F401
from twisted.internet import reactor

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
now = reactor.seconds

count = 0
last = 0.0


def tick():
    global count, last
    count += 1
    if count == N:
        last = now()
        reactor.stop()


x, deadline, block = 12345, 0.0, 0.0
t0 = now()
for i in range(1, N + 1):
    if i % 1024 == 1:
        block = now()
    x = (1664525 * x + 1013904223) % 4294967296
    d = (x % 500001) / 1e6
    reactor.callLater(d, tick)
    if block + d > deadline:
        deadline = block + d
scheduled = now()
reactor.run()
print("fired=%d x=%d schedule_ms=%.1f late_ms=%.3f"
      % (count, x, (scheduled - t0) * 1e3, (last - deadline) * 1e3))
