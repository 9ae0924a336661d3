-- luatest's driver of one test: it runs the before_each functions, the test
-- and the after_each functions in turn, waiting, on the test's reactor, for
-- each Deferred one of them returns; and it is assert_failure. It is loaded
-- once per test state (see phases.go) with core, the Go helpers:
--
--	core.call(fn)     calls fn() from Go and returns its first result, so
--	                  that a traceback names the test <FILE:LINE> as a
--	                  plain call from the runner does
--	core.waiting(b)   the test waits (true) or no longer waits (false) for
--	                  a Deferred, for the message of a timeout or an idle
--	                  reactor
--
-- The globals it needs are taken when it loads: a test cannot reach them
-- by replacing require or error.

local core = ...
local require, error, type, tostring, select, unpack, getmetatable, rawget, pcall =
	require, error, type, tostring, select, unpack, getmetatable, rawget, pcall
local table = table

local defer -- required on first use: a test that never waits does not load it

local function load_defer()
	if defer == nil then
		defer = require("defer")
	end
	return defer
end

-- is_deferred says whether v is a Deferred of require("defer").
local function is_deferred(v)
	if type(v) ~= "table" then
		return false
	end
	local mt = getmetatable(v)
	return mt ~= nil and mt == getmetatable(load_defer().Deferred())
end

-- message_of is what a report says of an error value: a string as it is,
-- an error class instance as "NAME: message", anything else by tostring.
local function message_of(v)
	if type(v) == "string" then
		return v
	end
	if type(v) == "table" then
		local f = load_defer().Failure(v)
		if f.type ~= "table" then
			return f.type .. ": " .. f:get_error_message()
		end
	end
	local ok, s = pcall(tostring, v)
	if ok and type(s) == "string" then
		return s
	end
	return "(error object is a " .. type(v) .. " value)"
end

-- run(befores, test, afters) runs the phases and returns the failures, a
-- list of {phase = "before_each" | "test" | "after_each", fn =, message =,
-- traceback =}, and, when a wait could not be done, why. A before_each that
-- fails skips what follows; after a test that fails the after_each
-- functions still run. When a phase returns a Deferred that has not fired,
-- run starts the reactor, and stops it once the last phase is over.
local function run(befores, test, afters)
	local phases = {}
	for k = 1, #befores do
		phases[#phases + 1] = {"before_each", befores[k]}
	end
	phases[#phases + 1] = {"test", test}
	for k = 1, #afters do
		phases[#phases + 1] = {"after_each", afters[k]}
	end

	local failures = {}
	local i, finished, waiting, reactor = 0, false, nil, nil

	local function record(phase, fn, f)
		failures[#failures + 1] = {phase = phase, fn = fn, message = message_of(f.value), traceback = f.traceback}
	end

	local step
	step = function()
		while true do
			i = i + 1
			local p = phases[i]
			if p == nil then
				finished = true
				if reactor ~= nil then
					core.waiting(false)
					reactor.stop()
				end
				return
			end
			local phase, fn = p[1], p[2]
			-- An error fn raises, like the failure of the Deferred it
			-- returns, becomes a failed Deferred, with its traceback.
			local d = load_defer().maybe_deferred(core.call, fn)
			local sync, fired = true, false
			local function go_on()
				fired = true
				if not sync then
					step()
				end
			end
			d:add_callbacks(go_on, function(f)
				record(phase, fn, f)
				if phase == "before_each" then
					i = #phases -- nothing runs after a failed set-up
				end
				go_on()
			end)
			sync = false
			if not fired then
				waiting = phase
				core.waiting(true)
				return
			end
		end
	end

	step()
	if finished then
		return failures
	end
	local what = waiting == "test" and "the test" or waiting
	reactor = require("reactor")
	local ok, err = pcall(reactor.run)
	core.waiting(false)
	if not ok then
		return failures, what .. " returned a Deferred that has not fired, and the reactor cannot run to fire it ("
			.. (message_of(err):gsub("^=luatest/driver%.lua:%d+: ", "")) .. "): return the Deferred instead of calling reactor.run()"
	end
	if not finished then
		return failures, "the reactor stopped before the Deferred " .. what .. " returned fired: was reactor.stop() called?"
	end
	return failures
end

local function class_name(want)
	if type(want) == "table" then
		local name = rawget(want, "name")
		if type(name) == "string" then
			return name
		end
	end
	return tostring(want)
end

-- assert_failure(d, class_or_name, ...) is Twisted trial's assertFailure: a
-- Deferred that fires with the error value (Failure.value) when d fails with
-- one of the classes (or class names) given, and fails otherwise: when d
-- succeeds, or fails with another error.
local function assert_failure(d, ...)
	if not is_deferred(d) then
		error("bad argument #1 to 'assert_failure' (Deferred expected, got " .. type(d) .. ")", 2)
	end
	local n = select("#", ...)
	if n == 0 then
		error("bad argument #2 to 'assert_failure' (error class or class name expected, got no value)", 2)
	end
	local wants = {...}
	local names = {}
	for k = 1, n do
		local w = wants[k]
		if type(w) ~= "string" and type(w) ~= "table" then
			error("bad argument #" .. (k + 1) .. " to 'assert_failure' (error class or class name expected, got "
				.. type(w) .. ")", 2)
		end
		names[k] = class_name(w)
	end
	local expected = table.concat(names, " or ")
	return d:add_callbacks(function(result)
		error("assert_failure: expected a failure of " .. expected .. ", but the Deferred succeeded with "
			.. message_of(result), 0)
	end, function(f)
		if f:check(unpack(wants, 1, n)) then
			return f.value
		end
		local got = "assert_failure: expected a failure of " .. expected .. ", got " .. f.type .. ": "
			.. f:get_error_message()
		if type(f.traceback) == "string" and f.traceback ~= "" then
			got = got .. "\n" .. f.traceback
		end
		error(got, 0)
	end)
end

return {run = run, assert_failure = assert_failure}
