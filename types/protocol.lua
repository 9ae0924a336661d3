---@meta protocol

---The classes a script extends to take part in I/O, after Twisted's
---twisted.internet.protocol.
---
---```lua
---local reactor, protocol = require("reactor"), require("protocol")
---local Echo = protocol.Protocol:extend()
---function Echo:data_received(data)
---  self.transport:write(data)
---end
---local port = reactor.listen_tcp(0, protocol.ServerFactory:extend({protocol = Echo})(),
---  {interface = "127.0.0.1"})
---print("echoing on " .. tostring(port:get_host()))
---```
---@class protocol
---The root of every class: `extend`, `new`, `is_instance`.
---@field Class Class
---A stream connection's protocol.
---@field Protocol Protocol
---What builds protocols for a port or a connector.
---@field Factory Factory
---The Factory a listening port takes.
---@field ServerFactory ServerFactory
---The Factory a connector takes, told of connection failures and losses.
---@field ClientFactory ClientFactory
---A child process's protocol.
---@field ProcessProtocol ProcessProtocol
---A UDP port's protocol.
---@field DatagramProtocol DatagramProtocol
---What a reader's `do_read` returns when the connection closed cleanly.
---@field CONNECTION_DONE Failure
---What a reader's `do_read` returns when the connection was lost.
---@field CONNECTION_LOST Failure
local protocol = {}

---A class: a plain table whose instances have it as their metatable.
---@class Class
---The class's name, as printed.
---@field class_name string
---The parent class (nil for Class itself).
---@field super Class?
local Class = {}

---Makes a subclass, with the given fields copied in.
---@param fields? table
---@return Class
function Class:extend(fields) end

---Makes an instance and calls `self:init(...)` when the class defines `init`
---(`C(...)` does the same).
---@param ... any
---@return Class
function Class:new(...) end

---Whether x is an instance of this class or of a subclass.
---@param x any
---@return boolean
function Class:is_instance(x) end

---A stream connection's protocol; every method defaults to doing nothing.
---@class Protocol: Class
---`true` once `make_connection` ran.
---@field connected boolean
---The connection's transport, set by `make_connection`.
---@field transport Transport?
---The factory that built it, when one did.
---@field factory Factory?
local Protocol = {}

---Sets `self.transport`, `self.connected = true`, then calls `connection_made()`.
---@param transport Transport
function Protocol:make_connection(transport) end

---The connection is up; override it.
function Protocol:connection_made() end

---Data arrived; override it.
---@param data string
function Protocol:data_received(data) end

---The connection is closed, exactly once; override it.
---@param reason Failure
function Protocol:connection_lost(reason) end

---Builds a protocol per connection.
---@class Factory: Class
---The class it builds.
---@field protocol Protocol?
---How many ports or connectors use it now.
---@field num_ports integer
local Factory = {}

---A new `self.protocol` with `p.factory = self`; returning nil refuses the connection.
---@param addr Address
---@return Protocol?
function Factory:build_protocol(addr) end

---Called when the first port or connector starts using the factory.
function Factory:start_factory() end

---Called when the last port or connector stops using the factory.
function Factory:stop_factory() end

---Counts a user, calling `start_factory` for the first.
function Factory:do_start() end

---Uncounts a user, calling `stop_factory` for the last.
function Factory:do_stop() end

---The factory of a listening port.
---@class ServerFactory: Factory

---The factory of a connector.
---@class ClientFactory: Factory
local ClientFactory = {}

---Called inside `connect_tcp`, as the attempt starts.
---@param connector Connector
function ClientFactory:started_connecting(connector) end

---The attempt failed; `connector:connect()` tries again.
---@param connector Connector
---@param reason Failure
function ClientFactory:client_connection_failed(connector, reason) end

---The connection was lost; `connector:connect()` reconnects.
---@param connector Connector
---@param reason Failure
function ClientFactory:client_connection_lost(connector, reason) end

---A child process's protocol; every method defaults to doing nothing.
---@class ProcessProtocol: Class
---The process's transport, set by `make_connection`.
---@field transport ProcessTransport?
local ProcessProtocol = {}

---Sets `self.transport`, then calls `connection_made()`.
---@param transport ProcessTransport
function ProcessProtocol:make_connection(transport) end

---The child started.
function ProcessProtocol:connection_made() end

---The child wrote to its stdout.
---@param data string
function ProcessProtocol:out_received(data) end

---The child wrote to its stderr.
---@param data string
function ProcessProtocol:err_received(data) end

---The child's stdin closed.
function ProcessProtocol:in_connection_lost() end

---The child's stdout closed.
function ProcessProtocol:out_connection_lost() end

---The child's stderr closed.
function ProcessProtocol:err_connection_lost() end

---The child has been reaped (output may still come): ProcessDone or ProcessTerminated.
---@param reason Failure
function ProcessProtocol:process_exited(reason) end

---The child has exited and every pipe is closed; the last call.
---@param reason Failure
function ProcessProtocol:process_ended(reason) end

---A UDP port's protocol; every method defaults to doing nothing.
---@class DatagramProtocol: Class
---The UDP port, once listening.
---@field transport UDPPort?
---How many ports use it now.
---@field num_ports integer
local DatagramProtocol = {}

---Called inside `listen_udp`.
function DatagramProtocol:start_protocol() end

---Called when the port closes.
function DatagramProtocol:stop_protocol() end

---A datagram arrived from `addr`.
---@param data string
---@param addr Address
function DatagramProtocol:datagram_received(data, addr) end

---A connected port's peer refused a datagram.
function DatagramProtocol:connection_refused() end

---Sets `self.transport` (the port).
---@param transport UDPPort
function DatagramProtocol:make_connection(transport) end

---Counts a port, calling `start_protocol` for the first.
function DatagramProtocol:do_start() end

---Uncounts a port, calling `stop_protocol` for the last.
function DatagramProtocol:do_stop() end

return protocol
