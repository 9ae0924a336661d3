"""W11 processes (Twisted): spawnProcess("/bin/true") N times one after
another (the next when the last has ended), then M at once. Spawns per
second and this process's own CPU per spawn (time.process_time: the
children's left out)."""
import os
import sys
import time

import benchreactor  # noqa: F401
from twisted.internet import reactor
from twisted.internet.protocol import ProcessProtocol

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
M = int(sys.argv[2]) if len(sys.argv) > 2 else 100
now, own_cpu = time.perf_counter, time.process_time
result = {}


class Proc(ProcessProtocol):
    def __init__(self, done):
        self.done = done

    def processEnded(self, reason):
        if reason.value.exitCode != 0:
            raise RuntimeError("/bin/true ended with %r" % reason.value.exitCode)
        self.done()


def spawn(done):
    reactor.spawnProcess(Proc(done), "/bin/true", ["true"], env=os.environ)


def at_once():
    cpu0, t0 = own_cpu(), now()
    ended = [0]

    def done():
        ended[0] += 1
        if ended[0] == M:
            wall, cpu = now() - t0, own_cpu() - cpu0
            print("%s par=%d par_per_s=%.1f par_cpu_us=%.1f" % (result["seq"], M, M / wall, cpu * 1e6 / M))
            reactor.stop()

    for _ in range(M):
        spawn(done)


def begin():
    cpu0, t0 = own_cpu(), now()
    started = [0]

    def next_one():
        if started[0] == N:
            wall, cpu = now() - t0, own_cpu() - cpu0
            result["seq"] = "seq=%d seq_per_s=%.1f seq_cpu_us=%.1f" % (N, N / wall, cpu * 1e6 / N)
            return at_once()
        started[0] += 1
        spawn(next_one)

    next_one()


reactor.callWhenRunning(begin)
reactor.run()
