package luabind

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// socketPrelude makes a connected pair on loopback: srv (listening), c
// (client) and s (the server's side), all in blocking mode.
const socketPrelude = `
local socket = require("socket")
local srv = assert(socket.tcp())
assert(srv:setoption("reuseaddr", true))
assert(srv:bind("127.0.0.1", 0))
assert(srv:listen())
local _, port = srv:getsockname()
local c = assert(socket.tcp())
assert(c:connect("127.0.0.1", port))
local s = assert(srv:accept())
local function show(...)
  local t = {...}
  for i = 1, select("#", ...) do t[i] = tostring(t[i]) end
  print(table.concat(t, " "))
end
`

func TestSocket(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"lines drop CR and LF", `
c:send("one\r\ntwo\nth\rree\n")
show(s:receive("*l"))
show(s:receive())
show(s:receive("l"))`, "one nil nil\ntwo nil nil\nthree nil nil\n"},
		{"a count, with a prefix", `
c:send("abcdefgh")
show(s:receive(3))
show(s:receive(4, "xy"))
show(s:receive(1, "long"))
show(s:receive("3"))`, "abc nil nil\nxyde nil nil\nlong nil nil\nfgh nil nil\n"},
		{"timeout gives the partial data", `
s:settimeout(0)
show(s:receive())
c:send("part")
show(s:receive("*l"))
show(s:receive(10, "pre"))
show(s:receive("*a"))
print(s:dirty())`, "nil timeout \nnil timeout part\nnil timeout pre\nnil timeout \nfalse\n"},
		{"*a reads to the end; closed after", `
c:send("all of it")
c:close()
show(s:receive("*a"))
show(s:receive("*a"))
show(s:receive(1))
show(s:receive())`, "all of it nil nil\nnil closed \nnil closed \nnil closed \n"},
		{"send returns the last index", `
show(c:send("hello", 2, 4))
show(c:send("hello", -2))
show(c:send("hello", 4, 2))
show(c:send(12345))
show(s:receive(8))`, "4 nil nil\n5 nil nil\n3 nil nil\n5 nil nil\nelllo123 nil nil\n"},
		{"numbers are sent and prefixed as Lua 5.1 writes them", `
c:send(1/3)
c:send("|")
show(s:receive(17))
c:send("ab")
show(s:receive(5, 0.5))
c:settimeout(0)
show(c:receive(" 0x2 "))`, "0.33333333333333| nil nil\n0.5ab nil nil\nnil timeout \n"},
		{"sending to a closed peer", `
s:close()
c:settimeout(0)
local ok, err, last
for i = 1, 200 do
  ok, err, last = c:send(string.rep("x", 65536))
  if not ok then break end
end
print(ok, err == "closed" or err == "timeout", type(last))`, "nil\ttrue\tnumber\n"},
		{"names, descriptors, close", `
local ip, p, fam = c:getpeername()
print(ip, p == port, fam)
print(s:getsockname())
print(c:getfd() == c:fileno(), c:getfd() >= 0, c:getfamily())
print(c:close(), c:getfd(), c:close())
show(c:getpeername())
show(c:receive())
show(c:send("x"))`, "127.0.0.1\ttrue\tinet\n127.0.0.1\t" + "PORT" + "\tinet\ntrue\ttrue\tinet4\n1\t-1\t1\n" +
			"nil Bad file descriptor\nnil closed \nnil closed 0\n"},
		{"options", `
print(c:setoption("tcp-nodelay", true), c:getoption("tcp-nodelay"))
print(c:setoption("keepalive", false), c:getoption("keepalive"))
print(c:setoption("linger", {on = true, timeout = 2}), c:getoption("linger").timeout)
print(c:getoption("error"))
print(pcall(c.setoption, c, "nagle", true))
print(pcall(c.setoption, c, "keepalive", 1))`, "1\ttrue\n1\tfalse\n1\t2\nnil\n" +
			"false\tbad argument #1 to 'setoption' (unsupported option `nagle')\n" +
			"false\tbad argument #2 to 'setoption' (boolean expected, got number)\n"},
		{"states, tostring and bad selves", `
print((tostring(srv):gsub("0x%x+", "ADDR")), (tostring(c):gsub("0x%x+", "ADDR")), (tostring(socket.tcp()):gsub("0x%x+", "ADDR")))
print(pcall(srv.receive, srv))
print(pcall(c.accept, c))
print(pcall(c.receive))
print(pcall(c.receive, c, {}))
print(pcall(c.receive, c, "*x"))
print(pcall(c.receive, c, -1))
print(pcall(c.settimeout, c, 1, "q"))
print(pcall(c.shutdown, c, "sideways"))
print(pcall(function() return c:recieve() end))`,
			"tcp{server}: ADDR\ttcp{client}: ADDR\ttcp{master}: ADDR\n" +
				"false\tcalling 'receive' on bad self (tcp{client} expected, got tcp{server})\n" +
				"false\tcalling 'accept' on bad self (tcp{server} expected, got tcp{client})\n" +
				"false\tbad argument #1 to 'receive' (socket expected, got no value; use sock:receive, not sock.receive)\n" +
				"false\tbad argument #1 to 'receive' (string expected, got table)\n" +
				"false\tbad argument #1 to 'receive' (invalid receive pattern)\n" +
				"false\tbad argument #1 to 'receive' (invalid receive pattern)\n" +
				"false\tbad argument #2 to 'settimeout' (invalid timeout mode)\n" +
				"false\tbad argument #1 to 'shutdown' (invalid option 'sideways')\n" +
				"false\tsocket has no field 'recieve' (did you mean 'receive'?)\n"},
		{"shutdown send makes the peer see the end", `
c:send("bye")
print(c:shutdown("send"))
show(s:receive("*a"))
s:send("still")
show(c:receive(5))`, "1\nbye nil nil\nstill nil nil\n"},
		{"a positive timeout waits that long", `
s:settimeout(0.05)
local t0 = socket.gettime()
show(s:receive(1))
local took = socket.gettime() - t0
print(took >= 0.04, took < 5)
s:settimeout(0.02, "t")
show(s:receive(1))`, "nil timeout \ntrue\ttrue\nnil timeout \n"},
		{"non-blocking accept and connect", `
srv:settimeout(0)
show(srv:accept())
local d = socket.tcp()
d:settimeout(0)
local ok, err = d:connect("127.0.0.1", port)
print(ok == 1 or err == "timeout")
srv:settimeout(2)
local e = srv:accept()
print(tostring(e):match("^tcp{client}") ~= nil)
local _, w = socket.select(nil, {d}, 2)
print(w[1] == d, w[d])
print(d:send("ok"))`, "nil timeout\ntrue\ntrue\ntrue\t1\n2\tnil\tnil\n"},
		{"refused and bad addresses", `
local port2 = port
srv:close()
s:close()
c:close()
local d = socket.tcp()
show(d:connect("127.0.0.1", port2))
print(pcall(d.connect, d, "127.0.0.1", 70000))
print(pcall(d.connect, d, "127.0.0.1"))
local e = socket.tcp()
e:setoption("reuseaddr", true)
show(e:bind("127.0.0.1", port2))
local f = socket.tcp()
f:bind("127.0.0.1", 0)
local _, p = f:getsockname()
f:listen()
local g = socket.tcp()
g:setoption("reuseaddr", false)
show(g:bind("127.0.0.1", p))`, "nil connection refused\n" +
			"false\tbad argument #2 to 'connect' (port in 0-65535 expected, got 70000)\n" +
			"false\tbad argument #2 to 'connect' (string expected, got no value)\n" +
			"1\nnil address already in use\n"},
		{"IPv6 and localhost", `
local v6 = socket.tcp()
if not v6:bind("::1", 0) then print("no ipv6") return end
v6:listen()
local _, p6, fam = v6:getsockname()
local cl = socket.tcp()
print(cl:connect("::1", p6), cl:getfamily(), fam)
local a = socket.connect("localhost", port)
print(a ~= nil)
local b = socket.bind("127.0.0.1", 0)
print(tostring(b):match("^tcp{server}") ~= nil)`, "1\tinet6\tinet6\ntrue\ntrue\n"},
		{"select reports readable sockets and buffered data", `
local r, w, err = socket.select({s}, nil, 0)
print(#r, err)
c:send("a\nb\n")
r = socket.select({s, c}, nil, 2)
print(#r, r[1] == s, r[s])
print(s:receive())
r = socket.select({s}, {}, 0)
print(#r, r[1] == s)`, "0\ttimeout\n1\ttrue\t1\na\tnil\tnil\n1\ttrue\n"},
		{"gettime is the epoch in seconds", `
local t = socket.gettime()
print(t > 1.6e9, t < 4e9, t ~= math.floor(t) or true)`, "true\ttrue\ttrue\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var port string
			res := runReal(t, socketPrelude+tc.code+"\nprint(port)", Config{}, nil)
			if res.err != nil {
				t.Fatalf("error %v\noutput %q", res.err, res.out)
			}
			lines := strings.Split(strings.TrimSuffix(res.out, "\n"), "\n")
			port, out := lines[len(lines)-1], strings.Join(lines[:len(lines)-1], "\n")
			if len(lines) > 1 {
				out += "\n"
			}
			out = luaPosition.ReplaceAllString(out, "")
			want := strings.ReplaceAll(tc.want, "PORT", port)
			if out != want {
				t.Errorf("output:\n%s\nwant:\n%s", out, want)
			}
		})
	}
}

// luaPosition is the "test.lua:N: " an error message starts with.
var luaPosition = regexp.MustCompile(`test\.lua:\d+: `)

// TestSocketWithReactor is the tutorial's twisted-client-1 in small: a
// blocking connect, then a non-blocking socket read by the reactor through
// a table with fileno, do_read and connection_lost.
func TestSocketWithReactor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	poem := strings.Repeat("It was many and many a year ago, in a kingdom by the sea.\n", 2000)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		conn.Write([]byte(poem))
		conn.Close()
	}()
	code := fmt.Sprintf(`
local reactor = require("reactor")
local socket = require("socket")
local protocol = require("protocol")
local sock = socket.tcp()
assert(sock:connect("127.0.0.1", %d))
sock:settimeout(0)
local PoetrySocket = {}
PoetrySocket.__index = PoetrySocket
local p = setmetatable({sock = sock, poem = {}}, PoetrySocket)
function PoetrySocket:fileno() return self.sock:getfd() end
function PoetrySocket:log_prefix() return "poetry" end
function PoetrySocket:do_read()
  while true do
    local data, err, partial = self.sock:receive(1024)
    local got = data or partial
    if got ~= "" then self.poem[#self.poem + 1] = got end
    if err == "closed" then return protocol.CONNECTION_DONE end
    if err == "timeout" then return end
  end
end
function PoetrySocket:connection_lost(reason)
  self.sock:close()
  print("lost", reason.type, #table.concat(self.poem))
  reactor.stop()
end
reactor.add_reader(p)
reactor.call_later(10, reactor.stop)
reactor.run()`, ln.Addr().(*net.TCPAddr).Port)
	for _, poller := range []string{"epoll", "poll", "select"} {
		t.Run(poller, func(t *testing.T) {
			if poller != "epoll" {
				go func() {
					conn, err := ln.Accept()
					if err != nil {
						return
					}
					conn.Write([]byte(poem))
					conn.Close()
				}()
			}
			res := runReal(t, code, Config{Reactor: poller}, nil)
			if want := fmt.Sprintf("lost\tConnectionDone\t%d\n", len(poem)); res.err != nil || res.out != want {
				t.Errorf("output %q, error %v; want %q", res.out, res.err, want)
			}
		})
	}
}

// TestSocketSandbox: every call that makes a socket or names an address
// asks Config.AllowIO, and a refusal is raised naming the function.
func TestSocketSandbox(t *testing.T) {
	refuse := func(q IORequest) error { return errors.New("not allowed in the sandbox (" + string(q.Kind) + ")") }
	tests := []struct{ code, want string }{
		{`socket.tcp()`, "tcp: not allowed in the sandbox (network)"},
		{`socket.tcp6()`, "tcp6: not allowed in the sandbox (network)"},
		{`socket.connect("127.0.0.1", 1)`, "connect: not allowed in the sandbox (network)"},
		{`socket.bind("127.0.0.1", 0)`, "bind: not allowed in the sandbox (network)"},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			res := runReal(t, "local socket = require('socket')\nprint(select(2, pcall(function() "+tc.code+" end)))",
				Config{AllowIO: refuse}, nil)
			if res.err != nil || !strings.HasSuffix(res.out, tc.want+"\n") {
				t.Errorf("output %q, error %v; want %q", res.out, res.err, tc.want)
			}
		})
	}
	// An approver sees each address.
	var seen []string
	approve := func(q IORequest) error {
		seen = append(seen, q.String())
		if q.Function == "connect" {
			return errors.New("refused by policy")
		}
		return nil
	}
	res := runReal(t, `
local socket = require("socket")
local s = socket.tcp()
print(s:bind("127.0.0.1", 0))
print(pcall(s.connect, s, "127.0.0.1", 9))`, Config{AllowIO: approve}, nil)
	if want := "1\nfalse\tconnect: refused by policy\n"; luaPosition.ReplaceAllString(res.out, "") != want {
		t.Errorf("output %q, want %q", res.out, want)
	}
	if got := strings.Join(seen, "; "); got != "tcp (network); bind 127.0.0.1:0 (network); connect 127.0.0.1:9 (network)" {
		t.Errorf("requests: %s", got)
	}
}

// TestSocketStringCap: receive never builds a string past the cap.
func TestSocketStringCap(t *testing.T) {
	res := runReal(t, socketPrelude+`
for i = 1, 30 do c:send(string.rep("x", 100)) end
c:close()
print(pcall(s.receive, s, "*a"))`, Config{Limits: Limits{MaxStringSize: 1000}}, nil)
	if !strings.Contains(luaPosition.ReplaceAllString(res.out, ""), "false\tresulting string too large") {
		t.Errorf("output %q, error %v", res.out, res.err)
	}
}

// TestSocketBlockingInterrupted: a blocking receive gives way to the
// callback time limit instead of holding the loop for ever.
func TestSocketBlockingInterrupted(t *testing.T) {
	start := time.Now()
	res := runReal(t, socketPrelude+`
local reactor = require("reactor")
reactor.call_later(0, function() s:receive() end)
reactor.call_later(0.5, reactor.stop)
reactor.run()
print("done")`, Config{Limits: Limits{MaxCallbackTime: 200 * time.Millisecond}}, nil)
	if res.out != "done\n" || len(res.reports) != 1 || !strings.Contains(res.reports[0].Message, "time limit") {
		t.Errorf("output %q, error %v, reports %q", res.out, res.err, res.reportText())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

// FuzzSocketArgs calls the socket functions and methods with arguments
// drawn from a palette of awkward values: no call may panic in Go.
func FuzzSocketArgs(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	f.Add([]byte{5, 9, 9, 9, 9})
	f.Add([]byte{12, 3, 4, 14, 2, 7})
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzCalls(t, in, `
local socket = require("socket")
local srv = socket.bind("127.0.0.1", 0)
local _, port = srv:getsockname()
local c = socket.connect("127.0.0.1", port)
local s = srv:accept()
c:send("line\r\nmore")
local fresh = socket.tcp()
local closed = socket.tcp() closed:close()
local targets = {socket, c, s, srv, fresh, closed}
local names = {"tcp", "tcp4", "tcp6", "connect", "bind", "gettime", "select",
  "accept", "bind", "close", "connect", "dirty", "fileno", "getfamily", "getfd", "getoption",
  "getpeername", "getsockname", "getstats", "listen", "receive", "send", "setoption",
  "settimeout", "shutdown"}
local values = {nil, true, false, 0, -1, 1, 2.5, 1e300, 0/0, -1/0, "", "*l", "*a", "l", "a",
  "both", "send", "keepalive", "tcp-nodelay", "linger", "reuseaddr", "127.0.0.1", "localhost",
  "::1", "*", "0", "65536", {}, {on = true, timeout = 1}, {c, s}, print, port, c, s,
  setmetatable({}, {__index = function() error("index") end})}
return targets, names, values`)
	})
}

// fuzzCalls runs setup (which returns targets, names and values), then for
// each pair of input bytes calls targets[a].names[b] (as a method on
// userdata) with up to three values picked by the next bytes.
func fuzzCalls(t *testing.T, in []byte, setup string) {
	L := lua.NewState()
	defer L.Close()
	rt := Open(L, Config{OnError: func(*CallbackError) {}, Limits: Limits{MaxStringSize: 1 << 16}})
	defer rt.Close()
	fn, err := L.Load(strings.NewReader(setup), "setup.lua")
	if err != nil {
		t.Fatal(err)
	}
	L.Push(fn)
	if err := L.PCall(0, 3, nil); err != nil {
		t.Fatal(err)
	}
	targets, names, values := L.Get(-3).(*lua.LTable), L.Get(-2).(*lua.LTable), L.Get(-1).(*lua.LTable)
	L.Pop(3)
	pick := func(t *lua.LTable, b byte) lua.LValue {
		n := t.MaxN()
		if n == 0 {
			return lua.LNil
		}
		return t.RawGetInt(int(b)%(n+1) + 0) // index 0 is nil: "no value" and nil both come up
	}
	getter := L.NewFunction(func(L *lua.LState) int {
		L.Push(L.GetField(L.Get(1), lua.LVAsString(L.Get(2))))
		return 1
	})
	for i := 0; i+4 < len(in) && i < 40; i += 5 {
		target := targets.RawGetInt(int(in[i])%targets.MaxN() + 1)
		name := pick(names, in[i+1])
		if name == lua.LNil {
			continue
		}
		// The lookup itself may raise (a strict object's unknown field).
		if err := L.CallByParam(lua.P{Fn: getter, NRet: 1, Protect: true}, target, name); err != nil {
			L.SetTop(0)
			continue
		}
		m := L.Get(-1)
		L.Pop(1)
		if m.Type() != lua.LTFunction {
			continue
		}
		L.Push(m)
		nargs := int(in[i+2]) % 4
		if target.Type() == lua.LTUserData {
			L.Push(target)
		}
		for k := 0; k < nargs; k++ {
			L.Push(pick(values, in[i+3+k%2]))
		}
		if target.Type() == lua.LTUserData {
			nargs++
		}
		// A call that would wait (a blocking receive or accept) gives way
		// to the context, as under a time limit.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		L.SetContext(ctx)
		err := L.PCall(nargs, lua.MultRet, nil)
		L.RemoveContext()
		cancel()
		var apiErr *lua.ApiError
		if errors.As(err, &apiErr) && apiErr.Type == lua.ApiErrorPanic {
			t.Fatalf("Go panic calling %s: %v", lua.LVAsString(name), err)
		}
		L.SetTop(0)
	}
}
