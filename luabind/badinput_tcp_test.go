package luabind

import "testing"

// tcpServer is a loopback echo server's port number, for the chunks below.
const tcpServer = `local Echo = protocol.Protocol:extend()
function Echo:data_received(d) self.transport:write(d) end
local server = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = Echo}(), {interface = "127.0.0.1"})
local PORT = server:get_host().port
`

// Bad input at the TCP API: wrong self and wrong arguments on live
// transports, ports and connectors; factories and protocols that misbehave;
// re-entrant calls. Each is a Lua error at the call or a reported error,
// never a Go panic, and no connection loses its connection_lost or its
// factory's client_connection_* callback.
func TestBadInputTCP(t *testing.T) {
	runBadInputCases(t, []badInputCase{
		{name: "started_connecting raising abandons the attempt", code: tcpServer + `
local CF = protocol.ClientFactory:extend{protocol = protocol.Protocol}
function CF:start_factory() say("start_factory") end
function CF:stop_factory() say("stop_factory") end
function CF:started_connecting() error("no thanks") end
function CF:build_protocol() say("build_protocol") return protocol.Protocol() end
function CF:client_connection_failed(c, r) say("failed", r.type) end
function CF:client_connection_lost(c, r) say("lost", r.type) end
try(reactor.connect_tcp, "127.0.0.1", PORT, CF())
reactor.call_later(0.3, function() show() reactor.stop() end)
reactor.run()`, want: "no thanks\nstart_factory\nstop_factory\n"},
		{name: "do_start raising abandons the attempt", code: tcpServer + `
local CF = protocol.ClientFactory:extend{protocol = protocol.Protocol}
function CF:start_factory() error("cannot start") end
function CF:stop_factory() say("stop_factory") end
function CF:started_connecting() say("started_connecting") end
function CF:client_connection_failed(c, r) say("failed", r.type) end
function CF:client_connection_lost(c, r) say("lost", r.type) end
try(reactor.connect_unix, TMP .. "/nothing", CF())
reactor.call_later(0.3, function() say("end") show() reactor.stop() end)
reactor.run()`, want: "cannot start\nend\n"},
		{name: "started_connecting raising on a reconnect", code: tcpServer + `
local CF = protocol.ClientFactory:extend{protocol = protocol.Protocol, n = 0}
function CF:started_connecting() self.n = self.n + 1 if self.n == 2 then error("second") end end
function CF:stop_factory() say("stop_factory") end
function CF:client_connection_failed(c, r)
  say("failed", r.type)
  local ok, e = pcall(c.connect, c)
  say("reconnect", ok, (tostring(e):gsub("^[^:]*:%d+: ", "")), tostring(c):match("%a+>$"))
end
reactor.connect_unix(TMP .. "/nothing", CF())
reactor.call_later(0.3, function() show() reactor.stop() end)
reactor.run()`, want: "failed ConnectError\nstop_factory\nreconnect false second disconnected>\n"},
		{name: "transport methods with wrong self and arguments", code: tcpServer + `
local P = protocol.Protocol:extend()
function P:connection_made()
  local t = self.transport
  try(t.write, "x")
  try(t.write)
  try(t.write, t)
  try(t.write, t, {})
  try(t.write, t, true)
  try(t.write_sequence, t, "ab")
  try(t.write_sequence, t, {"a", {}})
  try(t.write_sequence, t, {"a", nil, "b"})
  try(t.set_tcp_no_delay, t, 1)
  try(t.set_tcp_keep_alive, t)
  try(t.register_producer, t, 5, true)
  try(t.register_producer, t, {}, "yes")
  local named = function(name) return setmetatable({pause_producing = function() end,
    resume_producing = function() end, stop_producing = function() end}, {__tostring = function() return name end}) end
  t:register_producer(named("first"), true)
  try(t.register_producer, t, named("second"), true)
  t:unregister_producer()
  try(t.get_peer)
  try(t.pause_producing, 5)
  try(function() return t.nope end)
  try(t.write, t, 0/0)
  t:lose_connection()
end
function P:connection_lost(r) say("lost", r.type) end
local CF = protocol.ClientFactory:extend{protocol = P}
function CF:client_connection_lost(c, r) say("client_connection_lost", r.type) show() reactor.stop() end
reactor.connect_tcp("127.0.0.1", PORT, CF())
reactor.run()`, want: `bad argument #1 to 'write' (transport expected, got string; use transport:write, not transport.write)
bad argument #1 to 'write' (transport expected, got no value; use transport:write, not transport.write)
bad argument #1 to 'write' (string expected, got no value)
bad argument #1 to 'write' (string expected, got table)
bad argument #1 to 'write' (string expected, got boolean)
bad argument #1 to 'write_sequence' (table expected, got string)
bad argument #1 to 'write_sequence' (string expected at index 2, got table)
bad argument #1 to 'write_sequence' (string expected at index 2, got nil)
bad argument #1 to 'set_tcp_no_delay' (boolean expected, got number)
bad argument #1 to 'set_tcp_keep_alive' (boolean expected, got no value)
bad argument #1 to 'register_producer' (producer expected, got number)
bad argument #2 to 'register_producer' (boolean expected, got string)
reactor: cannot register producer second, because producer first was never unregistered
bad argument #1 to 'get_peer' (transport expected, got no value; use transport:get_peer, not transport.get_peer)
bad argument #1 to 'pause_producing' (transport expected, got number; use transport:pause_producing, not transport.pause_producing)
transport has no field 'nope'
ok
lost ConnectionDone
client_connection_lost ConnectionDone
`},
		{name: "re-entrant calls from connection_lost", code: tcpServer + `
local P = protocol.Protocol:extend()
function P:connection_made() self.transport:write("x") end
function P:data_received() self.transport:lose_connection() self.transport:lose_connection() end
function P:connection_lost(r)
  local t = self.transport
  say("lost", r.type, t.connected)
  try(t.lose_connection, t)
  try(t.abort_connection, t)
  try(t.write, t, "late")
  try(t.write_sequence, t, {"late"})
  try(t.lose_write_connection, t)
  try(t.pause_producing, t)
  try(t.resume_producing, t)
  try(t.unregister_producer, t)
  try(function() return tostring(t:get_peer()):match("^IPv4Address") end)
end
local CF = protocol.ClientFactory:extend{protocol = P}
function CF:client_connection_lost(c, r)
  say("client_connection_lost", r.type)
  try(c.disconnect, c)
  try(c.stop_connecting, c)
  show() reactor.stop()
end
reactor.connect_tcp("127.0.0.1", PORT, CF())
reactor.run()`, want: "ok\nok\nok\nok\nok\nok\nok\nok\nok IPv4Address\nok\n" +
			"stop_connecting: the connector is not connecting (it is disconnected)\nlost ConnectionDone false\nclient_connection_lost ConnectionDone\n"},
		{name: "stop_listening twice and from stop_factory", code: `
local SF = protocol.ServerFactory:extend{protocol = protocol.Protocol}
local port
function SF:stop_factory() say("stop_factory") try(port.stop_listening, port) end
port = reactor.listen_tcp(0, SF(), {interface = "127.0.0.1"})
try(port.stop_listening, port)
try(port.stop_listening, port)
try(port.stop_listening)
try(port.get_host, 5)
show()`, want: "ok <Deferred at ADDR current result: nil>\nok <Deferred at ADDR current result: nil>\nok <Deferred at ADDR current result: nil>\n" +
			"bad argument #1 to 'stop_listening' (Port expected, got no value; use port:stop_listening, not port.stop_listening)\n" +
			"bad argument #1 to 'get_host' (Port expected, got number; use port:get_host, not port.get_host)\nstop_factory\n"},
		{name: "build_protocol returning garbage", code: `
local results = {nil, 5, "x", {}, {make_connection = 1}}
local SF = protocol.ServerFactory:extend()
function SF:build_protocol() self.n = (self.n or 0) + 1 return results[self.n] end
local port = reactor.listen_tcp(0, SF(), {interface = "127.0.0.1"})
local P = protocol.Protocol:extend()
function P:connection_lost(r) say("connection_lost", r.type) end
local CF = protocol.ClientFactory:extend{protocol = P}
local left = 5
function CF:client_connection_lost(c, r)
  left = left - 1
  if left == 0 then show() reactor.stop() else reactor.connect_tcp("127.0.0.1", port:get_host().port, self) end
end
reactor.connect_tcp("127.0.0.1", port:get_host().port, CF())
reactor.run()`, want: "connection_lost ConnectionDone\nconnection_lost ConnectionDone\nconnection_lost ConnectionDone\nconnection_lost ConnectionDone\nconnection_lost ConnectionDone\n",
			reports: []string{"build_protocol returned a number value, not a protocol (nil refuses the connection)",
				"build_protocol returned a string value, not a protocol (nil refuses the connection)",
				"build_protocol returned a table without make_connection, not a protocol (extend protocol.Protocol)",
				"attempt to call method 'make_connection' (a number value)"}},
		{name: "callbacks that are not functions", code: tcpServer + `
local CF = protocol.ClientFactory:extend{protocol = protocol.Protocol, start_factory = true}
try(reactor.connect_tcp, "127.0.0.1", PORT, CF())
local P = protocol.Protocol:extend{connection_made = 5, connection_lost = "x"}
CF = protocol.ClientFactory:extend{protocol = P}
function CF:client_connection_lost(c, r) say("client_connection_lost", r.type, r.value) show() reactor.stop() end
reactor.connect_tcp("127.0.0.1", PORT, CF())
reactor.run()`, want: "attempt to call method 'start_factory' (a boolean value)\n" +
			"client_connection_lost string =loopscript/protocol.lua:127: attempt to call method 'connection_made' (a number value)\n",
			reports: []string{"attempt to call method 'connection_made' (a number value)", "attempt to call method 'connection_lost' (a string value)"}},
	})
}
