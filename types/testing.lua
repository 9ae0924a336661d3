---@meta testing

---Fakes for testing protocols without sockets, after Twisted's
---twisted.internet.testing.
---
---```lua
---local testing, protocol = require("testing"), require("protocol")
---local Greeter = protocol.Protocol:extend()
---function Greeter:connection_made()
---  self.transport:write("hello\n")
---end
---local transport = testing.StringTransport()
---Greeter():make_connection(transport)
---assert(transport:value() == "hello\n")
---```
---@class testing
local testing = {}

---A transport that records what is written to it; get_host() is
---10.0.0.1:12345 and get_peer() 192.168.1.1:54321 unless given.
---@param opts? {host_address?: Address, peer_address?: Address}
---@return StringTransport
function testing.StringTransport(opts) end

---A reactor whose listen and connect calls are only recorded, on `clock`
---(a new task.clock() unless given). Its functions are called with a dot.
---@param clock? Clock
---@return MemoryReactor
function testing.MemoryReactor(clock) end

---A transport that records writes.
---@class StringTransport
---The class's name, "StringTransport".
---@field name string
---`true` once lose_connection was called.
---@field disconnecting boolean
---`true` once abort_connection was called.
---@field aborting boolean
---The registered producer, if any.
---@field producer table?
---Whether the registered producer streams.
---@field streaming boolean?
---"producing", "paused" or "stopped".
---@field producer_state string
---What get_host returns.
---@field host_address Address
---What get_peer returns.
---@field peer_address Address
local StringTransport = {}

---Everything written so far, as one string.
---@return string
function StringTransport:value() end

---Forgets what was written.
function StringTransport:clear() end

---Records data.
---@param data string|number
function StringTransport:write(data) end

---Records each piece of the list.
---@param list (string|number)[]
function StringTransport:write_sequence(list) end

---Sets disconnecting.
function StringTransport:lose_connection() end

---Sets disconnecting and aborting.
function StringTransport:abort_connection() end

---Records a half-close.
function StringTransport:lose_write_connection() end

---host_address.
---@return Address
function StringTransport:get_host() end

---peer_address.
---@return Address
function StringTransport:get_peer() end

---Records the producer.
---@param p table
---@param streaming boolean
function StringTransport:register_producer(p, streaming) end

---Forgets the producer.
function StringTransport:unregister_producer() end

---Records producer_state "paused".
function StringTransport:pause_producing() end

---Records producer_state "producing".
function StringTransport:resume_producing() end

---Records producer_state "stopped".
function StringTransport:stop_producing() end

---Does nothing.
---@param on boolean
function StringTransport:set_tcp_no_delay(on) end

---Does nothing.
---@param on boolean
function StringTransport:set_tcp_keep_alive(on) end

---A reactor that records listen and connect calls.
---@class MemoryReactor
---The clock its call_later and seconds use.
---@field clock Clock
---`{port, factory, backlog, interface}` per listen_tcp call.
---@field tcp_servers table[]
---`{host, port, factory, timeout}` per connect_tcp call.
---@field tcp_clients table[]
---One record per listen_unix call.
---@field unix_servers table[]
---One record per connect_unix call.
---@field unix_clients table[]
---The fake connectors made.
---@field connectors table[]
---Set by run, cleared by stop.
---@field running boolean
---`true` once run was called.
---@field has_run boolean
---`true` once stop was called.
---@field has_stopped boolean
local MemoryReactor = {}

---Records the call and returns a fake port.
---@param port integer
---@param factory Factory
---@param opts? {backlog?: integer, interface?: string}
---@return Port
function MemoryReactor.listen_tcp(port, factory, opts) end

---Records the call, calls started_connecting and returns a fake connector.
---@param host string
---@param port integer
---@param factory ClientFactory
---@param opts? {timeout?: number}
---@return Connector
function MemoryReactor.connect_tcp(host, port, factory, opts) end

---Records the call and returns a fake port.
---@param path string
---@param factory Factory
---@param opts? table
---@return Port
function MemoryReactor.listen_unix(path, factory, opts) end

---Records the call and returns a fake connector.
---@param path string
---@param factory ClientFactory
---@param opts? table
---@return Connector
function MemoryReactor.connect_unix(path, factory, opts) end

---Schedules on the clock.
---@param seconds number
---@param fn Callable
---@param ... any
---@return DelayedCall
function MemoryReactor.call_later(seconds, fn, ...) end

---The clock's time.
---@return number
function MemoryReactor.seconds() end

---Sets running and has_run.
function MemoryReactor.run() end

---Clears running, sets has_stopped.
function MemoryReactor.stop() end

return testing
