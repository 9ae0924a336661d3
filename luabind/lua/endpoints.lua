-- The "endpoints" module: Twisted's TCP4 endpoints (internet/endpoints.py)
-- in Lua, a connect or a listen whose outcome is a Deferred:
--
--	TCP4ClientEndpoint(reactor, host, port [, {timeout = 30}]):connect(factory)  -> Deferred(protocol)
--	TCP4ServerEndpoint(reactor, port [, {backlog = 50, interface = ""}]):listen(factory)  -> Deferred(port)
--	connect_protocol(endpoint, proto)  -> Deferred(proto)
--
-- connect's Deferred fires with the protocol once its make_connection has
-- run, or fails with the connect's reason (ConnectionRefusedError, ...);
-- cancelling it before then stops the attempt and fails it with a
-- ConnectingCancelledError, a defer.CancelledError. listen's fires with the
-- port, or fails with the CannotListenError. As in Twisted, what
-- connect_tcp or listen_tcp raise (a sandbox's refusal, a port in use)
-- becomes the Deferred's failure; a bad argument is raised at the call.
-- The server listens on all interfaces unless told otherwise.
--
-- This chunk runs in a private environment (see embedded.go).

local defer = require("defer")
local errors = require("errors")
local protocol = require("protocol")

local type, pairs, error, pcall, setmetatable, getmetatable, tostring =
	type, pairs, error, pcall, setmetatable, getmetatable, tostring
local math, table = math, table

local M = {}

-- Twisted's errors of endpoints (internet/error.py).
local ConnectingCancelledError = errors.error_class("ConnectingCancelledError", defer.CancelledError)
M.ConnectingCancelledError = ConnectingCancelledError
local NoProtocol = errors.error_class("NoProtocol", nil, "build_protocol returned nil")
M.NoProtocol = NoProtocol

local function arg_error(n, name, msg, level)
	error("bad argument #" .. n .. " to '" .. name .. "' (" .. msg .. ")", 3 + (level or 0))
end

local function key_text(k)
	if type(k) == "string" then
		return "'" .. k .. "'"
	end
	return tostring(k)
end

-- check_reactor accepts the reactor module (or any table with the
-- function the endpoint calls: a test's stand-in).
local function check_reactor(r, name, method)
	if type(r) ~= "table" then
		arg_error(1, name, "reactor expected, got " .. type(r), 1)
	end
	local ok, fn = pcall(function()
		return r[method]
	end)
	if not ok or fn == nil then
		arg_error(1, name, "reactor expected (a table with " .. method .. ")", 1)
	end
	return r
end

local function check_port(v, n, name, min)
	if type(v) ~= "number" then
		arg_error(n, name, "number expected, got " .. type(v), 1)
	end
	if v ~= math.floor(v) or v < min or v > 65535 then
		arg_error(n, name, "port in " .. min .. "-65535 expected, got " .. tostring(v), 1)
	end
	return v
end

-- check_options reads an options table whose keys are among allowed, with
-- check(name, value) for each.
local function check_options(opts, n, name, allowed)
	if opts == nil then
		return {}
	end
	if type(opts) ~= "table" then
		arg_error(n, name, "table expected, got " .. type(opts), 1)
	end
	local copy = {}
	for k, v in pairs(opts) do
		local check = allowed[k]
		if check == nil then
			local names = {}
			for known in pairs(allowed) do
				names[#names + 1] = known
			end
			table.sort(names)
			arg_error(n, name, "unknown option " .. key_text(k) .. "; the options are " .. table.concat(names, ", "), 1)
		end
		local msg = check(v)
		if msg ~= nil then
			arg_error(n, name, "option '" .. k .. "' " .. msg, 1)
		end
		copy[k] = v
	end
	return copy
end

local function positive_number(v)
	if type(v) ~= "number" then
		return "must be a number, got " .. type(v)
	end
	if v ~= v or v <= 0 then
		return "must be a positive number of seconds, got " .. tostring(v)
	end
end

local function backlog_number(v)
	if type(v) ~= "number" then
		return "must be a number, got " .. type(v)
	end
	if v ~= math.floor(v) or v < 1 or v > 65536 then
		return "must be an integer in 1-65536, got " .. tostring(v)
	end
end

local function interface_string(v)
	if type(v) ~= "string" then
		return "must be a string, got " .. type(v)
	end
end

local function unsupported_bind()
	-- connect_tcp cannot bind the local end yet; refusing beats ignoring it.
	return "is not supported (connect_tcp cannot choose the local address)"
end

local function check_factory(factory, n, name)
	if type(factory) ~= "table" then
		arg_error(n, name, "factory table expected, got " .. type(factory), 1)
	end
	local ok, build = pcall(function()
		return factory.build_protocol
	end)
	if not ok or build == nil then
		arg_error(n, name, "factory expected, got a table without build_protocol (extend protocol.Factory)", 1)
	end
end

-- call_io calls reactor[method](...) as Twisted's endpoints do: what it
-- raises becomes a failed Deferred, with the function's name in the
-- message being the script's: "connect_tcp: ..." reads "connect: ...".
local function call_io(r, method, public, ...)
	local ok, v = pcall(r[method], ...)
	if ok then
		return true, v
	end
	if type(v) == "string" then
		v = v:gsub("^=?loopscript/endpoints%.lua:%d+: ", ""):gsub("^" .. method .. ": ", public .. ": ")
	end
	return false, v
end

-- TCP4ClientEndpoint

local ClientEndpoint = {}
ClientEndpoint.__index = ClientEndpoint
ClientEndpoint.__metatable = "TCP4ClientEndpoint"
ClientEndpoint.__tostring = function(e)
	return "<TCP4ClientEndpoint " .. e.host .. ":" .. e.port .. ">"
end

local client_options = {timeout = positive_number, bind_address = unsupported_bind}

function M.TCP4ClientEndpoint(r, host, port, opts)
	local name = "TCP4ClientEndpoint"
	check_reactor(r, name, "connect_tcp")
	if type(host) ~= "string" then
		arg_error(2, name, "string expected, got " .. type(host))
	end
	if host == "" then
		arg_error(2, name, "non-empty host expected")
	end
	check_port(port, 3, name, 1)
	opts = check_options(opts, 4, name, client_options)
	return setmetatable({reactor = r, host = host, port = port, timeout = opts.timeout}, ClientEndpoint)
end

-- wrapping_protocol stands between the connection and proto, as Twisted's
-- _WrappingProtocol: once proto:make_connection has run, d fires with
-- proto; if it raises, the connection closes and d fails with that error. Half-close methods are passed on only if proto has them, since
-- their presence is what makes a connection half-closeable.
local function wrapping_protocol(proto, d)
	local w = {}
	function w.make_connection(_, transport)
		proto:make_connection(transport)
		if not d.called then
			d:callback(proto)
		end
	end
	function w.data_received(_, data)
		return proto:data_received(data)
	end
	function w.connection_lost(_, reason)
		-- Lost before d fired: make_connection raised (the reason is its
		-- error, with its traceback).
		if not d.called then
			d:errback(reason)
		end
		return proto:connection_lost(reason)
	end
	for _, method in pairs({"read_connection_lost", "write_connection_lost"}) do
		local ok, m = pcall(function()
			return proto[method]
		end)
		if ok and m ~= nil then
			w[method] = function(_, ...)
				return proto[method](proto, ...)
			end
		end
	end
	return w
end

-- wrapping_factory is Twisted's _WrappingFactory: it builds factory's
-- protocols and turns the attempt's outcome into d's.
local function wrapping_factory(factory, d)
	local wf = {}
	function wf.do_start()
		if factory.do_start ~= nil then
			factory:do_start()
		end
	end
	function wf.do_stop()
		if factory.do_stop ~= nil then
			factory:do_stop()
		end
	end
	function wf.build_protocol(_, addr)
		if d.called then
			return nil -- cancelled meanwhile: refuse the connection
		end
		local result = defer.maybe_deferred(factory.build_protocol, factory, addr)
		local proto, failure
		result:add_callbacks(function(p)
			proto = p
		end, function(f)
			failure = f
		end)
		if failure == nil then
			if proto == nil then
				failure = defer.Failure(NoProtocol())
			elseif type(proto) ~= "table" or proto.make_connection == nil then
				failure = defer.Failure("build_protocol returned a " .. type(proto)
					.. ", not a protocol (extend protocol.Protocol)")
			end
		end
		if failure ~= nil then
			d:errback(failure)
			return nil
		end
		return wrapping_protocol(proto, d)
	end
	function wf.client_connection_failed(_, connector, reason)
		if not d.called then
			d:errback(reason)
		end
	end
	function wf.client_connection_lost() end
	return wf
end

function ClientEndpoint:connect(factory)
	if getmetatable(self) ~= "TCP4ClientEndpoint" then
		error("bad argument #1 to 'connect' (TCP4ClientEndpoint expected, got " .. type(self)
			.. "; use endpoint:connect, not endpoint.connect)", 2)
	end
	check_factory(factory, 1, "connect")
	local connector
	local d
	d = defer.Deferred(function()
		-- Twisted's canceller: fail first, then stop the attempt, whose own
		-- failure (a UserError) then finds d fired.
		local destination = connector and connector:get_destination()
		local where = destination and (destination.host .. ":" .. destination.port) or "?"
		d:errback(ConnectingCancelledError("Connecting to " .. where .. " was cancelled.", {address = destination}))
		if connector ~= nil then
			pcall(connector.stop_connecting, connector) -- connected already: nothing to stop
		end
	end)
	local opts
	if self.timeout ~= nil then
		opts = {timeout = self.timeout}
	end
	local ok, v = call_io(self.reactor, "connect_tcp", "connect", self.host, self.port, wrapping_factory(factory, d), opts)
	if not ok then
		return defer.fail(v)
	end
	connector = v
	return d
end

-- TCP4ServerEndpoint

local ServerEndpoint = {}
ServerEndpoint.__index = ServerEndpoint
ServerEndpoint.__metatable = "TCP4ServerEndpoint"
ServerEndpoint.__tostring = function(e)
	return "<TCP4ServerEndpoint " .. (e.interface ~= "" and e.interface or "0.0.0.0") .. ":" .. e.port .. ">"
end

local server_options = {backlog = backlog_number, interface = interface_string}

function M.TCP4ServerEndpoint(r, port, opts)
	local name = "TCP4ServerEndpoint"
	check_reactor(r, name, "listen_tcp")
	check_port(port, 2, name, 0)
	opts = check_options(opts, 3, name, server_options)
	return setmetatable({reactor = r, port = port, backlog = opts.backlog, interface = opts.interface or ""},
		ServerEndpoint)
end

function ServerEndpoint:listen(factory)
	if getmetatable(self) ~= "TCP4ServerEndpoint" then
		error("bad argument #1 to 'listen' (TCP4ServerEndpoint expected, got " .. type(self)
			.. "; use endpoint:listen, not endpoint.listen)", 2)
	end
	check_factory(factory, 1, "listen")
	local opts = {backlog = self.backlog}
	if self.interface ~= "" then
		opts.interface = self.interface
	end
	local ok, v = call_io(self.reactor, "listen_tcp", "listen", self.port, factory, opts)
	if not ok then
		return defer.fail(v)
	end
	return defer.succeed(v)
end

-- connect_protocol(endpoint, proto): connect with a factory that hands out
-- proto itself, once (Twisted's connectProtocol).
function M.connect_protocol(endpoint, proto)
	if type(endpoint) ~= "table" and type(endpoint) ~= "userdata" then
		arg_error(1, "connect_protocol", "endpoint expected, got " .. type(endpoint))
	end
	local ok, connect = pcall(function()
		return endpoint.connect
	end)
	if not ok or type(connect) ~= "function" then
		arg_error(1, "connect_protocol", "endpoint expected (an object with a connect method)")
	end
	if type(proto) ~= "table" then
		arg_error(2, "connect_protocol", "protocol table expected, got " .. type(proto))
	end
	local factory = protocol.Factory()
	function factory.build_protocol()
		return proto
	end
	local d = endpoint:connect(factory)
	return d
end

return M
