"""W13 Deferreds (Twisted): a chain of N addCallback steps on a Deferred that
has fired, so each callback runs at once (a Deferred holding a million
callbacks before it fires would measure _runCallbacks' callbacks.pop(0),
quadratic), and an inlineCallbacks function
awaiting M Deferreds that have already fired. µs per step, of wall time
and of this process's own CPU; each phase's time includes building what it
runs."""
import sys
import time

from twisted.internet import defer

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
M = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
now, own_cpu = time.perf_counter, time.process_time


def inc(v):
    return v + 1


t0, cpu0 = now(), own_cpu()
d = defer.succeed(0)
for _ in range(N):
    d.addCallback(inc)
chain_us, chain_cpu_us = (now() - t0) * 1e6 / N, (own_cpu() - cpu0) * 1e6 / N
assert d.result == N, d.result


@defer.inlineCallbacks
def await_all(n):
    total = 0
    for i in range(1, n + 1):
        total += yield defer.succeed(i)
    return total


t0, cpu0 = now(), own_cpu()
result = []
await_all(M).addCallback(result.append)
await_us, await_cpu_us = (now() - t0) * 1e6 / M, (own_cpu() - cpu0) * 1e6 / M
assert result == [M * (M + 1) // 2], result
print("steps=%d chain_us=%.3f chain_cpu_us=%.3f awaits=%d await_us=%.3f await_cpu_us=%.3f"
      % (N, chain_us, chain_cpu_us, M, await_us, await_cpu_us))
