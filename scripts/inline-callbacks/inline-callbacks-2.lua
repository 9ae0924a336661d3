-- inline-callbacks-2: two inline callbacks functions run at once, each
-- returning a Deferred: the first value returned fires it (Twisted's
-- returnValue), an error raised fails it.

local defer = require("defer")
local reactor = require("reactor")

local my_callbacks_1 = defer.inline_callbacks(function()
	print("my_callbacks_1 first callback")
	local d = defer.Deferred()
	reactor.call_later(2, d.callback, d, nil)
	defer.await(d)

	print("my_callbacks_1 second callback")
	d = defer.Deferred()
	reactor.call_later(2, d.callback, d, nil)
	defer.await(d)

	print("my_callbacks_1 third callback")
	return 1
end)

local my_callbacks_err = defer.inline_callbacks(function()
	print("my_callbacks_err first callback")
	local d = defer.Deferred()
	reactor.call_later(3, d.callback, d, nil)
	defer.await(d)

	print("my_callbacks_err second callback")
	d = defer.Deferred()
	reactor.call_later(3, d.callback, d, nil)
	defer.await(d)

	print("my_callbacks_err third callback")
	error(defer.error_class("Exception")("uh oh"))
end)

local function got_result(res)
	print("got result: " .. tostring(res))
end

local function got_error(err)
	print("got error: " .. tostring(err))
end

local function run_callbacks()
	local d1 = my_callbacks_1()
	d1:add_callbacks(got_result, got_error)

	local d2 = my_callbacks_err()
	d2:add_callbacks(got_result, got_error)

	local count = 0
	local function callbacks_finished()
		count = count + 1
		if count == 2 then
			print("all done")
			reactor.stop()
		end
	end

	d1:add_both(callbacks_finished)
	d2:add_both(callbacks_finished)
end

reactor.call_when_running(run_callbacks)
reactor.run()
