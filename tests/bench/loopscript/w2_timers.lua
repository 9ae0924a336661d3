-- W2 timers: N call_later timers with delays spread over [0, 0.5] s by an
-- LCG; each counts, the N-th stops the loop. late_ms is how late the last
-- one fired versus the latest deadline (never under-reported: deadlines are
-- taken from a clock read at the start of each block of 1024 timers).
local reactor = require("reactor")
local N = tonumber(arg[1]) or 200000
local now = reactor.seconds

local count, last = 0, 0
local function tick()
  count = count + 1
  if count == N then
    last = now()
    reactor.stop()
  end
end

local x, deadline, block = 12345, 0, 0
local t0 = now()
for i = 1, N do
  if i % 1024 == 1 then block = now() end
  x = (1664525 * x + 1013904223) % 4294967296
  local d = (x % 500001) / 1e6
  reactor.call_later(d, tick)
  if block + d > deadline then deadline = block + d end
end
local scheduled = now()
reactor.run()
print(string.format("fired=%d x=%d schedule_ms=%.1f late_ms=%.3f",
  count, x, (scheduled - t0) * 1e3, (last - deadline) * 1e3))
