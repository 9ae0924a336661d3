-- The "errors" module: Twisted's twisted.internet.error in Lua. Error classes
-- whose instances are Lua error values with a message, matched along their
-- parent chain, and Failure, the reason object every I/O callback receives
-- (connection_lost, client_connection_failed, process_ended, ...).
--
-- This chunk runs in a private environment holding the base functions as
-- they were when the state was opened, so a script that replaces a global
-- cannot change how reasons behave.

local M = {}

-- classMeta is the metatable of every error class: calling a class makes an
-- instance, tostring shows "<class 'NAME'>".
local classMeta = {}
classMeta.__index = function(cls, key)
	local parent = rawget(cls, "parent")
	if parent ~= nil then
		return parent[key]
	end
	return nil
end
classMeta.__call = function(cls, message, fields)
	local e = {}
	if fields ~= nil then
		for k, v in pairs(fields) do
			e[k] = v
		end
	end
	if message == nil then
		message = rawget(cls, "default_message") or cls.default_message
	end
	e.message = message
	return setmetatable(e, cls)
end
classMeta.__tostring = function(cls)
	return "<class '" .. rawget(cls, "name") .. "'>"
end

-- is_class says whether v is an error class.
local function is_class(v)
	return type(v) == "table" and getmetatable(v) == classMeta
end
M.is_class = is_class

-- class_of is the error class of an instance, nil for any other value.
local function class_of(v)
	if type(v) ~= "table" then
		return nil
	end
	local mt = getmetatable(v)
	if is_class(mt) then
		return mt
	end
	return nil
end
M.class_of = class_of

-- error_class makes a class NAME below parent (a class or nil). Its
-- instances print as "NAME: message", or as the message alone when bare is
-- true (Twisted's own errors print their message only).
function M.error_class(name, parent, default_message, bare)
	if type(name) ~= "string" then
		error("bad argument #1 to 'error_class' (string expected, got " .. type(name) .. ")", 2)
	end
	if parent ~= nil and not is_class(parent) then
		error("bad argument #2 to 'error_class' (error class expected, got " .. type(parent) .. ")", 2)
	end
	local cls = {name = name, parent = parent, default_message = default_message or ""}
	cls.__index = cls
	if bare then
		cls.__tostring = function(e)
			return tostring(e.message)
		end
	else
		cls.__tostring = function(e)
			local msg = e.message
			if msg == nil or msg == "" then
				return name
			end
			return name .. ": " .. tostring(msg)
		end
	end
	return setmetatable(cls, classMeta)
end

-- is_a says whether cls is want or below it; want is a class or a name.
local function is_a(cls, want)
	while cls ~= nil do
		if cls == want or rawget(cls, "name") == want then
			return true
		end
		cls = rawget(cls, "parent")
	end
	return false
end
M.is_a = is_a

-- Twisted's hierarchy and messages (internet/error.py).
local function twisted(name, parent, message)
	local cls = M.error_class(name, parent, message, true)
	M[name] = cls
	return cls
end
local ConnectError = twisted("ConnectError", nil, "An error occurred while connecting.")
twisted("ConnectionRefusedError", ConnectError, "Connection was refused by other side.")
twisted("NoRouteError", ConnectError, "No route to host.")
twisted("TCPTimedOutError", ConnectError, "TCP connection timed out.")
twisted("ConnectBindError", ConnectError, "Couldn't bind.")
local UserError = twisted("UserError", ConnectError, "User aborted connection.")
twisted("TimeoutError", UserError, "User timeout caused connection failure.")
twisted("DNSLookupError", nil, "DNS lookup failed.")
local ConnectionClosed = twisted("ConnectionClosed", nil, "Connection was closed, whether cleanly or non-cleanly.")
local ConnectionLost = twisted("ConnectionLost", ConnectionClosed,
	"Connection to the other side was lost in a non-clean fashion.")
twisted("ConnectionAborted", ConnectionLost, "Connection was aborted locally using ITCPTransport.abortConnection.")
twisted("ConnectionFdescWentAway", ConnectionLost, "Uh")
local ConnectionDone = twisted("ConnectionDone", ConnectionClosed, "Connection was closed cleanly.")
twisted("ProcessDone", ConnectionDone, "A process has ended without apparent errors: process finished with exit code 0.")
twisted("ProcessTerminated", ConnectionLost, "A process has ended with a probable error condition.")
twisted("ProcessExitedAlready", nil,
	"The process has already exited and the operation requested can no longer be performed.")
twisted("CannotListenError", nil, "Couldn't listen.")
twisted("MessageLengthError", nil, "Message is too long to send.")
twisted("InvalidAddressError", nil, "An invalid address was specified.")

-- Failure is the reason object: value is the error (an instance of an error
-- class, or any Lua error value), type the name of its class or, for a plain
-- Lua value, its Lua type name; traceback, when known, is where it was
-- raised.
local Failure = {}
Failure.__index = Failure
Failure.name = "Failure"
M.Failure = setmetatable(Failure, {
	__call = function(_, value, traceback)
		if getmetatable(value) == Failure then
			return value
		end
		local cls = class_of(value)
		local f = {value = value, traceback = traceback}
		if cls ~= nil then
			f.type = rawget(cls, "name")
		else
			f.type = type(value)
		end
		return setmetatable(f, Failure)
	end,
	__tostring = function()
		return "<class 'Failure'>"
	end,
})

-- is_failure says whether v is a Failure.
function M.is_failure(v)
	return type(v) == "table" and getmetatable(v) == Failure
end

local function check_self(self, name)
	if type(self) ~= "table" or getmetatable(self) ~= Failure then
		error("bad argument #1 to '" .. name .. "' (Failure expected, got " .. type(self)
			.. "; use reason:" .. name .. ", not reason." .. name .. ")", 3)
	end
end

-- matches says whether f's error is want: a class or a class name, matched
-- along the parent chain; a plain Lua error matches its Lua type name.
local function matches(f, want)
	local cls = class_of(f.value)
	if cls ~= nil then
		return is_a(cls, want)
	end
	return f.type == want
end

-- first_match is the first of the arguments that f's error matches, or nil.
local function first_match(f, ...)
	for i = 1, select("#", ...) do
		local want = select(i, ...)
		if matches(f, want) then
			return want
		end
	end
	return nil
end

-- check returns the first of its arguments that the error matches, or nil.
function Failure:check(...)
	check_self(self, "check")
	return first_match(self, ...)
end

-- trap returns what check returns, or raises the Failure itself when
-- nothing matches, so the next errback gets it.
function Failure:trap(...)
	check_self(self, "trap")
	local want = first_match(self, ...)
	if want == nil then
		error(self, 0)
	end
	return want
end

-- get_error_message is the error's message: an error class instance's
-- message, or tostring of any other value.
function Failure:get_error_message()
	check_self(self, "get_error_message")
	local v = self.value
	if class_of(v) ~= nil then
		return tostring(v.message)
	end
	return tostring(v)
end

-- get_traceback is the error and, when known, where it was raised.
function Failure:get_traceback()
	check_self(self, "get_traceback")
	local head = "Failure: " .. self.type .. ": " .. self:get_error_message()
	if self.traceback ~= nil and self.traceback ~= "" then
		return "Traceback (most recent call last):\n" .. self.traceback .. "\n" .. head .. "\n"
	end
	return "Traceback (failure with no frames): " .. head .. "\n"
end

-- raise raises the Failure itself as a Lua error.
function Failure:raise()
	check_self(self, "raise")
	error(self, 0)
end

function Failure:__tostring()
	local kind = "<class '" .. self.type .. "'>"
	if self.traceback ~= nil and self.traceback ~= "" then
		return "[Failure instance: Traceback: " .. kind .. ": " .. self:get_error_message() .. "\n"
			.. self.traceback .. "\n]"
	end
	return "[Failure instance: Traceback (failure with no frames): " .. kind .. ": "
		.. self:get_error_message() .. "\n]"
end

return M
