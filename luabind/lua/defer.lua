-- The "defer" module: Twisted's twisted.internet.defer in Lua. A Deferred
-- holds a chain of (callback, errback) pairs and the result that goes down
-- it: each step's return value is the next result, a raised error or a
-- returned Failure takes the errback path, an errback that returns
-- normally recovers, and a returned Deferred that has no result yet pauses
-- the chain until it fires (its result goes on). The rules, and their order,
-- are Twisted 22.4's (internet/defer.py); the differences are Lua's: errback
-- needs a value (Lua has no current exception), indices are 1-based.
--
-- This chunk runs in a private environment (see embedded.go); core holds the
-- Go helpers of defer_module.go.

local core = ...

local errors = require("errors")
local Failure = errors.Failure

local try, address, unhandled = core.try, core.address, core.unhandled
local type, getmetatable, setmetatable, select, unpack, error, tostring, pcall =
	type, getmetatable, setmetatable, select, unpack, error, tostring, pcall
local rawget, pairs, string = rawget, pairs, string

local M = {}

M.Failure = Failure
M.error_class = errors.error_class

-- Twisted's errors of internet/defer.py. TimeoutError is not the connect
-- timeout's errors.TimeoutError: a check by class tells them apart, a check
-- by name ("TimeoutError") matches both.
local CancelledError = errors.error_class("CancelledError")
local AlreadyCalledError = errors.error_class("AlreadyCalledError")
local TimeoutError = errors.error_class("TimeoutError")
-- FirstError prints as Twisted's repr does, FirstError[#INDEX, TYPE: MESSAGE].
local FirstError = errors.error_class("FirstError", nil, nil, true)
M.CancelledError = CancelledError
M.AlreadyCalledError = AlreadyCalledError
M.TimeoutError = TimeoutError
M.FirstError = FirstError

-- A Deferred is a table with integer keys only: gopher-lua gives a table
-- its first string key at the price of two maps, which made a Deferred
-- cost ten times as much. Its slots:
--
--	[1] called      true once fired
--	[2] result      the current result (a Deferred while waiting on it)
--	[3] paused      the pause counter (a Deferred waiting on another counts one)
--	[4] head        the slot of the next pair to run
--	[5] tail        the last slot in use
--	[6] running     a callback of this Deferred is running
--	[7] unhandled   its failure is on the Go side's unhandled list
--	[8] canceller   the function given to Deferred(canceller)
--	[9] chained_to  the Deferred it waits on, for tostring
--	[10] members    a DeferredList's Deferreds
--	[11] suppress   the one late fire a cancel without canceller allows
--	[12]...         the chain: callback, its args, errback, its args, ... (args
--	                false for none; PASS for no function)
--
-- d.called, d.result and d.paused read slots 1-3 through __index.
local FIRST = 12

-- Deferred holds the methods; DMeta is the metatable of every Deferred.
local Deferred = {}
local DMeta = {}

-- Markers in a chain: PASS passes the result on untouched (Twisted's
-- passthru); CONTINUE, with the waiting Deferred as its argument, hands the
-- result to a Deferred that a callback returned this one to (Twisted's
-- _CONTINUE).
local PASS = false
local CONTINUE = {}

local function is_failure(v)
	return type(v) == "table" and getmetatable(v) == Failure
end

local function is_deferred(v)
	return type(v) == "table" and getmetatable(v) == DMeta
end

local function callable(v)
	local t = type(v)
	if t == "function" then
		return true
	end
	if t == "table" or t == "userdata" then
		local mt = getmetatable(v)
		return type(mt) == "table" and type(rawget(mt, "__call")) == "function"
	end
	return false
end

-- arg_error raises "bad argument #N to 'NAME' (MSG)" at the line that
-- called the function that calls arg_error; level, for a helper of that
-- function, counts the helpers between (default 0).
local function arg_error(n, name, msg, level)
	error("bad argument #" .. n .. " to '" .. name .. "' (" .. msg .. ")", 3 + (level or 0))
end

-- check_self raises the error of a method called with '.' for ':'.
local function check_self(self, name)
	if getmetatable(self) ~= DMeta or type(self) ~= "table" then
		error("bad argument #1 to '" .. name .. "' (Deferred expected, got " .. type(self)
			.. "; use d:" .. name .. ", not d." .. name .. ")", 3)
	end
end

-- pack is {count, ...}, or false for no values: extra arguments are rare,
-- and false costs nothing to store or to test (nil in a slot would: reading
-- it goes through __index).
local function pack(...)
	local n = select("#", ...)
	if n == 0 then
		return false
	end
	return {n, ...}
end

local function new_deferred(canceller)
	return setmetatable({false, nil, 0, FIRST, FIRST - 1, false, false, canceller}, DMeta)
end

-- Deferred([canceller]): canceller(d) runs when d is cancelled before it
-- fires; if it does not fire d, d errbacks with CancelledError.
function M.Deferred(canceller)
	if canceller ~= nil and not callable(canceller) then
		arg_error(1, "Deferred", "function expected, got " .. type(canceller))
	end
	return new_deferred(canceller)
end

-- settle records how d's chain stands now that it has run as far as it can:
-- a failure left at its end is unhandled until a later errback takes it.
local function settle(d, result, failed)
	if failed then
		d[7] = true
		unhandled(d, result)
	elseif d[7] then
		d[7] = false
		unhandled(d)
	end
end

-- handled forgets d's unhandled failure: its result was taken away (by the
-- Deferred that waited on it).
local function handled(d)
	if d[7] then
		d[7] = false
		unhandled(d)
	end
end

-- run_loop is Twisted's _runCallbacks loop over chain, a stack of
-- Deferreds from chain[4] to chain[3 + chain[1]] (the last one runs; a
-- Deferred whose callback returned an unfired Deferred is popped, and
-- pushed again by the CONTINUE pair when that one fires), so chains of any
-- length and depth run without recursion. It runs under try: an error a
-- callback raises unwinds to run_callbacks, which makes it the current
-- result of chain[3], the Deferred whose callback was running, and calls
-- run_loop again with chain[2] set, to carry on from where the error was
-- raised (Twisted's except clause, which does not look at paused).
local function run_loop(chain)
	local resuming = chain[2]
	chain[2] = false
	while true do
		local top = chain[1] + 3
		if top == 3 then
			return
		end
		local current = chain[top]
		if not resuming then
			if current[3] ~= 0 then
				return
			end
			current[9] = nil
		end
		resuming = false
		local finished = true
		-- result is current[2], kept in a local: reading a slot that holds
		-- nil goes through __index. Only current's callbacks change it.
		local result = current[2]
		local failed = getmetatable(result) == Failure
		while true do
			local head = current[4]
			if head > current[5] then
				break
			end
			current[4] = head + 4
			local fn, args
			if failed then
				fn, args = current[head + 2], current[head + 3]
			else
				fn, args = current[head], current[head + 1]
			end
			current[head], current[head + 1], current[head + 2], current[head + 3] = false, false, false, false
			if fn == CONTINUE then
				-- current is a Deferred that another one (args) waits on.
				args[2] = result
				current[2] = nil
				handled(current)
				args[3] = args[3] - 1
				top = top + 1
				chain[top] = args
				chain[1] = top - 3
				finished = false
				break
			elseif fn ~= PASS then
				chain[3] = current
				current[6] = true
				-- Called by these names, so a traceback through them reads
				-- "in function 'callback'" or "in function 'errback'".
				local r
				if failed then
					local errback = fn
					if not args then
						r = errback(result)
					else
						r = errback(result, unpack(args, 2, args[1] + 1))
					end
				else
					local callback = fn
					if not args then
						r = callback(result)
					else
						r = callback(result, unpack(args, 2, args[1] + 1))
					end
				end
				current[6] = false
				current[2] = r
				result = r
				local mt = getmetatable(r)
				failed = mt == Failure
				if mt == DMeta then
					local inner = r[2]
					if not r[1] or is_deferred(inner) or r[3] ~= 0 then
						-- Wait for r: it hands its result back through CONTINUE.
						current[3] = current[3] + 1
						current[9] = r
						local t = r[5]
						r[t + 1], r[t + 2], r[t + 3], r[t + 4] = CONTINUE, current, CONTINUE, current
						r[5] = t + 4
						break
					end
					-- r has fired: take its result now.
					r[2] = nil
					handled(r)
					current[2] = inner
					result = inner
					failed = getmetatable(inner) == Failure
				end
			end
		end
		if current[4] > current[5] then
			-- All run: the next pair goes in the first slot again.
			current[4], current[5] = FIRST, FIRST - 1
		end
		if finished then
			settle(current, result, failed)
			chain[top] = nil
			chain[1] = top - 4
		end
	end
end

local spare_chains, spare_count = {}, 0

-- run_callbacks runs d's chain as far as it can. resuming says that d's
-- current result was set by a callback that ran outside the loop (the fast
-- path of add_callback): the loop carries on after it, as it does after a
-- callback's error.
local function run_callbacks(d, resuming)
	if resuming then
		-- Go on as after a callback's error, below.
	elseif d[6] then
		return -- a callback of d is running: the loop above it goes on
	elseif d[4] > d[5] then
		-- Nothing to run: what the loop would do, without the protected call.
		if d[3] == 0 then
			d[9] = nil
			local result = d[2]
			settle(d, result, getmetatable(result) == Failure)
		end
		return
	end
	-- chain: the count of Deferreds, the resume flag, the Deferred whose
	-- callback runs, then the Deferreds. One left from an earlier run is
	-- taken when there is one (runs nest, so there is a stack of them).
	local chain = spare_chains[spare_count]
	if chain ~= nil then
		spare_chains[spare_count] = nil
		spare_count = spare_count - 1
		chain[1], chain[2], chain[3], chain[4] = 1, resuming or false, false, d
	else
		chain = {1, resuming or false, false, d}
	end
	while true do
		local ok, err, traceback = try(run_loop, chain)
		if ok then
			chain[3] = false -- the stack is empty again: nothing else to let go
			spare_count = spare_count + 1
			spare_chains[spare_count] = chain
			return
		end
		local current = chain[3]
		if not current then
			-- No callback ran: try refused to nest deeper (Lua's "C stack
			-- overflow"). The error is the caller's.
			error(err, 0)
		end
		current[6] = false
		if traceback == "" then
			traceback = nil
		end
		current[2] = Failure(err, traceback)
		chain[2] = true
	end
end

-- add_pair appends one (callback, errback) pair; a fired Deferred runs it
-- at once.
local function add_pair(d, cb, cbargs, eb, ebargs)
	local t = d[5]
	d[t + 1], d[t + 2], d[t + 3], d[t + 4] = cb, cbargs, eb, ebargs
	d[5] = t + 4
	if d[1] then
		run_callbacks(d)
	end
	return d
end

-- returned is what run_loop does when a callback of d returned r, a
-- Failure or a Deferred, for a callback that ran outside the loop (the
-- fast path of add_callback): d waits on a Deferred that has no result
-- yet, takes the result of one that has, and goes on.
local function returned(d, r)
	d[2] = r
	if getmetatable(r) == DMeta then
		local inner = r[2]
		if not r[1] or is_deferred(inner) or r[3] ~= 0 then
			-- Wait for r: it hands its result back through CONTINUE.
			d[3] = d[3] + 1
			d[9] = r
			local t = r[5]
			r[t + 1], r[t + 2], r[t + 3], r[t + 4] = CONTINUE, d, CONTINUE, d
			r[5] = t + 4
			if d[4] > d[5] then
				d[4], d[5] = FIRST, FIRST - 1
			end
			settle(d, r, false)
			return
		end
		r[2] = nil
		handled(r)
		d[2] = inner
	end
	run_callbacks(d, true)
end

local RAISED, SPECIAL = 1, 2 -- the codes of add_callback's fast path (defer_fast.go)

-- d:add_callback(fn, ...): fn(result, ...) on success. It is Go's
-- (defer_fast.go): a fired Deferred with nothing queued runs the callback
-- at once there; what Go does not finish goes on in one of the two
-- functions below, called with the arguments checked.

-- add_callback_after carries on from a callback Go ran at once: how is
-- how that step ended, v and traceback what goes with it.
local function add_callback_after(self, how, v, traceback)
	if how == RAISED then
		if traceback == "" then
			traceback = nil
		end
		self[2] = Failure(v, traceback)
		run_callbacks(self, true)
	elseif how == SPECIAL then
		returned(self, v)
	else -- CONTINUED: the callback added callbacks to self, which run now
		run_callbacks(self, true)
	end
	return self
end

-- add_callback_queued is add_callback for every other case.
local function add_callback_queued(self, callback, ...)
	if select("#", ...) == 0 then
		return add_pair(self, callback, false, PASS, false)
	end
	return add_pair(self, callback, pack(...), PASS, false)
end

Deferred.add_callback = core.add_callback(add_callback_queued, add_callback_after)

-- d:add_errback(fn, ...): fn(failure, ...) on failure.
function Deferred:add_errback(fn, ...)
	check_self(self, "add_errback")
	if not callable(fn) then
		arg_error(1, "add_errback", "function expected, got " .. type(fn))
	end
	return add_pair(self, PASS, false, fn, pack(...))
end

-- d:add_both(fn, ...): fn(result_or_failure, ...) either way.
function Deferred:add_both(fn, ...)
	check_self(self, "add_both")
	if not callable(fn) then
		arg_error(1, "add_both", "function expected, got " .. type(fn))
	end
	local args = pack(...)
	return add_pair(self, fn, args, fn, args)
end

-- args_option reads callback_args or errback_args: a list (its length is
-- its field n if it has one, else #), copied.
local function args_option(v, key, name)
	if v == nil then
		return false
	end
	if type(v) ~= "table" then
		arg_error(3, name, key .. " must be a table, got " .. type(v), 1)
	end
	local n = v.n or #v
	if type(n) ~= "number" then
		arg_error(3, name, key .. ".n must be a number, got " .. type(n), 1)
	end
	if n < 1 then
		return false
	end
	return {n, unpack(v, 1, n)}
end

-- check_options checks an options table against the names it may hold.
-- level counts the helpers between it and the function checked.
local function check_options(opts, n, name, allowed, level)
	level = (level or 0) + 1
	if opts == nil then
		return {}
	end
	if type(opts) ~= "table" then
		arg_error(n, name, "table expected, got " .. type(opts), level)
	end
	for k in pairs(opts) do
		if not allowed[k] then
			arg_error(n, name, "unknown option " .. (type(k) == "string" and "'" .. k .. "'" or tostring(k)), level)
		end
	end
	return opts
end

local add_callbacks_options = {callback_args = true, errback_args = true}

-- d:add_callbacks(cb, eb [, {callback_args = {...}, errback_args = {...}}]):
-- one pair; eb nil passes failures on.
function Deferred:add_callbacks(cb, eb, opts)
	check_self(self, "add_callbacks")
	if not callable(cb) then
		arg_error(1, "add_callbacks", "function expected, got " .. type(cb))
	end
	if eb ~= nil and not callable(eb) then
		arg_error(2, "add_callbacks", "function or nil expected, got " .. type(eb))
	end
	opts = check_options(opts, 3, "add_callbacks", add_callbacks_options)
	local cbargs = args_option(opts.callback_args, "callback_args", "add_callbacks")
	local ebargs = args_option(opts.errback_args, "errback_args", "add_callbacks")
	return add_pair(self, cb, cbargs, eb or PASS, ebargs)
end

-- fire is Twisted's _startRunCallbacks.
local function fire(d, result)
	if d[1] then
		if d[11] then
			d[11] = nil -- the one late fire a cancel without canceller allows
			return
		end
		error(AlreadyCalledError(), 3)
	end
	d[1] = true
	d[2] = result
	run_callbacks(d)
end

-- d:callback(v): fire d with v; a Failure acts as d:errback(v).
function Deferred:callback(v)
	if getmetatable(self) ~= DMeta then
		check_self(self, "callback")
	end
	if type(v) == "table" and getmetatable(v) == DMeta then
		arg_error(1, "callback", "a Deferred cannot be a result: return it from a callback to chain it")
	end
	fire(self, v)
end

-- d:errback(err): fire d with Failure(err); err is any error value but nil.
function Deferred:errback(...)
	check_self(self, "errback")
	local err = ...
	if err == nil then
		arg_error(1, "errback", "error value expected, got " .. (select("#", ...) == 0 and "no value" or "nil"))
	end
	fire(self, Failure(err))
end

function Deferred:pause()
	check_self(self, "pause")
	self[3] = self[3] + 1
end

-- d:unpause(): once as many unpauses as pauses, the chain runs on.
function Deferred:unpause()
	check_self(self, "unpause")
	self[3] = self[3] - 1
	if self[3] ~= 0 then
		return
	end
	if self[1] then
		run_callbacks(self)
	end
end

local function cancel_member(d)
	d:cancel()
end

-- d:cancel(): a Deferred not fired yet runs its canceller, then errbacks
-- with CancelledError unless the canceller fired it; one that waits on
-- another Deferred cancels that one (the innermost, found without
-- recursion); one that has a result is left alone. A DeferredList not
-- fired yet cancels its members (a canceller's error is reported, and the
-- others are cancelled all the same).
function Deferred:cancel()
	check_self(self, "cancel")
	local d = self
	while true do
		local members = d[10]
		if members ~= nil then
			if not d[1] then
				for i = 1, #members do
					local ok, err, traceback = try(cancel_member, members[i])
					if not ok then
						core.report_error("canceller", err, traceback)
					end
				end
			end
			return
		end
		if not d[1] then
			local canceller = d[8]
			if canceller ~= nil then
				canceller(d)
			else
				d[11] = true
			end
			if not d[1] then
				fire(d, Failure(CancelledError()))
			end
			return
		end
		local inner = d[2]
		if not is_deferred(inner) then
			return
		end
		d = inner
	end
end

-- d:chain_deferred(d2): d2 fires with what reaches this point of d's chain.
function Deferred:chain_deferred(d2)
	check_self(self, "chain_deferred")
	if not is_deferred(d2) then
		arg_error(1, "chain_deferred", "Deferred expected, got " .. type(d2))
	end
	d2[9] = self
	return add_pair(self, function(v) d2:callback(v) end, false, function(f) d2:errback(f) end, false)
end

-- call_later schedules fn on clock: the reactor when clock is nil or the
-- reactor module (whose call_later is a function: reactor.call_later),
-- else an object with a call_later method (a task.clock()).
local function call_later(clock, seconds, fn)
	if clock == nil then
		return require("reactor").call_later(seconds, fn)
	end
	if type(clock) == "table" and getmetatable(clock) == false and rawget(clock, "call_later") ~= nil then
		return clock.call_later(seconds, fn) -- a strict module: the reactor
	end
	return clock:call_later(seconds, fn)
end

-- has_call_later reports whether clock can schedule (see call_later):
-- reading its call_later must not raise (a userdata's strict __index may).
local function has_call_later(clock)
	local t = type(clock)
	if t ~= "table" and t ~= "userdata" then
		return false
	end
	local ok, m = pcall(function() return clock.call_later end)
	return ok and callable(m)
end

-- d:add_timeout(seconds [, clock]): cancel d if it has not fired after
-- seconds, turning the CancelledError into a TimeoutError. The timeout
-- covers the callbacks added before it, not those added after.
function Deferred:add_timeout(seconds, clock)
	check_self(self, "add_timeout")
	if type(seconds) ~= "number" then
		arg_error(1, "add_timeout", "number expected, got " .. type(seconds))
	end
	if seconds ~= seconds or seconds < 0 or seconds == 1 / 0 then
		arg_error(1, "add_timeout", "non-negative finite number expected, got " .. tostring(seconds))
	end
	if clock ~= nil and not has_call_later(clock) then
		arg_error(2, "add_timeout", "clock expected (the reactor or a task.clock()), got " .. type(clock))
	end
	local timed_out = false
	local dc = call_later(clock, seconds, function()
		timed_out = true
		-- A canceller's error is reported as the canceller's, as a
		-- DeferredList's member's is, not as this timer's.
		local ok, err, traceback = try(cancel_member, self)
		if not ok then
			core.report_error("canceller", err, traceback)
		end
	end)
	local function convert_cancelled(v)
		if timed_out and is_failure(v) then
			v:trap(CancelledError)
			return Failure(TimeoutError("Deferred timed out after " .. tostring(seconds) .. " seconds",
				{timeout = seconds}))
		end
		return v
	end
	add_pair(self, convert_cancelled, false, convert_cancelled, false)
	local function cancel_timeout(v)
		if dc:active() then
			dc:cancel()
		end
		return v
	end
	return add_pair(self, cancel_timeout, false, cancel_timeout, false)
end

-- repr shows a result in tostring(d), as Python's repr would: strings
-- quoted, Failures as <Failure TYPE: message>.
local function repr(v)
	local t = type(v)
	if t == "string" then
		return (string.format("%q", v):gsub("\\\n", "\\n"))
	end
	if is_failure(v) then
		local ok, msg = pcall(v.get_error_message, v)
		return "<Failure " .. tostring(v.type) .. ": " .. (ok and tostring(msg) or "?") .. ">"
	end
	local ok, s = pcall(tostring, v)
	if ok and type(s) == "string" then
		return s
	end
	return t
end

DMeta.__tostring = function(d)
	local s = "<Deferred at " .. address(d)
	if d[9] ~= nil then
		s = s .. " waiting on Deferred at " .. address(d[9])
	elseif d[1] then
		s = s .. " current result: " .. repr(d[2])
	end
	return s .. ">"
end

core.classes(DMeta, Failure, FIRST)

-- d.called, d.result and d.paused read their slots; a misspelt method
-- raises, naming the nearest.
DMeta.__index = core.index("Deferred", Deferred, {called = 1, result = 2, paused = 3})

-- succeed(v): a Deferred fired with v (defer_fast.go).
M.succeed = core.succeed

-- fail(err): a Deferred failed with Failure(err).
function M.fail(...)
	local err = ...
	if err == nil then
		arg_error(1, "fail", "error value expected, got " .. (select("#", ...) == 0 and "no value" or "nil"))
	end
	local d = new_deferred(nil)
	fire(d, Failure(err))
	return d
end

local function store_result(box, fn, ...)
	box[1] = fn(...)
end

-- maybe_deferred(fn, ...): fn(...) as a Deferred: the one fn returns, or
-- one fired with its result, or failed with its error (and traceback) or
-- the Failure it returned.
function M.maybe_deferred(fn, ...)
	if not callable(fn) then
		arg_error(1, "maybe_deferred", "function expected, got " .. type(fn))
	end
	local box = {}
	local ok, err, traceback = try(store_result, box, fn, ...)
	local d = new_deferred(nil)
	if not ok then
		if traceback == "" then
			traceback = nil
		end
		fire(d, Failure(err, traceback))
		return d
	end
	local result = box[1]
	if is_deferred(result) then
		return result
	end
	fire(d, result)
	return d
end

local deferred_list_options = {fire_on_one_callback = true, fire_on_one_errback = true, consume_errors = true}

-- check_list checks a list of Deferreds and copies it; it is called by a
-- helper of the function checked.
local function check_list(list, name)
	if type(list) ~= "table" then
		arg_error(1, name, "table expected, got " .. type(list), 2)
	end
	local copy = {}
	for i = 1, #list do
		local d = list[i]
		if not is_deferred(d) then
			arg_error(1, name, "list of Deferreds expected, item " .. i .. " is a " .. type(d), 2)
		end
		copy[i] = d
	end
	return copy
end

local function first_error(failure, index)
	local ok, msg = pcall(failure.get_error_message, failure)
	return FirstError("FirstError[#" .. index .. ", " .. tostring(failure.type) .. ": "
		.. (ok and tostring(msg) or "?") .. "]", {index = index, sub_failure = failure})
end

local function deferred_list(list, opts, name)
	local members = check_list(list, name)
	opts = check_options(opts, 2, name, deferred_list_options, 1)
	local on_one_callback = opts.fire_on_one_callback and true or false
	local on_one_errback = opts.fire_on_one_errback and true or false
	local consume = opts.consume_errors and true or false
	local n = #members
	local dl = new_deferred(nil)
	dl[10] = members
	local results = {}
	if n == 0 and not on_one_callback then
		fire(dl, results)
	end
	local finished = 0
	local function member_fired(result, index, succeeded)
		results[index] = {succeeded, result}
		finished = finished + 1
		if not dl[1] then
			if succeeded and on_one_callback then
				fire(dl, {result, index})
			elseif not succeeded and on_one_errback then
				fire(dl, Failure(first_error(result, index)))
			elseif finished == n then
				fire(dl, results)
			end
		end
		if not succeeded and consume then
			return nil
		end
		return result
	end
	for i = 1, n do
		add_pair(members[i], member_fired, {2, i, true}, member_fired, {2, i, false})
	end
	return dl
end

-- DeferredList(list [, {fire_on_one_callback, fire_on_one_errback,
-- consume_errors}]): a Deferred that fires, once every member has, with
-- {{true, value} or {false, failure}, ...} in list order; or with
-- {value, index} at the first success, or a FirstError at the first failure.
function M.DeferredList(list, opts)
	local dl = deferred_list(list, opts, "DeferredList") -- no tail call: errors name our caller's line
	return dl
end

local gather_options = {consume_errors = true}

local function values_of(results)
	if type(results) ~= "table" then
		return results -- the script fired the Deferred itself: pass it on
	end
	local values = {}
	for i = 1, #results do
		values[i] = results[i][2]
	end
	return values
end

-- gather_results(list [, {consume_errors}]): the members' values in list
-- order, or the FirstError of the first that fails.
function M.gather_results(list, opts)
	opts = check_options(opts, 2, "gather_results", gather_options)
	local d = deferred_list(list, {fire_on_one_errback = true, consume_errors = opts.consume_errors}, "gather_results")
	return add_pair(d, values_of, false, PASS, false)
end


-- Inline callbacks: Twisted's inlineCallbacks on coroutines.
--
-- inline_callbacks(fn) returns a function that, called, runs fn(...) in a
-- coroutine of its own (under xpcall, so an error it does not catch keeps
-- the traceback of where it was raised) and returns a Deferred. Inside,
-- await(d) takes d's result at once when d has one (no yield, so a loop of
-- fired awaits grows no stack); otherwise it yields d to the driver (step),
-- which adds its callback to d and returns. When d fires, that callback
-- resumes the coroutine through the runtime's resume path with d's result,
-- which await returns, or raises when it is a Failure. d's own result then
-- becomes nil, as in Twisted (gotResult returns None): its failure counts
-- as handled. The first value fn returns fires the Deferred; an error fn
-- raises errbacks it.

local co_create, co_resume, co_yield, co_traceback, trace_error =
	core.co_create, core.co_resume, core.co_yield, core.co_traceback, core.trace_error
local xpcall = xpcall

-- Tags of what goes between the coroutine and its driver.
local RESUMED, WAITING, DONE, FAILED = {}, {}, {}, {}

-- inline_body is the function of each inline callbacks coroutine.
local function inline_body(fn, args)
	local first
	-- fn is called through a table, so that tracebacks name it as Lua does
	-- a function without a name, "function <FILE:LINE>", not "fn".
	local called = {fn}
	local function call()
		if args then
			first = called[1](unpack(args, 2, args[1] + 1))
		else
			first = called[1]()
		end
	end
	local ok, err = xpcall(call, trace_error)
	if ok then
		return DONE, first
	end
	return FAILED, err
end

-- failure_of makes the Failure of an error the coroutine did not catch,
-- from trace_error's {err, traceback}. A Failure raised again (by await, or
-- by f:raise()) keeps its value and class and gets a copy whose traceback
-- starts where it was raised in the coroutine, followed by where it was
-- first raised.
local function failure_of(traced)
	if type(traced) ~= "table" or getmetatable(traced) ~= nil then
		return Failure(traced) -- the handler itself failed: "error in error handling"
	end
	local err, tb = traced[1], traced[2]
	if tb == "" then
		tb = nil
	end
	if not is_failure(err) then
		return Failure(err, tb)
	end
	if tb == nil then
		return err
	end
	local copy = {}
	for k, v in pairs(err) do
		copy[k] = v
	end
	local first = err.traceback
	if first ~= nil and first ~= "" then
		tb = tb .. "\n\t--- <awaited Failure, first raised at:> ---\n"
			.. string.gsub(first, "^stack traceback:\n", "")
	end
	copy.traceback = tb
	return setmetatable(copy, Failure)
end

-- step resumes state's coroutine with what it waited for, and goes on
-- until the coroutine waits on a Deferred that has no result yet or ends.
local function step(state, a, b)
	local co = state.co
	while true do
		-- co_resume makes co the coroutine where an await is valid while it
		-- runs (the Go side keeps it: resumes nest, each puts back the one it
		-- found), and delivers b, with RESUMED, to the await co is parked in.
		local ok, tag, v = co_resume(co, a, b)
		if not ok then
			-- The resume itself failed ("C stack overflow").
			fire(state.deferred, Failure(tag))
			return
		elseif tag == WAITING then
			state.waiting = v
			state.sync, state.has = true, false
			add_pair(v, state.got, false, state.got, false)
			state.sync = false
			if not state.has then
				return
			end
			a, b = RESUMED, state.result
			state.result, state.has, state.waiting = nil, false, nil
		else
			state.waiting = nil
			state.co = nil
			if tag == DONE then
				fire(state.deferred, v)
			elseif tag == FAILED then
				fire(state.deferred, failure_of(v))
			else
				-- A plain coroutine.yield: the driver cannot give it back
				-- anything meaningful, so the call fails (and the coroutine
				-- is left suspended, to be collected).
				local tb = co_traceback(co)
				fire(state.deferred, Failure("attempt to yield from an inline_callbacks function"
					.. " (use defer.await to wait for a Deferred)", tb ~= "" and tb or nil))
			end
			return
		end
	end
end

-- cancel_inline is the canceller of an inline callbacks Deferred: the
-- Deferred goes on waiting (on a new one, which the coroutine fires when it
-- ends, and which cancels as this one does), and the Deferred the coroutine
-- awaits is cancelled: the coroutine sees the CancelledError raised at its
-- await, and its end decides the result, as in Twisted. While the
-- coroutine runs (it awaits nothing) a cancel changes nothing.
local function cancel_inline(state, d)
	local replacement = new_deferred(state.canceller)
	-- d waits on replacement, as when a callback returns an unfired Deferred.
	d[1] = true
	d[2] = replacement
	d[3] = d[3] + 1
	d[9] = replacement
	local t = replacement[5]
	replacement[t + 1], replacement[t + 2], replacement[t + 3], replacement[t + 4] = CONTINUE, d, CONTINUE, d
	replacement[5] = t + 4
	state.deferred = replacement
	local waiting = state.waiting
	if waiting ~= nil then
		waiting:cancel()
	end
end

-- inline_callbacks(fn): a function that runs fn(...) as described above and
-- returns its Deferred.
function M.inline_callbacks(fn)
	if type(fn) ~= "function" then
		arg_error(1, "inline_callbacks", "function expected, got " .. type(fn))
	end
	return function(...)
		local state = {}
		state.canceller = function(d)
			cancel_inline(state, d)
		end
		state.got = function(r)
			if state.sync then
				state.has, state.result = true, r
			else
				state.waiting = nil
				step(state, RESUMED, r)
			end
			return nil
		end
		local d = new_deferred(state.canceller)
		state.deferred = d
		state.co = co_create(inline_body)
		step(state, fn, pack(...))
		return d
	end
end

local await_now = core.await_now
local VALUE, RAISE, WAIT = 1, 2, 3 -- await_now's codes (defer_fast.go); 4: outside

-- await(d): d's result, or its Failure raised; any other value at once.
-- It is Go's (defer_await.go), a Go function the script calls with no Lua
-- frame around it; this one stands in when the Go side cannot make a call
-- again after a yield (core.await returns nothing). await_now takes d's
-- result when d has it and nothing left to run: what a callback taking the
-- result would do, without running the chain.
local function await(d)
	local how, r = await_now(d)
	if how == VALUE then
		return r
	elseif how == RAISE then
		error(r, 0)
	elseif how ~= WAIT then
		error("attempt to await outside an inline_callbacks function", 2)
	end
	local tag
	repeat
		-- Anything but the driver resuming us (a script resuming this
		-- coroutine by hand) goes on waiting.
		tag, r = co_yield(WAITING, d)
	until tag == RESUMED
	if getmetatable(r) == Failure then
		error(r, 0)
	end
	return r
end

M.await = core.await(WAITING, RESUMED) or await

return M
