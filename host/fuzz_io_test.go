package host

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/luabind"
)

// fuzzIOPrograms are the programs FuzzIOAPI may start: short-lived ones
// that read nothing they are not given, so an input cannot start anything
// that outlives it.
var fuzzIOPrograms = map[string]bool{"true": true, "false": true, "cat": true, "echo": true}

// approveFuzzIO keeps the fuzzer's I/O on this machine and bounded:
// loopback addresses, UNIX sockets in dir, and the programs above.
func approveFuzzIO(dir string) func(luabind.IORequest) error {
	return func(q luabind.IORequest) error {
		switch q.Kind {
		case luabind.IOProcess:
			if fuzzIOPrograms[filepath.Base(q.Target)] {
				return nil
			}
		case luabind.IONetwork:
			for _, prefix := range []string{"127.0.0.1:", "localhost:", "[::1]:", dir + "/"} {
				if strings.HasPrefix(q.Target, prefix) {
					return nil
				}
			}
		}
		return fmt.Errorf("not allowed by the fuzzer: %s", q)
	}
}

// fuzzIOHost is fuzzHost on the real clock (sockets and children are real,
// and a virtual clock would end each run before any byte moved) with the
// network and processes allowed through approveFuzzIO.
func fuzzIOHost(t *testing.T, errs *[]*CallbackError) *Host {
	dir := t.TempDir()
	h, err := New(Options{
		Stdout:          io.Discard,
		Stderr:          io.Discard,
		OnError:         func(e *CallbackError) { *errs = append(*errs, e) },
		WarnSlow:        -1,
		MaxCallbackTime: time.Second,
		MaxRunTime:      2 * time.Second,
		MaxStringSize:   1 << 20,
		Sandbox: &Sandbox{
			AllowNetwork:   true,
			AllowProcesses: true,
			ApproveIO:      approveFuzzIO(dir),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.RunString("dir", fmt.Sprintf("SOCKDIR = %q", dir)); err != nil {
		t.Fatal(err)
	}
	return h
}

// fuzzIOSetup is FuzzAPI's api and palette for the I/O modules and the
// Lua ones over them (protocol, basic, defer, utils, endpoints, log). The
// palette holds, besides plain values, protocols and factories that misbehave
// in the ways the API must survive: callbacks that are not functions,
// build_protocol returning garbage or nil, re-entrant calls from
// connection_lost and process_ended, errors from every callback. Every
// transport, port, connector and Deferred a call returns or a callback sees
// joins the palette, and the method callers (api entries taking an object
// and a method name from the palette) call any method on it, with ':' or
// with '.'.
const fuzzIOSetup = `
local reactor, protocol, defer, basic = require("reactor"), require("protocol"), require("defer"), require("basic")
local utils, endpoints, log, task = require("utils"), require("endpoints"), require("log"), require("task")
palette = {}
local function keep(v) if v ~= nil and #palette < 200 then palette[#palette + 1] = v end return v end
local loopback = {interface = "127.0.0.1"}

local Recorder = protocol.Protocol:extend()
function Recorder:connection_made() keep(self.transport) keep(self) end
function Recorder:data_received(data) self.transport:write(data) end
local Reentrant = protocol.Protocol:extend()
function Reentrant:connection_made() keep(self.transport) self.transport:write("hello") end
function Reentrant:connection_lost(reason)
	keep(reason)
	self.transport:lose_connection()
	self.transport:abort_connection()
	self.transport:write("late")
	self.transport:lose_connection()
end
local Raiser = protocol.Protocol:extend()
function Raiser:connection_made() keep(self.transport) error("made") end
function Raiser:data_received() error("data") end
function Raiser:connection_lost() error("lost") end
local NotFunctions = protocol.Protocol:extend{connection_made = 5, data_received = "x", connection_lost = {}}
local Line = basic.LineReceiver:extend{MAX_LENGTH = 8}
function Line:line_received(line) keep(line) self:send_line(line) if line == "q" then self.transport:lose_connection() end end
local Netstring = basic.NetstringReceiver:extend()
function Netstring:string_received(s) self:send_string(s) end

local function factory(class, extra)
	local F = protocol.ClientFactory:extend{protocol = class}
	for k, v in pairs(extra or {}) do F[k] = v end
	return F()
end
local factories = {
	factory(Recorder), factory(Reentrant), factory(Raiser), factory(NotFunctions), factory(Line), factory(Netstring),
	factory(Recorder, {build_protocol = function() return nil end}),
	factory(Recorder, {build_protocol = function() return 5 end}),
	factory(Recorder, {build_protocol = function() return "x" end}),
	factory(Recorder, {build_protocol = function() return {} end}),
	factory(Recorder, {build_protocol = function() error("refused") end}),
	factory(Recorder, {client_connection_failed = function(self, c) keep(c) c:connect() end}),
	factory(Recorder, {client_connection_lost = function(self, c) c:disconnect() c:connect() end}),
	factory(Recorder, {started_connecting = function(self, c) c:stop_connecting() end}),
	factory(Recorder, {start_factory = 1, stop_factory = "x"}),
}
local server = reactor.listen_tcp(0, factories[1], loopback)
local port = server:get_host().port

local PP = protocol.ProcessProtocol:extend()
function PP:connection_made() keep(self.transport) self.transport:write("x") end
function PP:out_received(data) keep(data) end
function PP:process_ended(reason)
	keep(reason)
	pcall(self.transport.signal_process, self.transport, "KILL")
	self.transport:write("late")
	self.transport:lose_connection()
	if not self.respawned then
		self.respawned = true
		keep(reactor.spawn_process(PP(), "/bin/true", {}))
	end
end
local PPRaiser = protocol.ProcessProtocol:extend()
function PPRaiser:connection_made() keep(self.transport) end
function PPRaiser:out_received() error("out") end
function PPRaiser:process_ended() error("ended") end
local Datagram = protocol.DatagramProtocol:extend()
function Datagram:start_protocol() keep(self.transport) end
function Datagram:datagram_received(data, addr) keep(addr) self.transport:write(data, addr) end

local function method(x, name, ...)
	return x[name](x, ...)
end
local function dot(x, name, ...)
	return x[name](...)
end
api = {
	function(f, ...) return reactor.listen_tcp(0, f, loopback, ...) end,
	function(...) return reactor.listen_tcp(...) end,
	function(f, ...) return reactor.connect_tcp("127.0.0.1", port, f, ...) end,
	function(...) return reactor.connect_tcp(...) end,
	function(f) return reactor.listen_unix(SOCKDIR .. "/s" .. #palette, f) end,
	function(f) return reactor.connect_unix(SOCKDIR .. "/s" .. #palette, f) end,
	function(p, ...) return reactor.listen_udp(0, p, loopback, ...) end,
	function(...) return reactor.listen_udp(...) end,
	function(pp, ...) return reactor.spawn_process(pp, "/bin/cat", {"cat"}, ...) end,
	function(...) return reactor.spawn_process(...) end,
	function(...) return reactor.add_reader(...) end,
	function(...) return reactor.add_writer(...) end,
	function(...) return reactor.remove_reader(...) end,
	function(...) return reactor.remove_writer(...) end,
	function() return reactor.get_readers(), reactor.get_writers() end,
	function() return reactor.remove_all() end,
	function(...) return reactor.call_later(...) end,
	function() return reactor.stop() end,
	method, method, method, method, dot,
	function(...) return defer.Deferred(...) end,
	function(...) return defer.succeed(...) end,
	function(...) return defer.fail(...) end,
	function(...) return defer.maybe_deferred(...) end,
	function(...) return defer.DeferredList(...) end,
	function(...) return defer.gather_results(...) end,
	function(...) return defer.Failure(...) end,
	function(...) return task.defer_later(...) end,
	function(...) return utils.get_process_output(...) end,
	function(...) return utils.get_process_value(...) end,
	function(...) return utils.get_process_output_and_value(...) end,
	function(...) return endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port, ...) end,
	function(...) return endpoints.TCP4ServerEndpoint(reactor, 0, loopback, ...) end,
	function(...) return endpoints.TCP4ClientEndpoint(...) end,
	function(...) return endpoints.connect_protocol(...) end,
	function(...) return log.msg(...) end,
	function(...) return log.err(...) end,
	function(...) return log.start_logging(...) end,
	function(x, ...) return x(...) end,
	function(x, k) return x[k] end,
}
for _, f in ipairs(factories) do keep(f) end
for _, v in ipairs({
	Recorder(), Reentrant(), Raiser(), NotFunctions(), Line(), Netstring(), basic.Int32StringReceiver(),
	PP(), PPRaiser(), protocol.ProcessProtocol(), Datagram(), protocol.DatagramProtocol(), server, reactor,
	"write", "write_sequence", "lose_connection", "abort_connection", "lose_write_connection", "get_peer",
	"get_host", "pause_producing", "resume_producing", "register_producer", "unregister_producer",
	"set_tcp_no_delay", "stop_listening", "connect", "disconnect", "stop_connecting", "get_destination",
	"close_stdin", "close_stdout", "signal_process", "set_broadcast_allowed", "listen",
	"add_callback", "add_errback", "add_both", "callback", "errback", "cancel", "add_timeout", "chain_deferred",
	"pause", "unpause", "send_line", "set_raw_mode", "data_received", "check", "trap",
	"KILL", "TERM", "/bin/true", "/bin/echo", "echo", "cat", "127.0.0.1", "::1", "", "x\n", string.rep("y", 100),
	{"x", "y"}, {"a", 1}, {host = "127.0.0.1", port = port}, {timeout = 0.01}, {env = {}}, {errortoo = true},
	{}, true, false, 0, 1, -1, 0.5, port, 65536, 0/0, 1/0, -1/0, 2^63,
	function() end, function() error("boom") end, function(x) return x end, function() reactor.stop() end,
	function(x) if type(x) == "userdata" then x:lose_connection() end end,
	setmetatable({}, {__call = function() end}),
	{fileno = function() return -1 end, do_read = function() end, connection_lost = function() end},
	{fileno = function() return 0/0 end, do_write = function() return 1 end, connection_lost = error},
	{write = function() end},
}) do keep(v) end
`

// FuzzIOAPI is FuzzAPI over the I/O modules: real loopback sockets, real
// children (true, cat, echo), Deferreds, utils, endpoints and log, called
// with arbitrary arguments in arbitrary order, and the loop run for a
// twentieth of a second after. A call may fail with a Lua error, never with
// a Go panic or an internal error; no input may outlive its time limits.
//
//	go test ./host -run '^$' -fuzz FuzzIOAPI -fuzztime 10m -parallel 1
func FuzzIOAPI(f *testing.F) {
	f.Add([]byte{2, 1, 0, 0, 0})                  // connect a recorder, run
	f.Add([]byte{2, 1, 1, 18, 3, 60, 17})         // connect a reentrant one, call methods
	f.Add([]byte{8, 1, 22, 8, 1, 23, 0, 0})       // spawn with the respawning and raising protocols
	f.Add([]byte{6, 1, 25, 0, 1, 7, 10, 1})       // UDP ports
	f.Add([]byte{4, 1, 1, 5, 1, 1, 24, 0, 25, 2}) // UNIX listen, connect, Deferreds
	f.Add([]byte{31, 2, 70, 80, 34, 1, 1, 39, 1, 90})
	f.Fuzz(func(t *testing.T, program []byte) {
		defer watchForHang()()
		var errs []*CallbackError
		h := fuzzIOHost(t, &errs)
		defer h.Close()
		runAPIProgram(t, h, &errs, fuzzIOSetup, program,
			`local r = require("reactor") pcall(r.call_later, 0.05, r.stop) pcall(r.run)`)
	})
}
