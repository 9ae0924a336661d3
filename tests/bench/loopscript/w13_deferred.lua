-- W13 Deferreds: a chain of N add_callback steps on a Deferred that has
-- fired, so each callback runs at once, its result the next one's argument
-- (one Deferred holding a million callbacks before it fires would measure
-- Twisted 22.4's callbacks.pop(0), quadratic, not a step); and an
-- inline_callbacks function awaiting M Deferreds that have already fired.
-- µs per step, of wall time and of this process's own CPU (os.clock: user
-- and system time of every thread, as Python's time.process_time and
-- Node's process.cpuUsage count it); each phase's time includes building
-- what it runs.
local defer = require("defer")
local reactor = require("reactor")
local N, M = tonumber(arg[1]) or 1000000, tonumber(arg[2]) or 100000
local now, own_cpu = reactor.seconds, os.clock

local function inc(v) return v + 1 end

local t0, cpu0 = now(), own_cpu()
local d = defer.succeed(0)
for _ = 1, N do
  d:add_callback(inc)
end
local chain_us, chain_cpu_us = (now() - t0) * 1e6 / N, (own_cpu() - cpu0) * 1e6 / N
assert(d.result == N, "the chain ended with " .. tostring(d.result))

local await_all = defer.inline_callbacks(function(n)
  local sum = 0
  for i = 1, n do
    sum = sum + defer.await(defer.succeed(i))
  end
  return sum
end)
t0, cpu0 = now(), own_cpu()
local sum
await_all(M):add_callback(function(v) sum = v end)
local await_us, await_cpu_us = (now() - t0) * 1e6 / M, (own_cpu() - cpu0) * 1e6 / M
assert(sum == M * (M + 1) / 2, "the awaits summed to " .. tostring(sum))
print(string.format("steps=%d chain_us=%.3f chain_cpu_us=%.3f awaits=%d await_us=%.3f await_cpu_us=%.3f",
  N, chain_us, chain_cpu_us, M, await_us, await_cpu_us))
