-- The "utils" module: Twisted's twisted.internet.utils in Lua, the
-- non-blocking os.execute. Each function runs a program with
-- reactor.spawn_process and returns a Deferred of require("defer"):
--
--	get_process_output(executable [, args [, {env, path, errortoo}]])  -> Deferred(stdout)
--	get_process_value(executable [, args [, {env, path}]])             -> Deferred(exit code)
--	get_process_output_and_value(executable [, args [, {env, path}]])  -> Deferred({out, err, code})
--
-- args leave argv[0] out (the module puts the executable there, as Twisted's
-- utils do; spawn_process takes argv[0] itself). Without env the child
-- inherits this process's environment; with it, it gets exactly env.
--
-- Without errortoo, the first output on stderr fails get_process_output's
-- Deferred with an _UnexpectedErrorOutput (Twisted's class and message:
-- "got stderr: b'...'", Python's repr of the bytes); the value's text field
-- is that output, and the process is told to close its pipes. Twisted also
-- gives the value a processEnded Deferred that errbacks with the process's
-- reason once it ends; here process_ended is that Deferred, made only when a
-- script reads the field, so a script that never looks gets no stray
-- "Unhandled error in Deferred" for it.
--
-- A process killed by a signal has no exit code: get_process_value fires
-- with nil (Twisted's None), get_process_output_and_value with {out, err,
-- nil, signal = N} (Twisted errbacks with the tuple (out, err, signal)
-- instead; a table is a poor error value in Lua, and the caller reads the
-- signal from the same shape either way).
--
-- Argument errors, a sandbox's refusal and a program that cannot be started
-- are raised at the call, naming the function the script called.
--
-- This chunk runs in a private environment (see embedded.go).

local core = ...
local defer = require("defer")
local errors = require("errors")

local type, pairs, error, pcall, setmetatable, getmetatable, tostring =
	type, pairs, error, pcall, setmetatable, getmetatable, tostring
local string, table = string, table

local M = {}

-- Python's IOError (OSError), the parent Twisted gives _UnexpectedErrorOutput:
-- a check for "IOError" matches it.
local IOError = errors.error_class("IOError")
M.IOError = IOError

local UnexpectedErrorOutput = errors.error_class("_UnexpectedErrorOutput", IOError)
M.UnexpectedErrorOutput = UnexpectedErrorOutput

-- ended holds, for each _UnexpectedErrorOutput this module raised, the
-- process's reason once it ended and the process_ended Deferred once read.
local ended = setmetatable({}, {__mode = "k"})

UnexpectedErrorOutput.__index = function(e, key)
	if key == "process_ended" then
		local s = ended[e]
		if s ~= nil then
			if s.d == nil then
				s.d = defer.Deferred()
				if s.reason ~= nil then
					s.d:errback(s.reason)
				end
			end
			return s.d
		end
	end
	return UnexpectedErrorOutput[key]
end

-- python_bytes_repr is Python's repr of a bytes value (b'...', with escapes).
local function python_bytes_repr(s)
	return core.repr(s, true)
end

-- An argument error is raised as a BadArgument table by the checkers and
-- raised again by start at the script's line, however deep the checker.
local BadArgument = {}

local function arg_error(n, name, msg)
	error(setmetatable({message = "bad argument #" .. n .. " to '" .. name .. "' (" .. msg .. ")"}, BadArgument), 0)
end

local function checked_string(v, n, name, what)
	if type(v) ~= "string" then
		arg_error(n, name, "string expected" .. what .. ", got " .. type(v))
	end
	if v:find("\0", 1, true) then
		arg_error(n, name, "string with no embedded zeros expected" .. what)
	end
	return v
end

local function key_text(k)
	if type(k) == "string" then
		return "'" .. k .. "'"
	end
	return tostring(k)
end

-- check_args copies args into argv after the executable.
local function check_args(executable, args, name)
	local argv = {executable}
	if args == nil then
		return argv
	end
	if type(args) ~= "table" then
		arg_error(2, name, "table expected, got " .. type(args))
	end
	for i = 1, #args do
		argv[i + 1] = checked_string(args[i], 2, name, " at index " .. i)
	end
	return argv
end

local function check_env(env, name)
	if type(env) ~= "table" then
		arg_error(3, name, "table expected for env, got " .. type(env))
	end
	local copy = {}
	for k, v in pairs(env) do
		if type(k) ~= "string" then
			arg_error(3, name, "string expected for an env name, got " .. type(k))
		end
		if k == "" or k:find("=", 1, true) then
			arg_error(3, name, "env name " .. key_text(k) .. " is empty or contains '='")
		end
		checked_string(k, 3, name, " for an env name")
		copy[k] = checked_string(v, 3, name, " for env." .. k)
	end
	return copy
end

-- check_options reads {env, path[, errortoo]} into spawn_process's options
-- and the errortoo flag.
local function check_options(opts, name, allow_errortoo)
	local spawn_opts = {}
	if opts == nil then
		return spawn_opts, false
	end
	if type(opts) ~= "table" then
		arg_error(3, name, "table expected, got " .. type(opts))
	end
	local errortoo = false
	for k, v in pairs(opts) do
		if k == "env" then
			spawn_opts.env = check_env(v, name)
		elseif k == "path" then
			spawn_opts.path = checked_string(v, 3, name, " for path")
		elseif k == "errortoo" and allow_errortoo then
			if type(v) ~= "boolean" then
				arg_error(3, name, "boolean expected for errortoo, got " .. type(v))
			end
			errortoo = v
		else
			local known = allow_errortoo and "env, errortoo, path" or "env, path"
			arg_error(3, name, "unknown option " .. key_text(k) .. "; the options are " .. known)
		end
	end
	return spawn_opts, errortoo
end

-- start checks the arguments of name(executable, args, opts), calls
-- make_protocol(d, errortoo) for the protocol and spawns the process; it
-- returns the Deferred the protocol fires.
local function check_all(name, allow_errortoo, executable, args, opts)
	checked_string(executable, 1, name, "")
	local argv = check_args(executable, args, name)
	local spawn_opts, errortoo = check_options(opts, name, allow_errortoo)
	return argv, spawn_opts, errortoo
end

local function start(name, make_protocol, allow_errortoo, executable, args, opts)
	local checked, argv, spawn_opts, errortoo = pcall(check_all, name, allow_errortoo, executable, args, opts)
	if not checked then
		if getmetatable(argv) == BadArgument then
			error(argv.message, 3)
		end
		error(argv, 0)
	end
	local d = defer.Deferred()
	local ok, err = pcall(require("reactor").spawn_process, make_protocol(d, errortoo), executable, argv, spawn_opts)
	if not ok then
		if type(err) == "string" then
			-- "loopscript/utils.lua:N: spawn_process: MESSAGE" becomes
			-- "NAME: MESSAGE" at the script's line.
			err = err:gsub("^=?loopscript/utils%.lua:%d+: ", ""):gsub("^spawn_process: ", name .. ": ")
			error(err, 3)
		end
		error(err, 0)
	end
	return d
end

-- output_protocol is Twisted's _BackRelay.
local function output_protocol(d, errortoo)
	local buf = {}
	local fired = false
	local unexpected -- the _UnexpectedErrorOutput d failed with
	local pp = {}
	function pp:make_connection(transport)
		self.transport = transport
	end
	function pp:out_received(data)
		buf[#buf + 1] = data
	end
	if errortoo then
		pp.err_received = pp.out_received
	else
		function pp:err_received(text)
			if fired then
				return
			end
			fired = true
			unexpected = UnexpectedErrorOutput("got stderr: " .. python_bytes_repr(text), {text = text})
			ended[unexpected] = {}
			d:errback(unexpected)
			self.transport:lose_connection()
		end
	end
	function pp:process_ended(reason)
		if not fired then
			fired = true
			d:callback(table.concat(buf))
			return
		end
		local s = unexpected and ended[unexpected]
		if s ~= nil then
			s.reason = reason
			if s.d ~= nil then
				s.d:errback(reason)
			end
		end
	end
	return pp
end

-- value_protocol is Twisted's _ValueGetter.
local function value_protocol(d)
	return {process_ended = function(_, reason)
		d:callback(reason.value.exit_code)
	end}
end

-- everything_protocol is Twisted's _EverythingGetter.
local function everything_protocol(d)
	local out, err = {}, {}
	return {
		out_received = function(_, data)
			out[#out + 1] = data
		end,
		err_received = function(_, data)
			err[#err + 1] = data
		end,
		process_ended = function(_, reason)
			local v = reason.value
			local result = {table.concat(out), table.concat(err), v.exit_code}
			if v.signal ~= nil then
				result.signal = v.signal
			end
			d:callback(result)
		end,
	}
end

-- Each function is written out, not made by a shared wrapper, so that the
-- levels of start's errors land on the script's line.

function M.get_process_output(executable, args, opts)
	local d = start("get_process_output", output_protocol, true, executable, args, opts)
	return d
end

function M.get_process_value(executable, args, opts)
	local d = start("get_process_value", value_protocol, false, executable, args, opts)
	return d
end

function M.get_process_output_and_value(executable, args, opts)
	local d = start("get_process_output_and_value", everything_protocol, false, executable, args, opts)
	return d
end

return M
