package luabind

import "testing"

// TestTestingModule: require("testing")'s StringTransport records what a
// protocol writes and MemoryReactor the listens and connects, so a protocol
// is tested without sockets, on a task.clock().
func TestTestingModule(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"StringTransport records writes", `local testing = require("testing")
local tr = testing.StringTransport()
tr:write("a") tr:write_sequence({"b", "c"}) tr:write("")
print(tr:value(), tr:value())
tr:clear()
print("[" .. tr:value() .. "]")
tr:write("d")
print(tr:value(), tr.disconnecting, tr.aborting)
tr:lose_connection()
print(tr.disconnecting, tr.aborting)
tr:abort_connection()
print(tr.disconnecting, tr.aborting)`, "abc\tabc\n[]\nd\tfalse\tfalse\ntrue\tfalse\ntrue\ttrue\n"},
		{"StringTransport addresses, fixed or given", `local testing = require("testing")
local tr = testing.StringTransport()
print(tostring(tr:get_host()), tostring(tr:get_peer()), tr:get_peer().port)
local other = testing.StringTransport({peer_address = tr:get_host()})
print(tostring(other:get_peer()))`, "IPv4Address(type='TCP', host='10.0.0.1', port=12345)\tIPv4Address(type='TCP', host='192.168.1.1', port=54321)\t54321\n" +
			"IPv4Address(type='TCP', host='10.0.0.1', port=12345)\n"},
		{"StringTransport producers record their state", `local testing = require("testing")
local tr = testing.StringTransport()
local producer = {}
tr:register_producer(producer, true)
print(tr.producer == producer, tr.streaming)
print(pcall(tr.register_producer, tr, {}, false))
tr:pause_producing() print(tr.producer_state)
tr:resume_producing() print(tr.producer_state)
tr:stop_producing() print(tr.producer_state)
print(pcall(tr.resume_producing, tr))
tr:unregister_producer()
print(tr.producer, pcall(tr.unregister_producer, tr))`, "true\ttrue\nfalse\tCannot register two producers\npaused\nproducing\nstopped\n" +
			"false\tCannot resume_producing a transport that has stopped producing\nnil\tfalse\tCannot unregister a producer unless one is registered\n"},
		{"StringTransport errors read like Lua's", `local testing = require("testing")
local tr = testing.StringTransport()
print(pcall(function() tr:write(1) end))
print(pcall(function() tr:write_sequence({"a", 2}) end))
print(pcall(function() tr.value() end))
print(pcall(function() testing.StringTransport(3) end))`, "false\ttest.lua:3: bad argument #1 to 'write' (string expected, got number)\n" +
			"false\ttest.lua:4: bad argument #1 to 'write_sequence' (string expected at index 2, got number)\n" +
			"false\ttest.lua:5: bad argument #1 to 'value' (StringTransport expected, got nil; use t:value, not t.value)\n" +
			"false\ttest.lua:6: bad argument #1 to 'StringTransport' (table expected, got number)\n"},
		{"a protocol on a StringTransport and a task.clock", `local testing = require("testing")
local protocol = require("protocol")
local clock = require("task").clock()
local Greeter = protocol.Protocol:extend()
function Greeter:connection_made()
  self.transport:write("hello " .. tostring(self.transport:get_peer().host) .. "\r\n")
  self.timeout = clock:call_later(10, function() self.transport:lose_connection() end)
end
function Greeter:data_received(data) self.transport:write(data:upper()) self.timeout:reset(10) end
local p, tr = Greeter(), testing.StringTransport()
p:make_connection(tr)
print(tr:value()) tr:clear()
clock:advance(9) p:data_received("abc")
print(tr:value(), tr.disconnecting)
clock:advance(9.5) print(tr.disconnecting)
clock:advance(0.5) print(tr.disconnecting)`, "hello 192.168.1.1\r\n\nABC\tfalse\nfalse\ntrue\n"},
		{"MemoryReactor records listens and connects", `local testing = require("testing")
local protocol = require("protocol")
local r = testing.MemoryReactor()
local sf = protocol.ServerFactory()
local port = r.listen_tcp(8080, sf, {interface = "127.0.0.1", backlog = 5})
print(#r.tcp_servers, r.tcp_servers[1][1], r.tcp_servers[1].factory == sf, r.tcp_servers[1].backlog, r.tcp_servers[1].interface)
print(tostring(port:get_host()), port:stop_listening().called, port.stopped)
local CF = protocol.ClientFactory:extend()
function CF:started_connecting(c) print("started", tostring(c:get_destination())) end
local cf = CF()
local c = r.connect_tcp("example.com", 79, cf)
local rec = r.tcp_clients[1]
print(rec.host, rec.port, rec.factory == cf, rec.timeout, r.connectors[1] == c)
c:stop_connecting() c:disconnect()
print(c.stopped_connecting, c.disconnected)
r.listen_unix("/tmp/s", sf)
r.connect_unix("/tmp/s", cf, {timeout = 3})
print(r.unix_servers[1].address, r.unix_servers[1].backlog, r.unix_clients[1][1], r.unix_clients[1].timeout)
local ran = false
r.call_later(2, function() ran = true end)
r.clock:advance(2)
print(ran, r.seconds(), r.running)
r.run() print(r.running, r.has_run) r.stop() print(r.running, r.has_stopped)`, "1\t8080\ttrue\t5\t127.0.0.1\n" +
			"IPv4Address(type='TCP', host='0.0.0.0', port=8080)\ttrue\ttrue\n" +
			"started\tIPv4Address(type='TCP', host='example.com', port=79)\n" +
			"example.com\t79\ttrue\t30\ttrue\ntrue\ttrue\n" +
			"started\tUNIXAddress(name='/tmp/s')\n" +
			"/tmp/s\t50\t/tmp/s\t3\ntrue\t2\tfalse\ntrue\ttrue\nfalse\ttrue\n"},
		{"MemoryReactor with a given clock", `local testing = require("testing")
local clock = require("task").clock()
local r = testing.MemoryReactor(clock)
clock:advance(5)
print(r.seconds(), r.clock == clock)
print(pcall(function() testing.MemoryReactor(5) end))
print(pcall(function() r.listen_tcp(0, nil) end))`, "5\ttrue\nfalse\ttest.lua:6: bad argument #1 to 'MemoryReactor' (clock expected, got number)\n" +
			"false\ttest.lua:7: bad argument #2 to 'listen_tcp' (factory expected, got nil)\n"},
	})
}
