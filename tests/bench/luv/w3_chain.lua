-- W3 chain (Lua 5.4 + luv): N sequential zero-delay timers, each a new
-- timer handle closed when it fires, as call_later(0, step) makes a new
-- DelayedCall.
local uv = require("luv")
local N = tonumber(arg[1]) or 200000
local function now() return uv.hrtime() / 1e9 end

local i, t0 = 0, 0
local step
local function later0(fn)
  local t = uv.new_timer()
  t:start(0, 0, function() t:close(); fn() end)
end
function step()
  i = i + 1
  if i < N then
    later0(step)
  else
    print(string.format("steps=%d us_per_step=%.3f", i, (now() - t0) * 1e6 / N))
  end
end

later0(function()
  t0 = now()
  later0(step)
end)
uv.run()
