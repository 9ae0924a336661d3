package luabind

import (
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// Bad arguments are errors at the call, worded as Lua's own.
func TestTCPArgumentErrors(t *testing.T) {
	const f = "protocol.ServerFactory()"
	tests := []struct{ call, want string }{
		{`reactor.listen_tcp("80", ` + f + `)`, "bad argument #1 to 'listen_tcp' (number expected, got string)"},
		{`reactor.listen_tcp(70000, ` + f + `)`, "bad argument #1 to 'listen_tcp' (port in 0-65535 expected, got 70000)"},
		{`reactor.listen_tcp(-1, ` + f + `)`, "bad argument #1 to 'listen_tcp' (port in 0-65535 expected, got -1)"},
		{`reactor.listen_tcp(1.5, ` + f + `)`, "bad argument #1 to 'listen_tcp' (port in 0-65535 expected, got 1.5)"},
		{`reactor.listen_tcp(0/0, ` + f + `)`, "bad argument #1 to 'listen_tcp' (port in 0-65535 expected, got nan)"},
		{`reactor.listen_tcp(0)`, "bad argument #2 to 'listen_tcp' (factory table expected, got no value)"},
		{`reactor.listen_tcp(0, 5)`, "bad argument #2 to 'listen_tcp' (factory table expected, got number)"},
		{`reactor.listen_tcp(0, {})`, "bad argument #2 to 'listen_tcp' (factory expected, got a table without build_protocol (extend protocol.Factory))"},
		{`reactor.listen_tcp(0, {build_protocol = 1})`, "bad argument #2 to 'listen_tcp' (factory expected, got a table whose build_protocol is a number)"},
		{`reactor.listen_tcp(0, ` + f + `, "127.0.0.1")`, "bad argument #3 to 'listen_tcp' (options table expected, got string)"},
		{`reactor.listen_tcp(0, ` + f + `, {iface = "127.0.0.1"})`, "bad argument #3 to 'listen_tcp' (unknown option 'iface'; the options are backlog, interface)"},
		{`reactor.listen_tcp(0, ` + f + `, {"127.0.0.1"})`, "bad argument #3 to 'listen_tcp' (unknown option 1 (a number); the options are backlog, interface)"},
		{`reactor.listen_tcp(0, ` + f + `, {interface = "example.com"})`, `bad argument #3 to 'listen_tcp' (option 'interface' must be an IP address or "localhost", got "example.com")`},
		{`reactor.listen_tcp(0, ` + f + `, {interface = 127})`, "bad argument #3 to 'listen_tcp' (option 'interface' must be a string, got number)"},
		{`reactor.listen_tcp(0, ` + f + `, {backlog = 0})`, "bad argument #3 to 'listen_tcp' (option 'backlog' must be an integer in 1-65536, got 0)"},
		{`reactor.listen_tcp(0, ` + f + `, {backlog = "5"})`, "bad argument #3 to 'listen_tcp' (option 'backlog' must be a number, got string)"},
		{`reactor.connect_tcp(nil, 80, ` + f + `)`, "bad argument #1 to 'connect_tcp' (string expected, got nil)"},
		{`reactor.connect_tcp("", 80, ` + f + `)`, "bad argument #1 to 'connect_tcp' (non-empty host expected)"},
		{`reactor.connect_tcp("127.0.0.1", 0, ` + f + `)`, "bad argument #2 to 'connect_tcp' (port in 1-65535 expected, got 0)"},
		{`reactor.connect_tcp("127.0.0.1", "80", ` + f + `)`, "bad argument #2 to 'connect_tcp' (number expected, got string)"},
		{`reactor.connect_tcp("127.0.0.1", 80, nil)`, "bad argument #3 to 'connect_tcp' (factory table expected, got nil)"},
		{`reactor.connect_tcp("127.0.0.1", 80, ` + f + `, {timeout = 0})`, "bad argument #4 to 'connect_tcp' (option 'timeout' must be a positive number of seconds, got 0)"},
		{`reactor.connect_tcp("127.0.0.1", 80, ` + f + `, {timeout = "1"})`, "bad argument #4 to 'connect_tcp' (option 'timeout' must be a number, got string)"},
		{`reactor.connect_tcp("127.0.0.1", 80, ` + f + `, {timeout = 0/0})`, "bad argument #4 to 'connect_tcp' (option 'timeout' must be a positive number of seconds, got nan)"},
		{`reactor.connect_tcp("127.0.0.1", 80, ` + f + `, {bind = {"127.0.0.1", 0}})`, "bad argument #4 to 'connect_tcp' (unknown option 'bind'; the options are bind_address, timeout)"},
		{`reactor.connect_tcp("127.0.0.1", 80, ` + f + `, {bind_address = "127.0.0.1"})`, "bad argument #4 to 'connect_tcp' (bind_address must be a table {host, port}, got string)"},
		{`reactor.connect_tcp("127.0.0.1", 80, ` + f + `, {bind_address = {"example.com", 0}})`, "bad argument #4 to 'connect_tcp' (bind_address host must be an IP address or \"localhost\", got \"example.com\")"},
		{`reactor.connect_tcp("127.0.0.1", 80, ` + f + `, {bind_address = {"127.0.0.1", 70000}})`, "bad argument #4 to 'connect_tcp' (bind_address port must be an integer in 0-65535)"},
		{`reactor.listen_unix("", ` + f + `)`, "bad argument #1 to 'listen_unix' (non-empty path expected)"},
		{`reactor.listen_unix(5, ` + f + `)`, "bad argument #1 to 'listen_unix' (string expected, got number)"},
		{`reactor.listen_unix("/x", ` + f + `, {interface = "::1"})`, "bad argument #3 to 'listen_unix' (unknown option 'interface'; the options are backlog)"},
		{`reactor.connect_unix("/x", true)`, "bad argument #2 to 'connect_unix' (factory table expected, got boolean)"},
		{`reactor.connect_unix("/x", ` + f + `, {timeout = -1})`, "bad argument #3 to 'connect_unix' (option 'timeout' must be a positive number of seconds, got -1)"},
		{`reactor:listen_tcp(0, ` + f + `)`, "bad argument #1 to 'listen_tcp' (number expected, got table; use reactor.listen_tcp, not reactor:listen_tcp)"},
		{`local p = reactor.listen_tcp(0, ` + f + `, {interface = "127.0.0.1"}) p.stop_listening()`, "bad argument #1 to 'stop_listening' (Port expected, got no value; use port:stop_listening, not port.stop_listening)"},
		{`local p = reactor.listen_tcp(0, ` + f + `, {interface = "127.0.0.1"}) p:stop_listenin()`, "Port has no field 'stop_listenin' (did you mean 'stop_listening'?)"},
		{`local c = reactor.connect_tcp("127.0.0.1", 9, protocol.ClientFactory()) c.disconnect()`, "bad argument #1 to 'disconnect' (Connector expected, got no value; use connector:disconnect, not connector.disconnect)"},
	}
	for _, tc := range tests {
		t.Run(tc.call, func(t *testing.T) {
			res := runLuaNet(t, `local ok, e = pcall(function() `+tc.call+` end) print(e)`)
			if res.err != nil {
				t.Fatal(res.err)
			}
			got := strings.TrimSuffix(res.out, "\n")
			if i := strings.Index(got, ": "); strings.HasPrefix(got, "test.lua:") && i > 0 {
				got = got[i+2:]
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// A bind failure raises a CannotListenError instance at once: pcall gets
// the instance, tostring is Twisted's message, and the fields say why.
func TestCannotListen(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	res := runLuaNet(t, fmt.Sprintf(`
local ok, e = pcall(reactor.listen_tcp, %d, protocol.ServerFactory(), {interface = "127.0.0.1"})
print(ok, getmetatable(e) == errors.CannotListenError, e.errno, e.interface, e.port)
print(tostring(e))
print(errors.Failure(e):check("CannotListenError"))`, port))
	want := fmt.Sprintf("false\ttrue\t98\t127.0.0.1\t%d\nCouldn't listen on 127.0.0.1:%d: [Errno 98] Address already in use.\nCannotListenError\n", port, port)
	if res.err != nil || res.out != want {
		t.Errorf("got %q, %v; want %q", res.out, res.err, want)
	}
	// Uncaught, the chunk's error reads with the class's name, as Python
	// shows an uncaught exception.
	res = runLuaNet(t, fmt.Sprintf(`reactor.listen_tcp(%d, protocol.ServerFactory(), {interface = "127.0.0.1"})`, port))
	wantErr := fmt.Sprintf("CannotListenError: Couldn't listen on 127.0.0.1:%d: [Errno 98] Address already in use.", port)
	if res.err == nil || res.err.Error() != wantErr {
		t.Errorf("uncaught: got %v, want %s", res.err, wantErr)
	}
}

// A port's userdata is what get_readers finds for its descriptor, until it
// stops listening; a transport's, until its connection is lost.
func TestTCPRemembersIO(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	rt := Open(L, Config{})
	defer rt.Close()
	if err := L.DoString(`
local reactor, protocol = require("reactor"), require("protocol")
port = reactor.listen_tcp(0, protocol.ServerFactory(), {interface = "127.0.0.1"})`); err != nil {
		t.Fatal(err)
	}
	ud := L.GetGlobal("port").(*lua.LUserData)
	p := ud.Value.(*luaPort).port
	readers := rt.r.Readers()
	if len(readers) != 1 || readers[0] != reactor.ReadDescriptor(p) || rt.ioObject(p) != ud {
		t.Fatalf("readers %v, object %v; want the port's userdata", readers, rt.ioObject(p))
	}
	if err := L.DoString(`port:stop_listening()`); err != nil {
		t.Fatal(err)
	}
	if rt.ioObject(p) != lua.LNil || len(rt.r.Readers()) != 0 {
		t.Errorf("after stop_listening: object %v, readers %v", rt.ioObject(p), rt.r.Readers())
	}
}

// fullBacklog is a loopback TCP listener that never accepts, with a
// backlog of zero and its queue filled: a connect to it stays in flight
// (the kernel drops the SYNs), so only the timeout can end it.
func fullBacklog(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	for range 3 {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond); err == nil {
			t.Cleanup(func() { c.Close() })
		}
	}
	return port
}

// A connect still in flight when its timeout passes fails with
// TimeoutError (a UserError): 30 s by default (on the virtual clock, which
// jumps there), or what the timeout option says (on the real clock).
func TestTCPConnectTimeout(t *testing.T) {
	port := fullBacklog(t)
	code := fmt.Sprintf(`
local CF = protocol.ClientFactory:extend()
local start = reactor.seconds()
function CF:client_connection_failed(c, r)
  print(r.type, r:check("UserError"), r:get_error_message(), reactor.seconds() - start >= TIMEOUT)
  reactor.stop()
end
function CF:client_connection_lost() print("connected?!") reactor.stop() end
reactor.connect_tcp("127.0.0.1", %d, CF(), OPTIONS)
reactor.run()`, port)
	for _, tc := range []struct {
		name    string
		cfg     Config
		timeout string
		options string
	}{
		{"default, virtual clock", Config{Clock: reactor.NewVirtualClock()}, "30", "nil"},
		{"0.2 s, real clock", Config{Limits: Limits{MaxRunTime: 20 * time.Second}}, "0.2", "{timeout = 0.2}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := strings.NewReplacer("TIMEOUT", tc.timeout, "OPTIONS", tc.options).Replace(code)
			res := runLuaWith(t, c, tc.cfg)
			want := "TimeoutError\tUserError\tUser timeout caused connection failure.\ttrue\n"
			if res.err != nil || res.out != want {
				t.Errorf("got %q, %v; want %q\n%s", res.out, res.err, want, res.reportText())
			}
		})
	}
}
