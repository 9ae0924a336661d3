-- The "log" module: Twisted's twisted.python.log, as the tutorial uses it.
--
--	log.msg(...)                 the arguments, tostring'd and joined by spaces
--	log.err(err [, why])         an error: a Failure (or an error class's
--	                             instance) as Twisted's "Unhandled Error"
--	                             block, why replacing that first line; any
--	                             other value as its Python-style repr
--	                             (log.err("text") logs 'text', quotes included,
--	                             as Twisted does)
--	log.start_logging(file)      from now on every event goes to file (io.stdout,
--	                             or anything with a write method) as one line
--	                             "2026-12-01 10:00:00+0000 [-] text", the time in
--	                             UTC, the lines of a multi-line text after the
--	                             first tab-indented; it writes "Log opened." first
--
-- Before start_logging, as in Twisted, msg is dropped and err goes to
-- stderr as its text alone (no time, no indent).
--
-- This chunk runs in a private environment (see embedded.go); core holds
-- the Go helpers of log_module.go.

local core = ...

local errors = require("errors")
local Failure = errors.Failure

local type, select, tostring, getmetatable, pcall, error = type, select, tostring, getmetatable, pcall, error
local string, table = string, table

local M = {}

-- observer is the file start_logging was given; nil until then.
local observer

-- python_repr is Python's repr of a str ('text', with escapes).
local function python_repr(s)
	return core.repr(s)
end

-- emit writes one event: to the observer as a timestamped line, or, before
-- start_logging, to stderr when it is an error.
local function emit(text, is_error)
	if observer == nil then
		if is_error then
			core.stderr(text .. "\n")
		end
		return
	end
	observer:write(core.timestamp() .. " [-] " .. text:gsub("\n", "\n\t") .. "\n")
	local ok, flush = pcall(function()
		return observer.flush
	end)
	if ok and flush ~= nil then
		observer:flush()
	end
end

function M.msg(...)
	local n = select("#", ...)
	if n == 0 then
		return -- Twisted logs nothing for an event with no message
	end
	local parts = {...}
	for i = 1, n do
		parts[i] = tostring(parts[i])
	end
	emit(table.concat(parts, " ", 1, n), false)
end

function M.err(...)
	local v, why = ...
	if select("#", ...) == 0 or v == nil then
		-- Twisted's log.err() logs the exception being handled; Lua has none.
		error("bad argument #1 to 'err' (error value or Failure expected, got "
			.. (select("#", ...) == 0 and "no value" or "nil") .. ")", 2)
	end
	if why ~= nil and type(why) ~= "string" then
		error("bad argument #2 to 'err' (string expected, got " .. type(why) .. ")", 2)
	end
	local f
	if getmetatable(v) == Failure then
		f = v
	elseif errors.class_of(v) ~= nil then
		f = Failure(v)
	end
	if f == nil then
		local text
		if type(v) == "string" then
			text = python_repr(v)
		else
			text = tostring(v)
		end
		emit(text, true)
		return
	end
	emit((why or "Unhandled Error") .. "\n" .. f:get_traceback(), true)
end

function M.start_logging(file)
	local t = type(file)
	local ok, write = false, nil
	if t == "table" or t == "userdata" then
		ok, write = pcall(function()
			return file.write
		end)
	end
	if not ok or write == nil then
		error("bad argument #1 to 'start_logging' (file expected (io.stdout, or an object with a write method), got "
			.. t .. ")", 2)
	end
	observer = file
	emit("Log opened.", false)
end

return M
