-- The "protocol" module: the classes a script extends to take part in I/O,
-- after Twisted's twisted.internet.protocol. Protocol (a stream connection),
-- Factory, ServerFactory and ClientFactory (what builds protocols for a
-- port or a connector), ProcessProtocol (a child process) and
-- DatagramProtocol (a UDP port), and the two reasons a reader's do_read
-- returns, CONNECTION_DONE and CONNECTION_LOST.
--
-- Classes are plain tables. P = Base:extend() (or Base:extend{field = v})
-- makes a subclass; P:new(...) or P(...) makes an instance, calling
-- self:init(...) when the class defines init. Instances' metatable is their
-- class, so a class may define metamethods (__tostring) for them.

local core = ...
local errors = require("errors")
local new_instance = core.new_instance

local M = {}

local Class = {}
Class.__index = Class
Class.class_name = "Class"

local function check_class(cls, name)
	if type(cls) ~= "table" or rawget(cls, "__index") ~= cls then
		local got = type(cls)
		if cls == nil then
			got = "no value"
		end
		error("bad argument #1 to '" .. name .. "' (class expected, got " .. got
			.. "; use Class:" .. name .. ", not Class." .. name .. ")", 3)
	end
end

local classMeta -- every class's metatable: inherits from the parent, callable

-- extend makes a subclass of cls with the given fields copied in.
function Class.extend(cls, fields)
	check_class(cls, "extend")
	if fields ~= nil and type(fields) ~= "table" then
		error("bad argument #1 to 'extend' (table expected, got " .. type(fields) .. ")", 2)
	end
	local sub = {}
	if fields ~= nil then
		for k, v in pairs(fields) do
			sub[k] = v
		end
	end
	sub.__index = sub
	sub.super = cls
	return setmetatable(sub, classMeta(cls))
end

-- new makes an instance and calls its init with the arguments, if any.
function Class.new(cls, ...)
	check_class(cls, "new")
	local o = new_instance(cls)
	local init = o.init
	if init ~= nil then
		init(o, ...)
	end
	return o
end

-- is_instance says whether o is an instance of cls or of a class below it.
function Class.is_instance(cls, o)
	check_class(cls, "is_instance")
	if type(o) ~= "table" then
		return false
	end
	local c = getmetatable(o)
	while type(c) == "table" do
		if c == cls then
			return true
		end
		c = rawget(c, "super")
	end
	return false
end

local metas = setmetatable({}, {__mode = "k"})
classMeta = function(parent)
	local mt = metas[parent]
	if mt == nil then
		mt = {
			__index = parent,
			__call = function(c, ...)
				return c:new(...)
			end,
		}
		metas[parent] = mt
	end
	return mt
end
setmetatable(Class, {__call = function(c, ...)
	return c:new(...)
end})

-- call_method is self:name(...) for callbacks a script overrides, whose value may be anything: one that
-- cannot be called raises reference Lua's message for self:name(...), naming the method (m(self, ...) would
-- name the local 'm'), as the Go side's calls do. The last function met skips type(), which allocates its answer.
local known_function = function() end -- never a method: nil and the rest are checked
local function callable_object(m) local mt = getmetatable(m) return type(mt) == "table" and type(rawget(mt, "__call")) == "function" end
local function call_method(self, name, ...) -- a function, the common case, costs no getmetatable
	local m = self[name]
	if m ~= known_function then if type(m) == "function" then known_function = m elseif not callable_object(m) then
		error("attempt to call method '" .. name .. "' (a " .. type(m) .. " value)", 2)
	end end
	return m(self, ...)
end

local function named(base, name, fields)
	local cls = base:extend(fields)
	cls.class_name = name
	return cls
end

-- Protocol is one stream connection's side: the transport calls
-- make_connection, then data_received for each chunk, then connection_lost
-- exactly once.
local Protocol = named(Class, "Protocol")
M.Protocol = Protocol
Protocol.connected = false

function Protocol:make_connection(transport)
	self.connected = true
	self.transport = transport
	call_method(self, "connection_made")
end

function Protocol:connection_made() end
function Protocol:data_received(data) end
function Protocol:connection_lost(reason) end

-- Factory builds a protocol for each connection: by default a new
-- self.protocol, with p.factory = self. It is started when the first port or
-- connector using it starts and stopped when the last one stops.
local Factory = named(Class, "Factory")
M.Factory = Factory
Factory.num_ports = 0

function Factory:build_protocol(addr)
	local cls = self.protocol
	if cls == nil then
		error("factory has no protocol class: set factory.protocol, or define build_protocol", 2)
	end
	local p = cls()
	p.factory = self
	return p
end
-- Go builds a protocol itself, without the address, when a factory keeps
-- this build_protocol and its class keeps Class's call and new.
core.stream_defaults(Factory.build_protocol, Class.new, getmetatable(Protocol).__call, Protocol.make_connection)

function Factory:start_factory() end
function Factory:stop_factory() end

-- do_start and do_stop count the ports and connectors that use the factory;
-- the first start calls start_factory, the last stop stop_factory.
function Factory:do_start()
	if self.num_ports == 0 then
		call_method(self, "start_factory")
	end
	self.num_ports = self.num_ports + 1
end

function Factory:do_stop()
	if self.num_ports == 0 then
		return
	end
	self.num_ports = self.num_ports - 1
	if self.num_ports == 0 then
		call_method(self, "stop_factory")
	end
end

M.ServerFactory = named(Factory, "ServerFactory")

local ClientFactory = named(Factory, "ClientFactory")
M.ClientFactory = ClientFactory
function ClientFactory:started_connecting(connector) end
function ClientFactory:client_connection_failed(connector, reason) end
function ClientFactory:client_connection_lost(connector, reason) end

-- ProcessProtocol is a child process's side: out_received and err_received
-- for its output, the three *_connection_lost for its pipes, process_exited
-- when it has been reaped and process_ended last.
local ProcessProtocol = named(Class, "ProcessProtocol")
M.ProcessProtocol = ProcessProtocol

function ProcessProtocol:make_connection(transport)
	self.connected = true
	self.transport = transport
	call_method(self, "connection_made")
end
-- spawn_process does the same without running Lua when a protocol keeps
-- this make_connection and an empty connection_made.
core.process_defaults(ProcessProtocol.make_connection)

function ProcessProtocol:connection_made() end
function ProcessProtocol:out_received(data) end
function ProcessProtocol:err_received(data) end
function ProcessProtocol:in_connection_lost() end
function ProcessProtocol:out_connection_lost() end
function ProcessProtocol:err_connection_lost() end
function ProcessProtocol:process_exited(reason) end
function ProcessProtocol:process_ended(reason) end

-- DatagramProtocol is a UDP port's side: datagram_received(data, addr) for
-- each datagram; start_protocol when the port starts listening and
-- stop_protocol when it stops.
local DatagramProtocol = named(Class, "DatagramProtocol")
M.DatagramProtocol = DatagramProtocol
DatagramProtocol.num_ports = 0

function DatagramProtocol:make_connection(transport)
	self.transport = transport
	self:do_start()
end

function DatagramProtocol:do_start()
	if self.num_ports == 0 then
		call_method(self, "start_protocol")
	end
	self.num_ports = self.num_ports + 1
end

function DatagramProtocol:do_stop()
	if self.num_ports == 0 then
		return
	end
	self.num_ports = self.num_ports - 1
	self.transport = nil
	if self.num_ports == 0 then
		call_method(self, "stop_protocol")
	end
end

function DatagramProtocol:start_protocol() end
function DatagramProtocol:stop_protocol() end
function DatagramProtocol:datagram_received(data, addr) end
function DatagramProtocol:connection_refused() end

M.Class = Class

-- What a reader's do_read returns to say it is done (Twisted's
-- main.CONNECTION_DONE and CONNECTION_LOST).
M.CONNECTION_DONE = errors.ConnectionDone()
M.CONNECTION_LOST = errors.ConnectionLost()

return M
