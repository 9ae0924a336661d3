-- W7 looping: a looping call every 1 ms for 2 s (the first call at once).
-- Ideal: 2001 calls. drift_ms is the time lost against that ideal:
-- (last call - first call) - (calls - 1) * interval.
local reactor = require("reactor")
local task = require("task")
local DURATION = tonumber(arg[1]) or 2
local INTERVAL = 0.001
local now = reactor.seconds

local calls, first, last = 0, 0, 0
local lc = task.looping_call(function()
  last = now()
  if calls == 0 then first = last end
  calls = calls + 1
end)

reactor.call_when_running(function()
  lc:start(INTERVAL)
  reactor.call_later(DURATION, function()
    lc:stop()
    print(string.format("calls=%d drift_ms=%.3f", calls,
      ((last - first) - (calls - 1) * INTERVAL) * 1e3))
    reactor.stop()
  end)
end)
reactor.run()
