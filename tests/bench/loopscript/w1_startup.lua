-- W1 startup: a when-running callback prints "hello" and stops the reactor.
-- The runner measures the whole process: wall time and peak RSS.
local reactor = require("reactor")
reactor.call_when_running(function()
  print("hello")
  reactor.stop()
end)
reactor.run()
