---@meta reactor

---The reactor: the one event loop of a loopscript program. The first
---`require("reactor")` installs the default (epoll) reactor.
---
---```lua
---local reactor = require("reactor")
---reactor.call_later(0.05, function()
---  print("a twentieth of a second later")
---  reactor.stop()
---end)
---reactor.run()
---```
---@class reactor
---`true` while the reactor runs (read live).
---@field running boolean
---Which reactor is installed.
---@field name "epoll"|"poll"|"select"
local reactor = {}

---A callback: a function, or a table or userdata with a `__call` metamethod.
---@alias Callable function|table|userdata

---Runs the loop until `reactor.stop()`; a reactor runs once.
function reactor.run() end

---Stops the loop when the current iteration ends: due calls still run, then
---the shutdown triggers, then `run()` returns.
function reactor.stop() end

---Calls `fn(...)` once the reactor runs, in registration order; at once if it
---already runs.
---@param fn Callable
---@param ... any passed on to fn
function reactor.call_when_running(fn, ...) end

---Calls `fn(...)` at least `seconds` from now (a finite number >= 0).
---@param seconds number
---@param fn Callable
---@param ... any passed on to fn
---@return DelayedCall
function reactor.call_later(seconds, fn, ...) end

---The monotonic clock, in float seconds, read at the call.
---@return number
function reactor.seconds() end

---Calls `fn(...)` at `phase` of `event`; returns an id for
---`remove_system_event_trigger`.
---@param phase "before"|"during"|"after"
---@param event "startup"|"shutdown"
---@param fn Callable
---@param ... any passed on to fn
---@return any id
function reactor.add_system_event_trigger(phase, event, fn, ...) end

---Removes the trigger `id` that `add_system_event_trigger` returned.
---@param id any
function reactor.remove_system_event_trigger(id) end

---Listens on a TCP port (0 picks a free one); raises `errors.CannotListenError`
---when the bind fails.
---@param port integer
---@param factory ServerFactory
---@param opts? {interface?: string, backlog?: integer}
---@return Port
function reactor.listen_tcp(port, factory, opts) end

---Listens on a UNIX socket; `stop_listening()` removes the file.
---@param path string
---@param factory ServerFactory
---@param opts? {backlog?: integer}
---@return Port
function reactor.listen_unix(path, factory, opts) end

---Connects over TCP; names resolve off the loop. The outcome comes on a later turn.
---@param host string
---@param port integer
---@param factory ClientFactory
---@param opts? {timeout?: number, bind_address?: {[1]: string, [2]: integer}}
---@return Connector
function reactor.connect_tcp(host, port, factory, opts) end

---Connects to a UNIX socket.
---@param path string
---@param factory ClientFactory
---@param opts? {timeout?: number}
---@return Connector
function reactor.connect_unix(path, factory, opts) end

---Binds a UDP port for a DatagramProtocol, which becomes `proto.transport`'s owner.
---@param port integer
---@param proto DatagramProtocol
---@param opts? {interface?: string, max_packet_size?: integer}
---@return UDPPort
function reactor.listen_udp(port, proto, opts) end

---Starts a program without blocking; `pp:make_connection(transport)` runs
---before it returns. `args` is the whole argv, `args[1]` the program's name.
---@param pp ProcessProtocol
---@param executable string
---@param args string[]
---@param opts? {env?: table<string, string>, path?: string}
---@return ProcessTransport
function reactor.spawn_process(pp, executable, args, opts) end

---Watches a reader's descriptor (an object with `fileno()`, `do_read()`, `connection_lost(reason)`).
---@param r table
function reactor.add_reader(r) end

---Stops watching a reader.
---@param r table
function reactor.remove_reader(r) end

---Watches a writer's descriptor (an object with `fileno()`, `do_write()`, `connection_lost(reason)`).
---@param w table
function reactor.add_writer(w) end

---Stops watching a writer.
---@param w table
function reactor.remove_writer(w) end

---The readers watched: your objects and the transports, ports and processes you made.
---@return table[]
function reactor.get_readers() end

---The writers watched.
---@return table[]
function reactor.get_writers() end

---Removes every reader and writer and returns them.
---@return table[]
function reactor.remove_all() end

---A call scheduled by `call_later`.
---@class DelayedCall
local DelayedCall = {}

---The call will not happen; raises `already called` / `already cancelled`.
function DelayedCall:cancel() end

---The call happens `seconds` from now instead.
---@param seconds number
function DelayedCall:reset(seconds) end

---The call happens `seconds` later than planned.
---@param seconds number
function DelayedCall:delay(seconds) end

---`true` until it has been called or cancelled.
---@return boolean
function DelayedCall:active() end

---When it is due, on the `reactor.seconds()` clock.
---@return number
function DelayedCall:get_time() end

---An address, printed as Twisted prints it (`IPv4Address(type='TCP', host='127.0.0.1', port=N)`).
---@class Address
---"TCP", "UDP", "UNIX", or "pipe" for standard I/O's PipeAddress().
---@field type "TCP"|"UDP"|"UNIX"|"pipe"
---The IP address (TCP and UDP).
---@field host? string
---The port number (TCP and UDP).
---@field port? integer
---The socket's path (UNIX; nil for an unnamed socket).
---@field name? string

---A listening port, from `listen_tcp` or `listen_unix`.
---@class Port
local Port = {}

---The address it listens on.
---@return Address
function Port:get_host() end

---Stops listening (a second call does nothing); a Deferred that has already fired.
---@return Deferred
function Port:stop_listening() end

---A client connection attempt, from `connect_tcp` or `connect_unix`.
---@class Connector
local Connector = {}

---Tries again once an attempt is over.
function Connector:connect() end

---Abandons the attempt or closes the connection.
function Connector:disconnect() end

---Stops an attempt (an error when not connecting).
function Connector:stop_connecting() end

---Where it connects, as given.
---@return Address
function Connector:get_destination() end

---A connection's transport: `self.transport` of a connected protocol.
---@class Transport
---`true` until a close starts (read live).
---@field connected boolean
---`true` once a close has started: `not connected` (read live).
---@field disconnecting boolean
local Transport = {}

---Buffers a string (or number); sent when the socket is writable. Never blocks.
---@param data string|number
function Transport:write(data) end

---Buffers each string of the list.
---@param list (string|number)[]
function Transport:write_sequence(list) end

---Closes once the buffer is written; `connection_lost` gets `ConnectionDone`.
function Transport:lose_connection() end

---Closes at once, dropping the buffer; `connection_lost` gets `ConnectionAborted`.
function Transport:abort_connection() end

---Half-close: shuts down our side once the buffer is written.
function Transport:lose_write_connection() end

---The peer's address.
---@return Address
function Transport:get_peer() end

---Our address.
---@return Address
function Transport:get_host() end

---Stops reading.
function Transport:pause_producing() end

---Starts reading again.
function Transport:resume_producing() end

---Closes the connection, as lose_connection: a transport is a producer of
---what it reads.
function Transport:stop_producing() end

---Registers a producer, paused while more than 64 KiB is buffered: an object
---with pause_producing, resume_producing and stop_producing, or a transport
---(its own, as Twisted's registerProducer(transport, True), is driven from Go
---and does not hold lose_connection back).
---@param p table|Transport an object with pause_producing, resume_producing, stop_producing
---@param streaming boolean
function Transport:register_producer(p, streaming) end

---Unregisters the producer.
function Transport:unregister_producer() end

---Sets TCP_NODELAY.
---@param on boolean
function Transport:set_tcp_no_delay(on) end

---Sets SO_KEEPALIVE.
---@param on boolean
function Transport:set_tcp_keep_alive(on) end

---Whether TCP_NODELAY is set.
---@return boolean
function Transport:get_tcp_no_delay() end

---Whether SO_KEEPALIVE is set.
---@return boolean
function Transport:get_tcp_keep_alive() end

---A child process's transport, from `spawn_process`.
---@class ProcessTransport
---The child's pid; nil once it has been reaped.
---@field pid integer?
local ProcessTransport = {}

---Writes to the child's stdin (buffered).
---@param data string
function ProcessTransport:write(data) end

---Closes the child's stdin once what was written has been flushed.
function ProcessTransport:close_stdin() end

---Closes our end of the child's stdout.
function ProcessTransport:close_stdout() end

---Closes our end of the child's stderr.
function ProcessTransport:close_stderr() end

---Closes all three pipes; no signal is sent.
function ProcessTransport:lose_connection() end

---Registers a producer of the child's stdin: a streaming one is paused while
---more than 64 KiB is queued for the child and resumed when the child has
---taken it; a pull one is resumed each time the queue drains. When stdin is
---lost the producer gets stop_producing(); close_stdin() waits for
---unregister_producer().
---@param p table an object with pause_producing, resume_producing, stop_producing
---@param streaming boolean
function ProcessTransport:register_producer(p, streaming) end

---Unregisters the producer of the child's stdin.
function ProcessTransport:unregister_producer() end

---Sends a signal; raises `errors.ProcessExitedAlready` after the exit.
---@param sig string|integer "TERM", "KILL", "INT", "HUP", any signal name or a number
function ProcessTransport:signal_process(sig) end

---A UDP port: `proto.transport` of a DatagramProtocol.
---@class UDPPort
local UDPPort = {}

---Sends a datagram to `addr`, a table with an IP literal `host` and a
---`port` (as `datagram_received` gets it), or to the connected peer.
---@param data string
---@param addr? Address|{host: string, port: integer}
function UDPPort:write(data, addr) end

---Connects the port to one peer.
---@param host string
---@param port integer
function UDPPort:connect(host, port) end

---The address it is bound to.
---@return Address
function UDPPort:get_host() end

---Closes the port.
function UDPPort:stop_listening() end

---Closes the port, as stop_listening does.
function UDPPort:lose_connection() end

---Allows or forbids broadcasts.
---@param on boolean
function UDPPort:set_broadcast_allowed(on) end

---Whether broadcasts are allowed.
---@return boolean
function UDPPort:get_broadcast_allowed() end

return reactor
