package luabind

import (
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// runLuaNet runs code as "test.lua" on a fresh state whose reactor uses the
// real clock, as sockets need, with TMP set to a temporary folder (for
// UNIX sockets). MaxRunTime bounds the run, so a test that waits for an
// event that never comes fails instead of hanging.
func runLuaNet(t *testing.T, code string) result {
	t.Helper()
	return runLuaWith(t, code, Config{Limits: Limits{MaxRunTime: 20 * time.Second}})
}

func runLuaWith(t *testing.T, code string, cfg Config) result {
	t.Helper()
	var res result
	cfg.OnError = func(e *CallbackError) { res.reports = append(res.reports, e) }
	L, rt, out := testState(t, cfg)
	L.SetGlobal("TMP", lua.LString(t.TempDir()))
	fn, err := L.Load(strings.NewReader(tcpPrelude+code), "test.lua")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	res.err = rt.RunChunk(fn)
	res.out = out.String()
	return res
}

// tcpPrelude is on the first line of every test chunk, so line numbers in
// messages are the test code's own plus nothing.
const tcpPrelude = `local reactor, protocol, errors = require("reactor"), require("protocol"), require("errors"); ` +
	`local log = {}; local function say(...) local t = {} for i = 1, select("#", ...) do t[i] = tostring((select(i, ...))) end log[#log + 1] = table.concat(t, " ") end; ` +
	`local function show() print(table.concat(log, "\n")) end; `

type tcpCase struct {
	name, code, want string
	reports          []string // a substring of each error report, in order
}

func runTCPCases(t *testing.T, tests []tcpCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runLuaNet(t, tc.code)
			if res.err != nil {
				t.Fatalf("error: %v\noutput:\n%s\nreports:\n%s", res.err, res.out, res.reportText())
			}
			if res.out != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s\nreports:\n%s", res.out, tc.want, res.reportText())
			}
			if len(res.reports) != len(tc.reports) {
				t.Fatalf("%d reports, want %d:\n%s", len(res.reports), len(tc.reports), res.reportText())
			}
			for i, want := range tc.reports {
				if !strings.Contains(res.reports[i].Report(), want) {
					t.Errorf("report %d:\n%s\nwant it to contain %q", i, res.reports[i].Report(), want)
				}
			}
		})
	}
}

// The order of events on each side of a connection, and of the factories'
// events: connect_tcp returns before any outcome, started_connecting runs
// inside it, connection_made < data_received < connection_lost <
// client_connection_lost, start_factory first and stop_factory last.
func TestTCPOrdering(t *testing.T) {
	runTCPCases(t, []tcpCase{
		{"server and client", `
local server, client = {}, {}
local S = protocol.Protocol:extend()
function S:connection_made() server[#server+1] = "made " .. self.transport:get_peer().type self.transport:write("hello") self.transport:lose_connection() end
function S:connection_lost(r) server[#server+1] = "lost " .. r.type end
local SF = protocol.ServerFactory:extend{protocol = S}
function SF:start_factory() server[#server+1] = "start" end
function SF:stop_factory() server[#server+1] = "stop" end
local port = reactor.listen_tcp(0, SF(), {interface = "127.0.0.1"})
server[#server+1] = "listening"
local C = protocol.Protocol:extend()
function C:connection_made() client[#client+1] = "made " .. tostring(self.connected) end
function C:data_received(d) self.got = (self.got or "") .. d end
function C:connection_lost(r) client[#client+1] = "data " .. self.got client[#client+1] = "lost " .. r.type end
local CF = protocol.ClientFactory:extend{protocol = C}
function CF:start_factory() client[#client+1] = "start" end
function CF:stop_factory() client[#client+1] = "stop" port:stop_listening() reactor.stop() end
function CF:started_connecting(c) client[#client+1] = "started connecting " .. (tostring(c):gsub(":%d+", ":PORT")) end
function CF:client_connection_lost(c, r) client[#client+1] = "client connection lost " .. r.type end
function CF:client_connection_failed(c, r) client[#client+1] = "failed " .. tostring(r) end
local c = reactor.connect_tcp("127.0.0.1", port:get_host().port, CF())
client[#client+1] = "connect returned"
reactor.run()
print(table.concat(server, "\n"))
print(table.concat(client, "\n"))`,
			"start\nlistening\nmade TCP\nlost ConnectionDone\nstop\n" +
				"start\nstarted connecting <Connector tcp 127.0.0.1:PORT connecting>\nconnect returned\nmade true\ndata hello\nlost ConnectionDone\nclient connection lost ConnectionDone\nstop\n", nil},
	})
}

// serverLua defines, after the prelude, a listening echo-less server whose
// protocol class is S (the test defines its methods) on a free loopback
// port, and PORT, its number.
const serverLua = `
local S = protocol.Protocol:extend()
local port = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = S}(), {interface = "127.0.0.1"})
local PORT = port:get_host().port
`

func TestTCPConnections(t *testing.T) {
	runTCPCases(t, []tcpCase{
		{"a server factory that returns nil refuses the connection", `
local SF = protocol.ServerFactory:extend()
function SF:build_protocol(addr) say("asked for " .. addr.type .. " " .. addr.host) return nil end
local port = reactor.listen_tcp(0, SF(), {interface = "127.0.0.1"})
local C = protocol.Protocol:extend()
function C:connection_made() say("client made") end
function C:connection_lost(r) say("client lost " .. r.type) reactor.stop() end
reactor.connect_tcp("127.0.0.1", port:get_host().port, protocol.ClientFactory:extend{protocol = C}())
reactor.run() show()`, "asked for TCP 127.0.0.1\nclient made\nclient lost ConnectionDone\n", nil},
		{"a client factory that returns nil refuses the connection", serverLua + `
local CF = protocol.ClientFactory:extend()
function CF:build_protocol() return nil end
function CF:client_connection_failed(c, r) say("failed", r) end
function CF:client_connection_lost(c, r) say("lost " .. r.type) reactor.stop() end
reactor.connect_tcp("127.0.0.1", PORT, CF())
reactor.run() show()`, "lost ConnectionDone\n", nil},
		{"a server factory that returns garbage: reported, connection closed", `
local SF = protocol.ServerFactory:extend()
function SF:build_protocol(addr) return 42 end
local port = reactor.listen_tcp(0, SF(), {interface = "127.0.0.1"})
local C = protocol.Protocol:extend()
function C:connection_lost(r) say("client lost " .. r.type) reactor.stop() end
reactor.connect_tcp("127.0.0.1", port:get_host().port, protocol.ClientFactory:extend{protocol = C}())
reactor.run() show()`, "client lost ConnectionDone\n",
			[]string{"build_protocol returned a number value, not a protocol (nil refuses the connection)"}},
		{"a client factory's garbage or error is client_connection_failed's reason", serverLua + `
local CF = protocol.ClientFactory:extend()
local n = 0
function CF:build_protocol() n = n + 1 if n == 1 then return {} end error("boom") end
function CF:client_connection_failed(c, r)
  say("failed " .. r.type .. ": " .. r:get_error_message())
  if n == 1 then c:connect() else reactor.stop() end
end
function CF:client_connection_lost(c, r) say("lost?!") end
reactor.connect_tcp("127.0.0.1", PORT, CF())
reactor.run() show()`,
			"failed string: build_protocol returned a table without make_connection, not a protocol (extend protocol.Protocol)\n" +
				"failed string: test.lua:8: boom\n",
			[]string{"Unhandled error in function 'build_protocol' (test.lua:8):\nbuild_protocol returned a table without make_connection",
				"Unhandled error in function 'build_protocol' (test.lua:8):\ntest.lua:8: boom"}},
		{"a refused connect", `
local port = reactor.listen_tcp(0, protocol.ServerFactory(), {interface = "127.0.0.1"})
local PORT = port:get_host().port
port:stop_listening()
local CF = protocol.ClientFactory:extend()
function CF:client_connection_failed(c, r)
  say(r.type, r:check("ConnectError"), r:check(errors.ConnectionRefusedError) == errors.ConnectionRefusedError, r:get_error_message())
  say(tostring(r.value), r.value.errno)
  reactor.stop()
end
reactor.connect_tcp("127.0.0.1", PORT, CF())
reactor.run() show()`,
			"ConnectionRefusedError ConnectError true Connection was refused by other side: 111: Connection refused.\n" +
				"Connection was refused by other side: 111: Connection refused. 111\n", nil},
		{"disconnect while connecting is a UserError, on a later turn", serverLua + `
local CF = protocol.ClientFactory:extend()
function CF:start_factory() say("start") end
function CF:stop_factory() say("stop") reactor.stop() end
function CF:client_connection_failed(c, r) say("failed " .. r.type .. " " .. tostring(r:check("ConnectError")) .. " " .. r:get_error_message()) end
local c = reactor.connect_tcp("127.0.0.1", PORT, CF())
c:disconnect()
say("disconnected", (tostring(c):gsub(":%d+", ":PORT")))
say(pcall(c.stop_connecting, c))
reactor.run() show()`,
			"start\ndisconnected <Connector tcp 127.0.0.1:" + "PORT" + " disconnected>\n" +
				"false test.lua:13: stop_connecting: the connector is not connecting (it is disconnected)\n" +
				"failed UserError ConnectError User aborted connection.\nstop\n", nil},
		{"stop_connecting, then connect again from client_connection_failed", serverLua + `
function S:connection_made() self.transport:write("hi") end
local C = protocol.Protocol:extend()
function C:data_received(d) say("data " .. d) self.factory.connector:disconnect() end
local CF = protocol.ClientFactory:extend{protocol = C}
function CF:start_factory() say("start") end
function CF:stop_factory() say("stop") reactor.stop() end
function CF:started_connecting(c) self.connector = c say("started") end
function CF:client_connection_failed(c, r) say("failed " .. r.type) say(pcall(c.connect, c)) say(pcall(c.connect, c)) end
function CF:client_connection_lost(c, r) say("lost " .. r.type) end
local c = reactor.connect_tcp("127.0.0.1", PORT, CF())
c:stop_connecting()
reactor.run() show()`,
			"start\nstarted\nfailed UserError\nstarted\ntrue\nfalse test.lua:13: connect: the connector is already connecting\n" +
				"data hi\nlost ConnectionDone\nstop\n", nil},
		{"get_destination, get_host, get_peer, tostring", serverLua + `
function S:connection_made() say("server host", self.transport:get_host().port == PORT) end
local C = protocol.Protocol:extend()
function C:connection_made()
  say("peer", (tostring(self.transport:get_peer()):gsub("%d+%)", "PORT)")))
  self.transport:lose_connection()
end
local CF = protocol.ClientFactory:extend{protocol = C}
function CF:client_connection_lost() port:stop_listening() say((tostring(port):gsub(":%d+", ":PORT"))) port:stop_listening() reactor.stop() end
local c = reactor.connect_tcp("localhost", PORT, CF())
say((tostring(c:get_destination()):gsub("%d+%)", "PORT)")), c:get_destination().host)
say((tostring(port):gsub(":%d+", ":PORT")), (tostring(port:get_host()):gsub("%d+%)", "PORT)")))
reactor.run() show()`,
			"IPv4Address(type='TCP', host='localhost', port=PORT) localhost\n" +
				"<Port tcp 127.0.0.1:PORT> IPv4Address(type='TCP', host='127.0.0.1', port=PORT)\n" +
				"server host true\npeer IPv4Address(type='TCP', host='127.0.0.1', port=PORT)\n" +
				"<Port tcp 127.0.0.1:PORT (not listening)>\n", nil},
	})
}

func TestTCPTransports(t *testing.T) {
	runTCPCases(t, []tcpCase{
		{"half-close both ways, then ConnectionDone by itself", serverLua + `
function S:data_received(d) say("server data " .. d) end
function S:read_connection_lost() say("server read lost") self.transport:write("bye") self.transport:lose_write_connection() end
function S:write_connection_lost() say("server write lost") end
function S:connection_lost(r) say("server lost " .. r.type) end
local C = protocol.Protocol:extend()
function C:connection_made() self.transport:write("hello") self.transport:lose_write_connection() end
function C:write_connection_lost() say("client write lost") end
function C:data_received(d) self.got = (self.got or "") .. d end
function C:read_connection_lost() say("client read lost " .. self.got) end
function C:connection_lost(r) say("client lost " .. r.type) self.transport:lose_connection() reactor.call_later(0.05, reactor.stop) end
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.run()
table.sort(log) show()`,
			"client lost ConnectionDone\nclient read lost bye\nclient write lost\n" +
				"server data hello\nserver lost ConnectionDone\nserver read lost\nserver write lost\n", nil},
		{"half-close order on each side", serverLua + `
local server = {}
function S:read_connection_lost() server[#server+1] = "read lost" self.transport:lose_write_connection() end
function S:write_connection_lost() server[#server+1] = "write lost" end
function S:connection_lost(r) server[#server+1] = "lost " .. r.type reactor.call_later(0.05, reactor.stop) end
local C = protocol.Protocol:extend()
function C:connection_made() self.transport:lose_connection() end
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.run()
print(table.concat(server, "\n"))`, "read lost\nwrite lost\nlost ConnectionDone\n", nil},
		{"lose_connection sends what is written after it, then drops writes", serverLua + `
function S:connection_made()
  self.transport:write("a") self.transport:lose_connection() self.transport:write("b")
  self.transport:write_sequence({"c", 1, "d"})
  say("connected after lose", self.transport.connected)
end
function S:connection_lost(r) self.transport:write("dropped") say("server lost " .. r.type) end
local C = protocol.Protocol:extend()
function C:data_received(d) self.got = (self.got or "") .. d end
function C:connection_lost(r) say("client got " .. self.got .. ", " .. r.type) reactor.call_later(0.05, reactor.stop) end
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.run()
table.sort(log) show()`, "client got abc1d, ConnectionDone\nconnected after lose false\nserver lost ConnectionDone\n", nil},
		{"abort_connection drops the buffer and resets the peer", serverLua + `
function S:data_received() self.transport:write(string.rep("x", 100000)) self.transport:abort_connection() end
function S:connection_lost(r) say("server lost " .. r.type .. " " .. tostring(r:check("ConnectionLost"))) end
local C = protocol.Protocol:extend()
function C:connection_made() self.transport:write("go") end
function C:data_received(d) self.got = (self.got or 0) + #d end
function C:connection_lost(r) say("client lost " .. tostring(r:check("ConnectionLost")) .. " " .. tostring((self.got or 0) < 100000)) reactor.call_later(0.05, reactor.stop) end
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.run()
table.sort(log) show()`, "client lost ConnectionLost true\nserver lost ConnectionAborted ConnectionLost\n", nil},
		{"an error in data_received closes that connection only", serverLua + `
function S:data_received(d)
  if d == "boom" then error("bad data") end
  self.transport:write("echo " .. d)
end
function S:connection_lost(r) say("server lost " .. r.type .. ": " .. r:get_error_message()) end
local C = protocol.Protocol:extend()
function C:connection_made() self.transport:write(self.factory.send) end
function C:data_received(d) say("client got " .. d) self.transport:lose_connection() end
function C:connection_lost(r) say(self.factory.send .. " client lost " .. r.type) self.factory.done() end
local left = 2
local function done() left = left - 1 if left == 0 then reactor.call_later(0.05, reactor.stop) end end
local CF = protocol.ClientFactory:extend{protocol = C}
reactor.connect_tcp("127.0.0.1", PORT, CF:extend{send = "boom", done = done}())
reactor.connect_tcp("127.0.0.1", PORT, CF:extend{send = "ok", done = done}())
reactor.run()
table.sort(log) show()`,
			"boom client lost ConnectionDone\nclient got echo ok\nok client lost ConnectionDone\n" +
				"server lost ConnectionDone: Connection was closed cleanly.\nserver lost string: test.lua:7: bad data\n",
			[]string{"test.lua:7: bad data"}},
		{"an error in connection_made on a client", serverLua + `
local C = protocol.Protocol:extend()
function C:connection_made() error({code = 7}) end
function C:connection_lost(r) say("lost " .. r.type .. " " .. r.value.code) end
local CF = protocol.ClientFactory:extend{protocol = C}
function CF:client_connection_lost(c, r) say("client connection lost " .. r.type) reactor.stop() end
reactor.connect_tcp("127.0.0.1", PORT, CF())
reactor.run() show()`, "lost table 7\nclient connection lost table\n", []string{"(error object is a table value)"}},
		{"reactor.stop with connections open: ConnectionLost for each before run returns", serverLua + `
local n = 0
function S:connection_made() n = n + 1 if n == 2 then reactor.call_later(0.05, reactor.stop) end end
function S:connection_lost(r) say("server " .. r.type .. ": " .. r:get_error_message()) end
local C = protocol.Protocol:extend()
function C:connection_made() n = n + 1 if n == 2 then reactor.call_later(0.05, reactor.stop) end end
function C:connection_lost(r) say("client " .. r.type) end
local CF = protocol.ClientFactory:extend{protocol = C}
function CF:client_connection_lost(c, r) say("factory " .. r.type) end
function CF:stop_factory() say("client factory stopped") end
port = nil
reactor.connect_tcp("127.0.0.1", PORT, CF())
reactor.run()
table.sort(log) -- the reactor ends its connections in no fixed order
say("run returned")
show()`,
			"client ConnectionLost\nclient factory stopped\nfactory ConnectionLost\n" +
				"server ConnectionLost: Connection to the other side was lost in a non-clean fashion: Connection lost.\nrun returned\n", nil},
		{"a port still listening at shutdown stops its factory, once", `
local SF = protocol.ServerFactory:extend()
function SF:start_factory() say("start") end
function SF:stop_factory() say("stop") end
local f = SF()
local a = reactor.listen_tcp(0, f, {interface = "127.0.0.1"})
local b = reactor.listen_tcp(0, f, {interface = "127.0.0.1", backlog = 5})
reactor.call_later(0, reactor.stop)
reactor.run()
a:stop_listening()
say("ports", f.num_ports)
show()`, "start\nstop\nports 0\n", nil},
		{"write takes strings and numbers; anything else is a bad argument", serverLua + `
function S:data_received(d) say("server got " .. d) self.transport:lose_connection() end
local C = protocol.Protocol:extend()
function C:connection_made()
  say(pcall(self.transport.write, self.transport, {}))
  say(pcall(self.transport.write, self.transport))
  say(pcall(self.transport.write_sequence, self.transport, {"a", true}))
  say(pcall(self.transport.write, self.transport, 1.5))
end
function C:connection_lost() reactor.stop() end
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.run() show()`,
			"false test.lua:9: bad argument #1 to 'write' (string expected, got table)\n" +
				"false test.lua:10: bad argument #1 to 'write' (string expected, got no value)\n" +
				"false test.lua:11: bad argument #1 to 'write_sequence' (string expected at index 2, got boolean)\n" +
				"true\nserver got 1.5\n", nil},
		{"a callback that raises is reported once and not called again", `
local port = reactor.listen_tcp(0, protocol.ServerFactory(), {interface = "127.0.0.1"})
local PORT = port:get_host().port
port:stop_listening()
local CF = protocol.ClientFactory:extend()
local calls = 0
function CF:client_connection_failed(c, r) calls = calls + 1 error("failed handler") end
function CF:stop_factory() reactor.call_later(0.1, reactor.stop) end
reactor.connect_tcp("127.0.0.1", PORT, CF())
reactor.run()
say("calls", calls) show()`, "calls 1\n", []string{"test.lua:7: failed handler"}},
		{"connection_lost raising: reported once, client_connection_lost still follows", serverLua + `
function S:connection_made() self.transport:lose_connection() end
local C = protocol.Protocol:extend()
local calls = 0
function C:connection_lost(r) calls = calls + 1 error("lost handler") end
local CF = protocol.ClientFactory:extend{protocol = C}
function CF:client_connection_lost(c, r) say("client connection lost " .. r.type) reactor.call_later(0.1, reactor.stop) end
reactor.connect_tcp("127.0.0.1", PORT, CF())
reactor.run()
say("calls", calls) show()`, "client connection lost ConnectionDone\ncalls 1\n", []string{"lost handler"}},
		{"UNIX sockets", `
local path = TMP .. "/sock"
local function hide(s) return (tostring(s):gsub(TMP:gsub("%p", "%%%0"), "TMP")) end
local S = protocol.Protocol:extend()
function S:connection_made() say("server peer " .. tostring(self.transport:get_peer())) end
function S:data_received(d) self.transport:write(d:upper()) self.transport:lose_connection() end
local SF = protocol.ServerFactory:extend{protocol = S}
local port = reactor.listen_unix(path, SF())
say(hide(port:get_host()), hide(port))
local ok, e = pcall(reactor.listen_unix, path, SF())
say(ok, getmetatable(e) == errors.CannotListenError, hide(e), e.errno, hide(e.port))
local C = protocol.Protocol:extend()
function C:connection_made() say("client peer ok", self.transport:get_peer().name == path) self.transport:write("hello") end
function C:data_received(d) say("client got " .. d) end
local CF = protocol.ClientFactory:extend{protocol = C}
function CF:client_connection_lost(c, r) say("lost " .. r.type, c:get_destination().name == path) port:stop_listening()
  reactor.connect_unix(path, CF2(), {timeout = 5})
end
CF2 = protocol.ClientFactory:extend()
function CF2:client_connection_failed(c, r) say("after stop " .. r.type .. ": " .. r:get_error_message()) reactor.stop() end
reactor.connect_unix(path, CF())
reactor.run()
table.sort(log) show()`,
			"UNIXAddress(name='TMP/sock') <Port unix TMP/sock>\n" +
				"after stop ConnectError: An error occurred while connecting: 2: No such file or directory.\n" +
				"client got HELLO\nclient peer ok true\n" +
				"false true Couldn't listen on any:TMP/sock: [Errno 98] Address already in use. 98 TMP/sock\n" +
				"lost ConnectionDone true\nserver peer UNIXAddress(name=None)\n", nil},
	})
}

// A streaming producer written in Lua is paused as soon as more than 64 KiB
// is buffered (writes never send inside the call, so the pause comes
// within one chunk past it) and resumed once the buffer has drained; the
// reader gets every byte.
func TestTCPStreamingProducer(t *testing.T) {
	runTCPCases(t, []tcpCase{{"paused above 64 KiB, resumed when drained", serverLua + `
local CHUNK, TOTAL = 4096, 1024 * 1024
local P = protocol.Class:extend()
function P:init(transport) self.transport, self.sent, self.pauses, self.resumes = transport, 0, 0, 0 end
function P:resume_producing()
  self.paused = false
  self.resumes = self.resumes + 1
  while not self.paused and self.sent < TOTAL do
    self.sent = self.sent + CHUNK
    self.transport:write(string.rep("x", CHUNK))
  end
  if self.sent >= TOTAL and not self.paused then
    self.transport:unregister_producer()
    self.transport:lose_connection()
  end
end
function P:pause_producing()
  self.paused = true
  self.pauses = self.pauses + 1
  if self.pauses == 1 then say("first pause after", self.sent, self.sent > 65536 and self.sent <= 65536 + CHUNK) end
end
function P:stop_producing() say("stopped?!") end
local producer
function S:connection_made()
  producer = P(self.transport)
  self.transport:register_producer(producer, true)
  producer:resume_producing()
end
local C = protocol.Protocol:extend()
function C:connection_made() self.got = 0 self.transport:pause_producing() reactor.call_later(0.2, function() self.transport:resume_producing() end) end
function C:data_received(d) self.got = self.got + #d end
function C:connection_lost(r)
  say("received", self.got, r.type)
  say("paused more than once", producer.pauses > 1, "resumed", producer.resumes > producer.pauses - 1)
  reactor.stop()
end
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.run() show()`,
		"first pause after 69632 true\nreceived 1048576 ConnectionDone\npaused more than once true resumed true\n", nil}})
}
