-- The "testing" module: fakes for testing protocols without sockets, after
-- Twisted's twisted.internet.testing. StringTransport is a transport that
-- records what is written to it; MemoryReactor records the listen and
-- connect calls made to it and returns fake ports and connectors. With a
-- task.clock() as the clock, a protocol's test is deterministic and needs
-- no running reactor:
--
--	local tr = testing.StringTransport()
--	proto:make_connection(tr)
--	proto:data_received("hello\r\n")
--	assert_eq(tr:value(), "HELLO\r\n")

local type, error, tostring, setmetatable, getmetatable, ipairs, require =
	type, error, tostring, setmetatable, getmetatable, ipairs, require
local table, string = table, string

local M = {}

-- An address as Go gives one to scripts: {type =, host =, port =} (or
-- {type = "UNIX", name =}), printed as Twisted prints it.
local Address = {}
Address.__index = Address
Address.__metatable = "address"
function Address.__tostring(a)
	if a.type == "UNIX" then
		return "UNIXAddress(name=" .. (a.name and ("'" .. a.name .. "'") or "None") .. ")"
	end
	local kind = string.find(a.host, ":", 1, true) and "IPv6Address" or "IPv4Address"
	return kind .. "(type='" .. a.type .. "', host='" .. a.host .. "', port=" .. tostring(a.port) .. ")"
end

local function ip_address(typ, host, port)
	return setmetatable({type = typ, host = host, port = port}, Address)
end

local function unix_address(name)
	return setmetatable({type = "UNIX", name = name}, Address)
end

local function arg_error(n, name, msg)
	error("bad argument #" .. n .. " to '" .. name .. "' (" .. msg .. ")", 3)
end

local function check_method(self, class, name)
	if type(self) ~= "table" or getmetatable(self) ~= class then
		error("bad argument #1 to '" .. name .. "' (" .. class.name .. " expected, got " .. type(self)
			.. "; use t:" .. name .. ", not t." .. name .. ")", 3)
	end
end

-- StringTransport([{host_address =, peer_address =}]): Twisted's
-- StringTransport. get_host() is 10.0.0.1:12345 and get_peer()
-- 192.168.1.1:54321 unless given.
local StringTransport = {name = "StringTransport"}
StringTransport.__index = StringTransport

function M.StringTransport(opts)
	if opts ~= nil and type(opts) ~= "table" then
		arg_error(1, "StringTransport", "table expected, got " .. type(opts))
	end
	opts = opts or {}
	return setmetatable({
		_written = {},
		disconnecting = false,
		aborting = false,
		producer = nil,
		streaming = nil,
		producer_state = "producing",
		host_address = opts.host_address or ip_address("TCP", "10.0.0.1", 12345),
		peer_address = opts.peer_address or ip_address("TCP", "192.168.1.1", 54321),
	}, StringTransport)
end

-- value() is everything written so far, as one string.
function StringTransport:value()
	check_method(self, StringTransport, "value")
	local v = table.concat(self._written)
	self._written = {v}
	return v
end

-- clear() forgets what was written.
function StringTransport:clear()
	check_method(self, StringTransport, "clear")
	self._written = {}
end

function StringTransport:write(data)
	check_method(self, StringTransport, "write")
	if type(data) ~= "string" then
		arg_error(1, "write", "string expected, got " .. type(data))
	end
	self._written[#self._written + 1] = data
end

function StringTransport:write_sequence(seq)
	check_method(self, StringTransport, "write_sequence")
	if type(seq) ~= "table" then
		arg_error(1, "write_sequence", "table expected, got " .. type(seq))
	end
	for i, data in ipairs(seq) do
		if type(data) ~= "string" then
			arg_error(1, "write_sequence", "string expected at index " .. i .. ", got " .. type(data))
		end
	end
	for _, data in ipairs(seq) do
		self._written[#self._written + 1] = data
	end
end

-- lose_connection() sets disconnecting; nothing is closed, and the
-- protocol's connection_lost is the test's to call.
function StringTransport:lose_connection()
	check_method(self, StringTransport, "lose_connection")
	self.disconnecting = true
end

-- abort_connection() sets aborting and disconnecting.
function StringTransport:abort_connection()
	check_method(self, StringTransport, "abort_connection")
	self.aborting = true
	self.disconnecting = true
end

function StringTransport:get_host()
	check_method(self, StringTransport, "get_host")
	return self.host_address
end

function StringTransport:get_peer()
	check_method(self, StringTransport, "get_peer")
	return self.peer_address
end

-- register_producer(producer, streaming) records the producer; a second
-- one is an error, as in Twisted.
function StringTransport:register_producer(producer, streaming)
	check_method(self, StringTransport, "register_producer")
	if self.producer ~= nil then
		error("Cannot register two producers", 2)
	end
	self.producer = producer
	self.streaming = streaming and true or false
end

function StringTransport:unregister_producer()
	check_method(self, StringTransport, "unregister_producer")
	if self.producer == nil then
		error("Cannot unregister a producer unless one is registered", 2)
	end
	self.producer = nil
	self.streaming = nil
end

-- The transport as a producer: pause_producing, resume_producing and
-- stop_producing only record producer_state ("paused", "producing",
-- "stopped"); once stopped, they are errors.
local function producer_step(name, state)
	return function(self)
		check_method(self, StringTransport, name)
		if self.producer_state == "stopped" then
			error("Cannot " .. name .. " a transport that has stopped producing", 2)
		end
		self.producer_state = state
	end
end
StringTransport.pause_producing = producer_step("pause_producing", "paused")
StringTransport.resume_producing = producer_step("resume_producing", "producing")
StringTransport.stop_producing = producer_step("stop_producing", "stopped")

function StringTransport:lose_write_connection()
	check_method(self, StringTransport, "lose_write_connection")
	self.write_disconnected = true
end

function StringTransport:set_tcp_no_delay(enabled) self.tcp_no_delay = enabled and true or false end
function StringTransport:set_tcp_keep_alive(enabled) self.tcp_keep_alive = enabled and true or false end

-- A fake port (Twisted's _FakePort): get_host(), and stop_listening(),
-- which only records that it was called (stopped) and returns a fired
-- Deferred, as the real one returns one that fires once closed.
local FakePort = {name = "Port"}
FakePort.__index = FakePort

local function fake_port(addr)
	return setmetatable({_address = addr, stopped = false}, FakePort)
end

function FakePort:get_host()
	check_method(self, FakePort, "get_host")
	return self._address
end

function FakePort:stop_listening()
	check_method(self, FakePort, "stop_listening")
	self.stopped = true
	return require("defer").succeed(nil)
end

-- A fake connector (Twisted's _FakeConnector): stop_connecting() sets
-- stopped_connecting, disconnect() disconnected; connect() does nothing;
-- get_destination() is the address connected to.
local FakeConnector = {name = "Connector"}
FakeConnector.__index = FakeConnector

local function fake_connector(addr)
	return setmetatable({_address = addr, stopped_connecting = false, disconnected = false}, FakeConnector)
end

function FakeConnector:stop_connecting()
	check_method(self, FakeConnector, "stop_connecting")
	self.stopped_connecting = true
end

function FakeConnector:disconnect()
	check_method(self, FakeConnector, "disconnect")
	self.disconnected = true
end

function FakeConnector:connect()
	check_method(self, FakeConnector, "connect")
end

function FakeConnector:get_destination()
	check_method(self, FakeConnector, "get_destination")
	return self._address
end

-- record is a call's arguments as Twisted's tuples (r.tcp_servers[1][1]
-- is the port) and by name (r.tcp_servers[1].port).
local function record(names, ...)
	local t = {...}
	for i, name in ipairs(names) do
		t[name] = t[i]
	end
	return t
end

local function option(opts, n, fname, key, default)
	if opts == nil then
		return default
	end
	if type(opts) ~= "table" then
		error("bad argument #" .. n .. " to '" .. fname .. "' (table expected, got " .. type(opts) .. ")", 3)
	end
	local v = opts[key]
	if v == nil then
		return default
	end
	return v
end

local function check_factory(factory, n, fname)
	if type(factory) ~= "table" then
		error("bad argument #" .. n .. " to '" .. fname .. "' (factory expected, got " .. type(factory) .. ")", 3)
	end
end

-- MemoryReactor([clock]): a reactor whose listen and connect calls are only
-- recorded, after Twisted's MemoryReactorClock. Its functions are called
-- with a dot, as the reactor module's: r.listen_tcp(port, factory [, {backlog,
-- interface}]) appends {port, factory, backlog, interface} to
-- r.tcp_servers and returns a fake port; r.connect_tcp(host, port, factory
-- [, {timeout}]) appends {host, port, factory, timeout} to r.tcp_clients,
-- calls factory:started_connecting(connector) and returns the fake
-- connector (also in r.connectors); listen_unix and connect_unix likewise
-- with r.unix_servers and r.unix_clients. Time is the clock's (a new
-- task.clock() unless one is given): r.call_later, r.seconds; r.run() and
-- r.stop() only set running, has_run and has_stopped.
function M.MemoryReactor(clock)
	if clock == nil then
		clock = require("task").clock()
	elseif type(clock) ~= "table" and type(clock) ~= "userdata" then
		arg_error(1, "MemoryReactor", "clock expected, got " .. type(clock))
	end
	local r = {
		clock = clock,
		tcp_servers = {}, tcp_clients = {}, unix_servers = {}, unix_clients = {}, connectors = {},
		running = false, has_run = false, has_stopped = false,
	}

	function r.listen_tcp(port, factory, opts)
		check_factory(factory, 2, "listen_tcp")
		local backlog = option(opts, 3, "listen_tcp", "backlog", 50)
		local interface = option(opts, 3, "listen_tcp", "interface", "")
		r.tcp_servers[#r.tcp_servers + 1] = record({"port", "factory", "backlog", "interface"},
			port, factory, backlog, interface)
		local host = string.find(interface, ":", 1, true) and interface or "0.0.0.0"
		return fake_port(ip_address("TCP", host, port))
	end

	local function connect(list, rec, addr, factory)
		list[#list + 1] = rec
		local c = fake_connector(addr)
		if factory.started_connecting ~= nil then
			factory:started_connecting(c)
		end
		r.connectors[#r.connectors + 1] = c
		return c
	end

	function r.connect_tcp(host, port, factory, opts)
		check_factory(factory, 3, "connect_tcp")
		local timeout = option(opts, 4, "connect_tcp", "timeout", 30)
		return connect(r.tcp_clients, record({"host", "port", "factory", "timeout"}, host, port, factory, timeout),
			ip_address("TCP", host, port), factory)
	end

	function r.listen_unix(path, factory, opts)
		check_factory(factory, 2, "listen_unix")
		local backlog = option(opts, 3, "listen_unix", "backlog", 50)
		r.unix_servers[#r.unix_servers + 1] = record({"address", "factory", "backlog"}, path, factory, backlog)
		return fake_port(unix_address(path))
	end

	function r.connect_unix(path, factory, opts)
		check_factory(factory, 2, "connect_unix")
		local timeout = option(opts, 3, "connect_unix", "timeout", 30)
		return connect(r.unix_clients, record({"address", "factory", "timeout"}, path, factory, timeout),
			unix_address(path), factory)
	end

	function r.call_later(seconds, fn, ...)
		return r.clock:call_later(seconds, fn, ...)
	end

	function r.seconds()
		return r.clock:seconds()
	end

	function r.run()
		r.has_run, r.running = true, true
	end

	function r.stop()
		r.has_stopped, r.running = true, false
	end

	return r
end

return M
