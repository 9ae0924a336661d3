-- W3 chain: N sequential call_later(0, step); each step schedules the next,
-- so every step is one reactor iteration.
local reactor = require("reactor")
local N = tonumber(arg[1]) or 200000
local now = reactor.seconds

local i, t0 = 0, 0
local function step()
  i = i + 1
  if i < N then
    reactor.call_later(0, step)
  else
    local us = (now() - t0) * 1e6 / N
    print(string.format("steps=%d us_per_step=%.3f", i, us))
    reactor.stop()
  end
end

reactor.call_when_running(function()
  t0 = now()
  reactor.call_later(0, step)
end)
reactor.run()
