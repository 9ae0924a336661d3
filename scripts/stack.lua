-- Who calls a callback? (basic-twisted/stack.py) The traceback printed from
-- inside the callback shows reactor.run, called by the main chunk, below it.
-- Unlike the original, this one stops the reactor afterwards so it ends.
local reactor = require("reactor")

local function stack()
  print("The Lua stack:")
  print(debug.traceback())
  reactor.stop()
end

reactor.call_when_running(stack)
reactor.run()
