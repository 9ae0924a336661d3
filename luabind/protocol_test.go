package luabind

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

func TestProtocolClasses(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"extend and new call init", `
local protocol = require("protocol")
local P = protocol.Protocol:extend()
function P:init(a, b) self.sum = a + b end
local p = P:new(1, 2)
local q = P(3, 4)
print(p.sum, q.sum, P:is_instance(p), protocol.Protocol:is_instance(q), P:is_instance({}))`,
			"3\t7\ttrue\ttrue\tfalse\n"},
		{"extend with fields, subclass of subclass", `
local protocol = require("protocol")
local A = protocol.Protocol:extend{greeting = "hi"}
local B = A:extend()
function A:hello() return self.greeting end
local b = B()
print(b:hello(), B.super == A, A.super == protocol.Protocol)`, "hi\ttrue\ttrue\n"},
		{"class metamethods reach instances", `
local protocol = require("protocol")
local P = protocol.Protocol:extend()
P.__tostring = function(self) return "a P" end
print(tostring(P()))`, "a P\n"},
		{"make_connection sets transport and connected", `
local protocol = require("protocol")
local P = protocol.Protocol:extend()
local seen
function P:connection_made() seen = self.transport end
local p = P()
print(p.connected)
p:make_connection("T")
print(p.connected, seen)`, "false\ntrue\tT\n"},
		{"factory builds its protocol", `
local protocol = require("protocol")
local P = protocol.Protocol:extend()
local F = protocol.ClientFactory:extend{protocol = P}
local f = F()
local p = f:build_protocol({})
print(P:is_instance(p), p.factory == f)`, "true\ttrue\n"},
		{"factory start and stop count users", `
local protocol = require("protocol")
local F = protocol.Factory:extend()
function F:start_factory() print("start") end
function F:stop_factory() print("stop") end
local f = F()
f:do_start() f:do_start() f:do_stop() f:do_stop() f:do_stop()`, "start\nstop\n"},
		{"extend with a bad argument", `
local protocol = require("protocol")
print(pcall(protocol.Protocol.extend, protocol.Protocol, 5))
print(pcall(protocol.Protocol.new))`,
			"false\tbad argument #1 to 'extend' (table expected, got number)\n" +
				"false\tbad argument #1 to 'new' (class expected, got no value; use Class:new, not Class.new)\n"},
		{"the module is strict", `
local protocol = require("protocol")
print(pcall(function() return protocol.Protocl end))`,
			"false\ttest.lua:3: protocol has no field 'Protocl' (did you mean 'Protocol'?)\n"},
		{"CONNECTION_DONE and CONNECTION_LOST", `
local protocol = require("protocol")
local errors = require("errors")
print(tostring(protocol.CONNECTION_DONE), getmetatable(protocol.CONNECTION_LOST) == errors.ConnectionLost)`,
			"Connection was closed cleanly.\ttrue\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runLua(t, tc.code)
			if res.err != nil {
				t.Fatalf("error: %v", res.err)
			}
			if res.out != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", res.out, tc.want)
			}
		})
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"check along the parent chain, by class or name", `
local errors = require("errors")
local f = errors.Failure(errors.ConnectionRefusedError("Connection was refused by other side: 111: Connection refused."))
print(f.type, f:check(errors.ConnectError) == errors.ConnectError, f:check("ConnectError"), f:check("UserError", "ConnectionRefusedError"), f:check(errors.ConnectionDone))`,
			"ConnectionRefusedError\ttrue\tConnectError\tConnectionRefusedError\tnil\n"},
		{"tostring in Twisted's shape", `
local errors = require("errors")
print(tostring(errors.Failure(errors.ConnectionDone())))`,
			"[Failure instance: Traceback (failure with no frames): <class 'ConnectionDone'>: Connection was closed cleanly.\n]\n"},
		{"a plain Lua error", `
local errors = require("errors")
local f = errors.Failure("boom")
print(f.type, f.value, f:get_error_message(), f:check("string"), errors.Failure({}).type)`,
			"string\tboom\tboom\tstring\ttable\n"},
		{"trap re-raises the Failure itself", `
local errors = require("errors")
local f = errors.Failure(errors.ConnectionLost())
print(f:trap(errors.ConnectionClosed) == errors.ConnectionClosed)
local ok, e = pcall(f.trap, f, "ConnectionDone")
print(ok, e == f)`,
			"true\nfalse\ttrue\n"},
		{"wrong self", `
local errors = require("errors")
local f = errors.Failure("x")
print(pcall(f.check, "ConnectionDone"))`,
			"false\tbad argument #1 to 'check' (Failure expected, got string; use reason:check, not reason.check)\n"},
		{"error classes", `
local errors = require("errors")
local E = errors.error_class("PoemError", errors.ConnectError)
local e = E("too short")
print(tostring(E), tostring(e), errors.Failure(e):check("ConnectError"), errors.Failure(e).type)`,
			"<class 'PoemError'>\tPoemError: too short\tConnectError\tPoemError\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runLua(t, tc.code)
			if res.err != nil {
				t.Fatalf("error: %v", res.err)
			}
			if res.out != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", res.out, tc.want)
			}
		})
	}
}

// TestReasons checks the Failure each reactor reason becomes: its class,
// what check matches and its message.
func TestReasons(t *testing.T) {
	tests := []struct {
		err     error
		typ     string
		isA     string
		message string
	}{
		{reactor.ErrConnectionDone, "ConnectionDone", "ConnectionClosed", "Connection was closed cleanly."},
		{reactor.ErrConnectionAborted, "ConnectionAborted", "ConnectionLost", "Connection was aborted locally using ITCPTransport.abortConnection."},
		{&reactor.ConnectionLostError{Err: syscall.ECONNRESET}, "ConnectionLost", "ConnectionClosed", "Connection to the other side was lost in a non-clean fashion."},
		{&reactor.ConnectionLostError{Err: reactor.ErrLostAtShutdown}, "ConnectionLost", "ConnectionLost", "Connection to the other side was lost in a non-clean fashion: Connection lost."},
		{&reactor.ConnectError{Err: syscall.ECONNREFUSED}, "ConnectionRefusedError", "ConnectError", "Connection was refused by other side: 111: Connection refused."},
		{&reactor.ConnectError{Err: syscall.ECONNRESET}, "ConnectError", "ConnectError", "An error occurred while connecting: 104: Connection reset by peer."},
		{reactor.ErrConnectTimeout, "TimeoutError", "ConnectError", "User timeout caused connection failure."},
		{&reactor.ConnectBindError{Err: syscall.EADDRINUSE}, "ConnectBindError", "ConnectError", "Couldn't bind: 98: Address already in use."},
		{reactor.ErrUserAborted, "UserError", "ConnectError", "User aborted connection."},
		{&reactor.DNSLookupError{Name: "nonexistent.invalid"}, "DNSLookupError", "DNSLookupError", "DNS lookup failed: nonexistent.invalid."},
		{&reactor.ProcessDone{}, "ProcessDone", "ConnectionDone", "A process has ended without apparent errors: process finished with exit code 0."},
		{&reactor.ProcessTerminated{ExitCode: 3}, "ProcessTerminated", "ConnectionLost", "A process has ended with a probable error condition: process ended with exit code 3."},
		{&reactor.ProcessTerminated{ExitCode: -1, Signal: syscall.SIGTERM}, "ProcessTerminated", "ConnectionLost", "A process has ended with a probable error condition: process ended by signal 15."},
		{errors.New("something else"), "ConnectionLost", "ConnectionLost", "something else"},
	}
	for _, tc := range tests {
		t.Run(tc.typ+" "+tc.message, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			rt := Open(L, Config{Clock: reactor.NewVirtualClock()})
			defer rt.Close()
			L.SetGlobal("reason", rt.reason(tc.err))
			err := L.DoString(fmt.Sprintf(`
				assert(reason.type == %q, reason.type)
				assert(reason:check(%q) == %q)
				assert(reason:get_error_message() == %q, reason:get_error_message())
				assert(tostring(reason.value) == %[4]q)
				out = tostring(reason)`, tc.typ, tc.isA, tc.isA, tc.message))
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("[Failure instance: Traceback (failure with no frames): <class '%s'>: %s\n]", tc.typ, tc.message)
			if got := lua.LVAsString(L.GetGlobal("out")); got != want {
				t.Errorf("tostring = %q, want %q", got, want)
			}
		})
	}
	t.Run("process fields", func(t *testing.T) {
		L := lua.NewState()
		defer L.Close()
		rt := Open(L, Config{Clock: reactor.NewVirtualClock()})
		defer rt.Close()
		L.SetGlobal("a", rt.reason(&reactor.ProcessTerminated{ExitCode: -1, Signal: syscall.SIGKILL}))
		L.SetGlobal("b", rt.reason(&reactor.ProcessTerminated{ExitCode: 2}))
		L.SetGlobal("c", rt.reason(&reactor.ProcessDone{}))
		if err := L.DoString(`out = tostring(a.value.exit_code) .. " " .. a.value.signal .. " " .. b.value.exit_code .. " " .. tostring(b.value.signal) .. " " .. c.value.exit_code`); err != nil {
			t.Fatal(err)
		}
		if got := lua.LVAsString(L.GetGlobal("out")); got != "nil 9 2 nil 0" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a callback's error", func(t *testing.T) {
		L := lua.NewState()
		defer L.Close()
		rt := Open(L, Config{Clock: reactor.NewVirtualClock()})
		defer rt.Close()
		cb := &CallbackError{Message: "x.lua:1: boom", value: lua.LString("x.lua:1: boom"), Traceback: "stack traceback:\n\tx.lua:1: in main chunk"}
		L.SetGlobal("r", rt.reason(&reactor.PanicError{Value: cb}))
		if err := L.DoString(`out = r.type .. "|" .. r.value .. "|" .. tostring(r)`); err != nil {
			t.Fatal(err)
		}
		got := lua.LVAsString(L.GetGlobal("out"))
		if !strings.HasPrefix(got, "string|x.lua:1: boom|[Failure instance: Traceback: <class 'string'>: x.lua:1: boom\nstack traceback:") {
			t.Errorf("got %q", got)
		}
	})
}

func TestAddresses(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	rt := Open(L, Config{Clock: reactor.NewVirtualClock()})
	defer rt.Close()
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&netTCPAddr4, "IPv4Address(type='TCP', host='127.0.0.1', port=8000)"},
		{&netTCPAddr6, "IPv6Address(type='TCP', host='::1', port=9)"},
		{&netUDPAddr, "IPv4Address(type='UDP', host='127.0.0.1', port=53)"},
		{&netUnixAddr, "UNIXAddress(name='/tmp/s')"},
	} {
		L.SetGlobal("a", rt.addressValue(tc.addr))
		if err := L.DoString(`out = tostring(a)`); err != nil {
			t.Fatal(err)
		}
		if got := lua.LVAsString(L.GetGlobal("out")); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

var (
	netTCPAddr4 = net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}
	netTCPAddr6 = net.TCPAddr{IP: net.IPv6loopback, Port: 9}
	netUDPAddr  = net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
	netUnixAddr = net.UnixAddr{Name: "/tmp/s", Net: "unix"}
)
