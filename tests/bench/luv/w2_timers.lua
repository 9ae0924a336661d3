-- W2 timers (Lua 5.4 + luv): see ../loopscript/w2_timers.lua. libuv timers
-- take whole milliseconds, so delays are rounded up to one.
local uv = require("luv")
local N = tonumber(arg[1]) or 200000
local function now() return uv.hrtime() / 1e9 end

local count, last = 0, 0
local function tick(t)
  t:close()
  count = count + 1
  if count == N then
    last = now()
    uv.stop()
  end
end

local x, deadline, block = 12345, 0, 0
local t0 = now()
for i = 1, N do
  if i % 1024 == 1 then block = now() end
  x = (1664525 * x + 1013904223) % 4294967296
  local d = (x % 500001) / 1e6
  local t = uv.new_timer()
  t:start(math.ceil(d * 1000), 0, function() tick(t) end)
  if block + d > deadline then deadline = block + d end
end
local scheduled = now()
uv.run()
print(string.format("fired=%d x=%d schedule_ms=%.1f late_ms=%.3f",
  count, x, (scheduled - t0) * 1e3, (last - deadline) * 1e3))
