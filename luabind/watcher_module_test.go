package luabind

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// runReal runs code as "test.lua" on the real clock, bounded by a run time
// limit so that a test that goes wrong fails instead of hanging. setup may
// add globals before the chunk runs.
func runReal(t *testing.T, code string, cfg Config, setup func(rt *Runtime)) result {
	t.Helper()
	var res result
	cfg.OnError = func(e *CallbackError) { res.reports = append(res.reports, e) }
	if cfg.Limits.MaxRunTime == 0 {
		cfg.Limits.MaxRunTime = 20 * time.Second
	}
	L, rt, out := testState(t, cfg)
	if setup != nil {
		setup(rt)
	}
	fn, err := L.Load(strings.NewReader(code), "test.lua")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	res.err = rt.RunChunk(fn)
	res.out = out.String()
	return res
}

// pipeGlobals gives a chunk a socket pair: A and B (descriptor numbers),
// send(fd, s), shut(fd) (shutdown for writing) and close_fd(fd).
func pipeGlobals(t *testing.T) func(rt *Runtime) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
	}
	open := map[int]bool{fds[0]: true, fds[1]: true}
	t.Cleanup(func() {
		for fd := range open {
			unix.Close(fd)
		}
	})
	return func(rt *Runtime) {
		L := rt.L
		L.SetGlobal("A", lua.LNumber(fds[0]))
		L.SetGlobal("B", lua.LNumber(fds[1]))
		L.SetGlobal("send", L.NewFunction(func(L *lua.LState) int {
			_, err := unix.Write(L.CheckInt(1), []byte(L.CheckString(2)))
			if err != nil {
				L.RaiseError("send: %v", err)
			}
			return 0
		}))
		L.SetGlobal("shut", L.NewFunction(func(L *lua.LState) int {
			unix.Shutdown(L.CheckInt(1), unix.SHUT_WR)
			return 0
		}))
		L.SetGlobal("drain", L.NewFunction(func(L *lua.LState) int {
			var buf [4096]byte
			n, err := unix.Read(L.CheckInt(1), buf[:])
			switch {
			case err != nil:
				L.Push(lua.LNil)
			default:
				L.Push(lua.LString(buf[:n]))
			}
			return 1
		}))
		L.SetGlobal("close_fd", L.NewFunction(func(L *lua.LState) int {
			fd := L.CheckInt(1)
			delete(open, fd)
			unix.Close(fd)
			return 0
		}))
	}
}

// watcherPrelude is a reader class for the tests: fileno gives self.fd,
// do_read drains and prints, or returns self.result, or runs self.hook.
const watcherPrelude = `
local reactor = require("reactor")
local protocol = require("protocol")
local errors = require("errors")
local R = {}
R.__index = R
function R.new(fd, fields)
  local r = setmetatable({fd = fd, reads = 0}, R)
  for k, v in pairs(fields or {}) do r[k] = v end
  return r
end
function R:fileno() return self.fd end
function R:do_read()
  self.reads = self.reads + 1
  if self.hook then return self:hook() end
  local data = drain(self.fd)
  if data then print("read", data) end
  return self.result
end
function R:connection_lost(reason)
  print("lost", reason.type, tostring(reason.value), reason:check("ConnectionLost") ~= nil,
    #reactor.get_readers(), #reactor.get_writers())
  if self.after_lost then self:after_lost() end
  if not self.keep_running then reactor.stop() end
end
reactor.call_later(10, reactor.stop)
`

func TestWatchers(t *testing.T) {
	tests := []struct {
		name    string
		code    string
		want    string
		reports []string // substrings, one per report
		poller  string
	}{
		{"do_read then CONNECTION_DONE", `
local r = R.new(A, {hook = function(self)
  local data = drain(self.fd)
  if data then print("read", data) end
  if self.reads == 2 then return protocol.CONNECTION_DONE end
end})
reactor.add_reader(r)
print(#reactor.get_readers(), reactor.get_readers()[1] == r, #reactor.get_writers())
send(B, "hello")
reactor.call_later(0.05, send, B, "again")
reactor.run()
print(#reactor.get_readers())`,
			"1\ttrue\t0\nread\thello\nread\tagain\n" +
				"lost\tConnectionDone\tConnection was closed cleanly.\tfalse\t0\t0\n0\n", nil, ""},
		{"CONNECTION_LOST is made afresh", `
local r = R.new(A, {result = protocol.CONNECTION_LOST})
reactor.add_reader(r)
send(B, "x")
reactor.run()`,
			"read\tx\nlost\tConnectionLost\tConnection to the other side was lost in a non-clean fashion.\ttrue\t0\t0\n", nil, ""},
		{"an instance of ConnectionDone with a message is normalised", `
local r = R.new(A, {result = errors.ConnectionDone("mine")})
reactor.add_reader(r)
send(B, "x")
reactor.run()`,
			"read\tx\nlost\tConnectionDone\tConnection was closed cleanly.\tfalse\t0\t0\n", nil, ""},
		{"any other reason is passed as it is", `
local r = R.new(A, {result = errors.ConnectionAborted()})
reactor.add_reader(r)
send(B, "x")
reactor.run()`,
			"read\tx\nlost\tConnectionAborted\tConnection was aborted locally using ITCPTransport.abortConnection.\ttrue\t0\t0\n", nil, ""},
		{"a plain value is the reason as it is", `
local s = R.new(A, {result = "enough"})
reactor.add_reader(s)
send(B, "y")
reactor.run()`,
			"read\ty\nlost\tstring\tenough\tfalse\t0\t0\n", nil, ""},
		{"false and nil are no reason", `
local r = R.new(A, {hook = function(self)
  drain(self.fd)
  if self.reads == 1 then return false end
  return protocol.CONNECTION_DONE
end})
reactor.add_reader(r)
send(B, "x")
reactor.call_later(0.05, send, B, "y")
reactor.run()
print(r.reads)`,
			"lost\tConnectionDone\tConnection was closed cleanly.\tfalse\t0\t0\n2\n", nil, ""},
		{"an error in do_read is reported once and is the reason", `
local r = R.new(A, {hook = function(self) error("boom") end})
function r:do_write() end
reactor.add_reader(r)
reactor.add_writer(r)
send(B, "x")
reactor.run()
print(r.reads)`,
			"lost\tstring\ttest.lua:@2: boom\tfalse\t0\t0\n1\n", []string{"test.lua:@2: boom"}, ""},
		{"log_prefix names the object in the report", `
local r = R.new(A, {hook = function(self) error("boom") end})
function r:log_prefix() return "PoetrySocket" end
reactor.add_reader(r)
send(B, "x")
reactor.run()`,
			"lost\tstring\ttest.lua:@2: boom\tfalse\t0\t0\n", []string{"[PoetrySocket] function 'do_read'"}, ""},
		{"fileno -1 at the event: ConnectionFdescWentAway", `
local r = R.new(A, {hook = function(self) print("never") end})
reactor.add_reader(r)
send(B, "x")
r.fd = -1
reactor.run()`,
			"lost\tConnectionFdescWentAway\tUh: File descriptor lost.\ttrue\t0\t0\n", nil, ""},
		{"a descriptor closed behind the reactor: ConnectionLost (poll)", `
local r = R.new(A, {hook = function(self) print("never") end})
reactor.add_reader(r)
close_fd(A)
reactor.run()`,
			"lost\tConnectionFdescWentAway\tUh: File descriptor lost.\ttrue\t0\t0\n", nil, "poll"},
		{"a descriptor closed behind the reactor: ConnectionLost (select)", `
local r = R.new(A, {hook = function(self) print("never") end})
reactor.add_reader(r)
close_fd(A)
reactor.run()`,
			"lost\tConnectionLost\treactor: fd FD was closed while watched: reactor: select wait on", nil, "select"},
		{"do_read that removes itself and returns a reason still gets connection_lost", `
local r = R.new(A, {hook = function(self)
  reactor.remove_reader(self)
  return protocol.CONNECTION_DONE
end})
reactor.add_reader(r)
send(B, "x")
reactor.run()`,
			"lost\tConnectionDone\tConnection was closed cleanly.\tfalse\t0\t0\n", nil, ""},
		{"reader and writer at once are one descriptor", `
local r = R.new(A, {keep_running = true})
local writes = 0
function r:do_write()
  writes = writes + 1
  if writes < 3 then return end
  reactor.remove_writer(self)
  reactor.call_later(0.01, function()
    print(writes, #reactor.get_readers(), #reactor.get_writers())
    local all = reactor.remove_all()
    print(#all, all[1] == r, #reactor.get_readers())
    reactor.stop()
  end)
end
reactor.add_reader(r)
reactor.add_writer(r)
reactor.add_writer(r)
print(#reactor.get_readers(), #reactor.get_writers(), reactor.get_writers()[1] == r)
reactor.run()`,
			"1\t1\ttrue\n3\t1\t0\n1\ttrue\t0\n", nil, ""},
		{"remove_reader stops the events; removing again does nothing", `
local r = R.new(A, {hook = function(self)
  drain(self.fd)
  reactor.remove_reader(self)
  reactor.remove_reader(self)
  reactor.call_later(0.05, reactor.stop)
end})
reactor.add_reader(r)
send(B, "x")
reactor.call_later(0.01, send, B, "y")
reactor.run()
print(r.reads, #reactor.get_readers())`,
			"1\t0\n", nil, ""},
		{"stopping the reactor tells the objects still watched", `
local r = R.new(A, {keep_running = true})
reactor.add_reader(r)
reactor.call_later(0.01, reactor.stop)
reactor.run()
print("after run")`,
			"lost\tConnectionLost\tConnection to the other side was lost in a non-clean fashion: Connection lost.\ttrue\t0\t0\nafter run\n", nil, ""},
		{"a replaced reader on the same descriptor is forgotten", `
local r = R.new(A, {keep_running = true})
local s = R.new(A, {keep_running = true})
reactor.add_reader(r)
reactor.add_reader(s)
local list = reactor.get_readers()
print(#list, list[1] == s)
reactor.remove_reader(r)
print(#reactor.get_readers())
reactor.remove_reader(s)
print(#reactor.get_readers())`,
			"1\ttrue\n1\n0\n", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setup := pipeGlobals(t)
			var fdA int
			res := runReal(t, watcherPrelude+tc.code, Config{Reactor: tc.poller}, func(rt *Runtime) {
				setup(rt)
				fdA = int(rt.L.GetGlobal("A").(lua.LNumber))
			})
			if res.err != nil {
				t.Fatalf("error: %v\noutput: %s", res.err, res.out)
			}
			want := strings.ReplaceAll(tc.want, "FD", itoa(fdA))
			prelude := strings.Count(watcherPrelude, "\n")
			want = atLine.ReplaceAllStringFunc(want, func(m string) string {
				n, _ := strconv.Atoi(m[1:])
				return strconv.Itoa(prelude + n)
			})
			for i, r := range tc.reports {
				tc.reports[i] = atLine.ReplaceAllStringFunc(r, func(m string) string {
					n, _ := strconv.Atoi(m[1:])
					return strconv.Itoa(prelude + n)
				})
			}
			if tc.poller == "select" {
				if !strings.HasPrefix(res.out, want) {
					t.Fatalf("output %q, want prefix %q", res.out, want)
				}
			} else if res.out != want {
				t.Errorf("output:\n%s\nwant:\n%s", res.out, want)
			}
			if len(res.reports) != len(tc.reports) {
				t.Fatalf("reports: %q, want %d", res.reportText(), len(tc.reports))
			}
			for i, r := range tc.reports {
				if got := res.reports[i].Report(); !strings.Contains(got, r) {
					t.Errorf("report %d: %q, want it to contain %q", i, got, r)
				}
			}
		})
	}
}

// atLine is @N in a wanted text: line N of the test's own code, after
// the prelude.
var atLine = regexp.MustCompile(`@\d+`)

func itoa(n int) string { return lua.LNumber(n).String() }

func TestWatcherArgumentErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`reactor.add_reader()`, "bad argument #1 to 'add_reader' (table expected, got no value)"},
		{`reactor.add_reader(nil)`, "bad argument #1 to 'add_reader' (table expected, got nil)"},
		{`reactor.remove_writer(5)`, "bad argument #1 to 'remove_writer' (table expected, got number)"},
		{`reactor:add_reader({})`, "bad argument #1 to 'add_reader' (object with a fileno method expected, got table; " +
			"use reactor.add_reader, not reactor:add_reader)"},
		{`reactor.add_reader({})`, "bad argument #1 to 'add_reader' (object with a fileno method expected, got table)"},
		{`reactor.add_reader({fileno = function() return A end})`,
			"bad argument #1 to 'add_reader' (object with a do_read method expected, got table)"},
		{`reactor.add_writer({fileno = function() return A end, do_read = print})`,
			"bad argument #1 to 'add_writer' (object with a do_write method expected, got table)"},
		{`reactor.add_reader({fileno = function() return "3" end, do_read = print})`,
			"bad argument #1 to 'add_reader' (fileno() returned a string, number expected)"},
		{`reactor.add_reader({fileno = function() return -1 end, do_read = print})`,
			"bad argument #1 to 'add_reader' (fileno() returned -1, an open descriptor expected)"},
		{`reactor.add_reader({fileno = function() return 1.5 end, do_read = print})`,
			"bad argument #1 to 'add_reader' (fileno() returned 1.5, an open descriptor expected)"},
		{`reactor.add_reader({fileno = function() error("no fd") end, do_read = print})`, "no fd"},
		{`reactor.add_reader(require("socket").tcp())`,
			"bad argument #1 to 'add_reader' (object with a do_read method expected, got tcp{master}; " +
				"wrap it in a table with fileno, do_read and connection_lost)"},
		{`reactor.add_reader({fileno = function() return 99999 end, do_read = print})`, "add_reader: "},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			setup := pipeGlobals(t)
			code := "local reactor = require('reactor')\nlocal ok, err = pcall(function()\n" + tc.code + "\nend)\nprint(err)"
			res := runReal(t, code, Config{}, setup)
			if res.err != nil {
				t.Fatal(res.err)
			}
			got := strings.TrimSuffix(res.out, "\n")
			got = strings.Replace(got, "test.lua:3: ", "", 1)
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSocketCloseDropsWatch: closing a socket the reactor watches takes it
// out of the reactor at once (epoll would otherwise watch nothing for ever)
// and tells the object on the next turn, unless the script removed it.
func TestSocketCloseDropsWatch(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"close while watched", `
local r = R.new(nil, {hook = function(self) print("never") end})
r.sock = socket.tcp()
function r:fileno() return self.sock:getfd() end
reactor.add_reader(r)
r.sock:close()
print(#reactor.get_readers())
reactor.run()`, "1\nlost\tConnectionFdescWentAway\tUh: File descriptor lost.\ttrue\t0\t0\n"},
		{"close then remove_reader in the same callback", `
local r = R.new(nil, {hook = function(self) print("never") end})
r.sock = socket.tcp()
function r:fileno() return self.sock:getfd() end
reactor.add_reader(r)
r.sock:close()
reactor.remove_reader(r)
reactor.call_later(0.05, function() print("no loss", #reactor.get_readers()) reactor.stop() end)
reactor.run()`, "no loss\t0\n"},
	}
	for _, tc := range tests {
		for _, poller := range []string{"epoll", "poll", "select"} {
			t.Run(tc.name+"/"+poller, func(t *testing.T) {
				res := runReal(t, watcherPrelude+"local socket = require('socket')\n"+tc.code, Config{Reactor: poller}, pipeGlobals(t))
				if res.err != nil || res.out != tc.want {
					t.Errorf("output %q, error %v; want %q", res.out, res.err, tc.want)
				}
			})
		}
	}
}

// FuzzWatcherArgs calls the watcher functions with arguments drawn from a
// palette of awkward objects: no call may panic in Go.
func FuzzWatcherArgs(f *testing.F) {
	f.Add([]byte{0, 0, 1, 5, 6})
	f.Add([]byte{0, 1, 1, 7, 7, 0, 5, 0, 0, 0})
	f.Add([]byte{0, 6, 1, 9, 9})
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzCalls(t, in, `
local reactor = require("reactor")
local socket = require("socket")
local sock = socket.tcp()
local targets = {reactor}
local names = {"add_reader", "remove_reader", "add_writer", "remove_writer",
  "get_readers", "get_writers", "remove_all"}
local noop = function() end
local values = {nil, true, 0, -1, "x", {}, sock, print, reactor,
  {fileno = function() return 0 end, do_read = noop, do_write = noop},
  {fileno = function() return -1 end, do_read = noop, do_write = noop},
  {fileno = function() return 1e300 end, do_read = noop},
  {fileno = function() return 0/0 end, do_read = noop},
  {fileno = function() return "1" end, do_read = noop},
  {fileno = function() error({}) end, do_read = noop},
  {fileno = function() return sock:getfd() end, do_read = noop, do_write = noop},
  {fileno = 5, do_read = noop},
  setmetatable({}, {__index = function(t, k) error("no " .. k) end}),
  setmetatable({}, {__index = function(t, k) return function() return 1 end end})}
return targets, names, values`)
	})
}
