-- W7 looping (Lua 5.4 + luv): a repeating 1 ms timer for 2 s, the first
-- call at once.
local uv = require("luv")
local DURATION = tonumber(arg[1]) or 2
local INTERVAL = 0.001
local function now() return uv.hrtime() / 1e9 end

local calls, first, last = 0, 0, 0
local loop = uv.new_timer()
loop:start(0, 1, function()
  last = now()
  if calls == 0 then first = last end
  calls = calls + 1
end)
local stop = uv.new_timer()
stop:start(math.floor(DURATION * 1000), 0, function()
  loop:close()
  stop:close()
  print(string.format("calls=%d drift_ms=%.3f", calls,
    ((last - first) - (calls - 1) * INTERVAL) * 1e3))
end)
uv.run()
