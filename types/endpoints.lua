---@meta endpoints

---Client and server endpoints, as twisted.internet.endpoints.
---
---```lua
---local reactor, protocol, endpoints = require("reactor"), require("protocol"), require("endpoints")
---local server = endpoints.TCP4ServerEndpoint(reactor, 0, {interface = "127.0.0.1"})
---server:listen(protocol.ServerFactory:extend({protocol = protocol.Protocol})()):add_callback(function(port)
---  local client = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port:get_host().port)
---  return endpoints.connect_protocol(client, protocol.Protocol())
---end):add_callback(function(proto)
---  assert(proto.connected)
---  proto.transport:lose_connection()
---end):add_both(function(result)
---  reactor.stop()
---  return result -- a failure goes on, to be reported
---end)
---reactor.run()
---```
---@class endpoints
---What a cancelled connect fails with (a CancelledError).
---@field ConnectingCancelledError ErrorClass
---What connect fails with when the factory builds no protocol.
---@field NoProtocol ErrorClass
local endpoints = {}

---A TCP client endpoint.
---@param reactor reactor|MemoryReactor
---@param host string
---@param port integer
---@param opts? {timeout?: number, bind_address?: {[1]: string, [2]: integer}}
---@return TCP4ClientEndpoint
function endpoints.TCP4ClientEndpoint(reactor, host, port, opts) end

---A TCP server endpoint (all interfaces by default).
---@param reactor reactor|MemoryReactor
---@param port integer
---@param opts? {backlog?: integer, interface?: string}
---@return TCP4ServerEndpoint
function endpoints.TCP4ServerEndpoint(reactor, port, opts) end

---Connects endpoint and hands the connection to proto: a Deferred of proto.
---@param endpoint TCP4ClientEndpoint
---@param proto Protocol
---@return Deferred
function endpoints.connect_protocol(endpoint, proto) end

---Where a client connects.
---@class TCP4ClientEndpoint
---The reactor it uses.
---@field reactor reactor|MemoryReactor
---The host it connects to.
---@field host string
---The port it connects to.
---@field port integer
local TCP4ClientEndpoint = {}

---Connects: a Deferred of the protocol, failing with the connect's reason.
---@param factory ClientFactory|Factory
---@return Deferred
function TCP4ClientEndpoint:connect(factory) end

---Where a server listens.
---@class TCP4ServerEndpoint
---The reactor it uses.
---@field reactor reactor|MemoryReactor
---The port it listens on.
---@field port integer
---The interface it listens on.
---@field interface string
local TCP4ServerEndpoint = {}

---Listens: a Deferred of the port, failing with CannotListenError.
---@param factory ServerFactory|Factory
---@return Deferred
function TCP4ServerEndpoint:listen(factory) end

return endpoints
