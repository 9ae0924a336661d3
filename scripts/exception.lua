-- An error in a callback does not stop the reactor (basic-twisted/exception.py):
-- falldown's error is reported on stderr, then upagain runs and stops the loop.
local reactor = require("reactor")

local function falldown()
  error("I fall down.")
end

local function upagain()
  print("But I get up again.")
  reactor.stop()
end

reactor.call_when_running(falldown)
reactor.call_when_running(upagain)

print("Starting the reactor.")
reactor.run()
