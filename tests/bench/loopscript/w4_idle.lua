-- W4 idle: one timer some seconds ahead and nothing else. The runner samples
-- the process's CPU time while it waits.
local reactor = require("reactor")
local D = tonumber(arg[1]) or 3
local t0 = reactor.seconds()
reactor.call_later(D, function()
  print(string.format("waited_s=%.3f", reactor.seconds() - t0))
  reactor.stop()
end)
reactor.run()
