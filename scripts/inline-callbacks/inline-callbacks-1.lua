-- inline-callbacks-1: straight-line code that waits without blocking.
-- defer.await of a value that is not a Deferred returns it at once; of a
-- Deferred, suspends the function until it fires and returns its result,
-- or raises its Failure, which pcall catches.

local defer = require("defer")
local reactor = require("reactor")

local my_callbacks = defer.inline_callbacks(function()
	print("first callback")
	local result = defer.await(1) -- awaited values that aren't Deferreds come right back

	print("second callback got " .. tostring(result))
	local d = defer.Deferred()
	reactor.call_later(5, d.callback, d, 2)
	result = defer.await(d) -- awaited Deferreds pause the function

	print("third callback got " .. tostring(result)) -- the result of the Deferred

	d = defer.Deferred()
	reactor.call_later(5, d.errback, d, defer.error_class("Exception")("3"))

	local ok, err = pcall(defer.await, d)
	if not ok then
		result = err
	end

	-- the error from the Deferred, as Python's repr shows it: Exception(3)
	print("fourth callback got " .. result.type .. "(" .. result:get_error_message() .. ")")

	reactor.stop()
end)

reactor.call_when_running(my_callbacks)
reactor.run()
