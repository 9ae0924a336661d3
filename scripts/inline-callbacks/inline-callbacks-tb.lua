-- inline-callbacks-tb: the stack an inline callbacks function runs on. Lua
-- shows the coroutine's own stack, the script's frames only (Python shows
-- the frames of the reactor and of inlineCallbacks below the generator).

local defer = require("defer")
local reactor = require("reactor")

local my_callbacks = defer.inline_callbacks(function()
	defer.await(1)
	io.stderr:write(debug.traceback() .. "\n")
	reactor.stop()
end)

reactor.call_when_running(my_callbacks)
reactor.run()
