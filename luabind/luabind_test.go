package luabind

import (
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/loopscript/loopscript/internal/luastate"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// result is what a chunk did: what it printed, the callback errors reported,
// and the error of the chunk itself.
type result struct {
	out     string
	reports []*CallbackError
	err     error
}

func (r result) reportText() string {
	var b strings.Builder
	for _, e := range r.reports {
		b.WriteString(e.Report())
	}
	return b.String()
}

// testState is a fresh state as a host makes one (Lua 5.1's call depth,
// and room on the value stack to reach it), with luabind opened with cfg
// and print writing to out: cfg.Stdout itself when it is a
// *strings.Builder, so that print and io.write interleave in order. Both
// are closed when the test ends.
func testState(t testing.TB, cfg Config) (L *lua.LState, rt *Runtime, out *strings.Builder) {
	t.Helper()
	L = lua.NewState(lua.Options{CallStackSize: 20000, RegistryMaxSize: 1 << 20, RegistryGrowStep: 1 << 14})
	t.Cleanup(L.Close)
	rt = Open(L, cfg)
	t.Cleanup(func() { rt.Close() })
	out, _ = cfg.Stdout.(*strings.Builder)
	if out == nil {
		out = &strings.Builder{}
	}
	L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int {
		parts := make([]string, L.GetTop())
		for i := range parts {
			parts[i] = ToString(L, L.Get(i+1))
		}
		out.WriteString(strings.Join(parts, "\t") + "\n")
		return 0
	}))
	return L, rt, out
}

// countWatched is count(v) for test chunks: how many of the reactor's
// readers and writers stand for the Lua value v (see io_objects.go).
func countWatched(rt *Runtime) lua.LGFunction {
	return func(L *lua.LState) int {
		r, _ := rt.Reactor()
		n := 0
		for _, rd := range r.Readers() {
			if rt.ioObject(rd) == L.Get(1) {
				n++
			}
		}
		for _, wr := range r.Writers() {
			if rt.ioObject(wr) == L.Get(1) {
				n++
			}
		}
		L.Push(lua.LNumber(n))
		return 1
	}
}

// runLua runs code as "test.lua" on a fresh state whose reactor uses a
// virtual clock, so timers fire at once and exactly on time.
func runLua(t *testing.T, code string) result {
	t.Helper()
	var res result
	L, rt, out := testState(t, Config{
		Clock:   reactor.NewVirtualClock(),
		OnError: func(e *CallbackError) { res.reports = append(res.reports, e) },
	})
	fn, err := L.Load(strings.NewReader(code), "test.lua")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	res.err = rt.PCall(fn)
	res.out = out.String()
	return res
}

func TestScriptsOnVirtualTime(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"countdown", `
local reactor = require("reactor")
local counter = 3
local function count()
  if counter == 0 then reactor.stop() return end
  print(counter .. " ...", reactor.seconds())
  counter = counter - 1
  reactor.call_later(1, count)
end
reactor.call_when_running(count)
print("Start!")
reactor.run()
print("Stop!", reactor.seconds())`, "Start!\n3 ...\t0\n2 ...\t1\n1 ...\t2\nStop!\t3\n"},
		{"equal times run in scheduling order", `
local reactor = require("reactor")
for i = 1, 5 do reactor.call_later(0.5, print, i) end
reactor.call_later(0.5, reactor.stop)
reactor.run()`, "1\n2\n3\n4\n5\n"},
		{"earlier timers first", `
local reactor = require("reactor")
reactor.call_later(0.3, print, "c")
reactor.call_later(0.1, print, "a")
reactor.call_later(0.2, print, "b")
reactor.call_later(0.4, reactor.stop)
reactor.run()`, "a\nb\nc\n"},
		{"extra arguments reach the callback", `
local reactor = require("reactor")
reactor.call_when_running(print, "x", 2, nil, true)
reactor.call_later(0, function(...) print(select("#", ...), ...) reactor.stop() end, 1, nil)
reactor.run()`, "x\t2\tnil\ttrue\n2\t1\tnil\n"},
		{"callable table", `
local reactor = require("reactor")
local obj = setmetatable({}, {__call = function(self, a) print("called", a) reactor.stop() end})
reactor.call_later(0.1, obj, 42)
reactor.run()`, "called\t42\n"},
		{"zero delay waits for the next iteration", `
local reactor = require("reactor")
reactor.call_later(0, function()
  reactor.call_later(0, print, "second")
  print("first")
end)
reactor.call_later(0, print, "also first")
reactor.call_later(0.001, reactor.stop)
reactor.run()`, "first\nalso first\nsecond\n"},
		{"stop lets the iteration finish", `
local reactor = require("reactor")
reactor.call_when_running(function() print("one") reactor.stop() end)
reactor.call_when_running(print, "two")
reactor.call_later(0, print, "due timer")
reactor.add_system_event_trigger("before", "shutdown", print, "shutting down")
reactor.run()
print("after run")`, "one\ntwo\ndue timer\nshutting down\nafter run\n"},
		{"running is live", `
local reactor = require("reactor")
print(reactor.running)
reactor.call_when_running(function() print(reactor.running) reactor.stop() end)
reactor.add_system_event_trigger("after", "shutdown", function() print(reactor.running) end)
reactor.run()
print(reactor.running)`, "false\ntrue\nfalse\nfalse\n"},
		{"call_when_running while running calls at once", `
local reactor = require("reactor")
reactor.call_when_running(function()
  reactor.call_when_running(print, "inner")
  print("outer")
  reactor.stop()
end)
reactor.run()`, "inner\nouter\n"},
		{"delayed call methods", `
local reactor = require("reactor")
local dc = reactor.call_later(1, print, "fired")
print(dc:active(), dc:get_time())
dc:delay(2)
print(dc:get_time())
dc:reset(0.5)
print(dc:get_time())
local gone = reactor.call_later(0.1, print, "never")
gone:cancel()
print(gone:active())
reactor.call_later(1, reactor.stop)
reactor.run()
print(dc:active())`, "true\t1\n3\n0.5\nfalse\nfired\nfalse\n"},
		{"triggers by phase", `
local reactor = require("reactor")
reactor.add_system_event_trigger("after", "startup", print, "after startup")
reactor.add_system_event_trigger("during", "startup", print, "during startup")
reactor.add_system_event_trigger("before", "startup", print, "before startup")
local id = reactor.add_system_event_trigger("before", "shutdown", print, "removed")
reactor.remove_system_event_trigger(id)
reactor.add_system_event_trigger("after", "shutdown", print, "after shutdown")
reactor.call_when_running(reactor.stop)
reactor.run()`, "before startup\nduring startup\nafter startup\nafter shutdown\n"},
		{"looping call", `
local reactor = require("reactor")
local task = require("task")
local n = 0
local lc
lc = task.looping_call(function(tag)
  n = n + 1
  print(tag, n, reactor.seconds(), lc and lc.running)
  if n == 3 then lc:stop() reactor.stop() end
end, "tick")
print(lc.running, lc.interval)
print(lc:start(0.5) == lc, lc.running, lc.interval)
reactor.run()
print(lc.running)`, "false\tnil\ntick\t1\t0\ttrue\ntrue\ttrue\t0.5\ntick\t2\t0.5\ttrue\ntick\t3\t1\ttrue\nfalse\n"},
		{"looping call without now, then restarted", `
local reactor = require("reactor")
local task = require("task")
local lc = task.looping_call(function() print("tick", reactor.seconds()) end)
lc:start(1, nil)
lc:stop()
lc:start(1, false)
reactor.call_later(2.5, function() lc:stop() lc:start(1) end)
reactor.call_later(4, reactor.stop)
reactor.run()`, "tick\t0\ntick\t1\ntick\t2\ntick\t2.5\ntick\t3.5\n"},
		{"looping call with count", `
local reactor = require("reactor")
local task = require("task")
local lc = task.looping_call_with_count(function(count) print(count, reactor.seconds()) end)
lc:start(0.25)
reactor.call_later(0.6, reactor.stop)
reactor.run()`, "1\t0\n1\t0.25\n1\t0.5\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runLua(t, tt.code)
			if res.err != nil {
				t.Fatalf("error: %v\n%s", res.err, res.err.(*CallbackError).Traceback)
			}
			if len(res.reports) > 0 {
				t.Errorf("unexpected reports:\n%s", res.reportText())
			}
			if res.out != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", res.out, tt.want)
			}
		})
	}
}

func TestErrorsRaisedToTheCaller(t *testing.T) {
	tests := []struct{ code, want string }{
		{`require("reactor").call_later("1", print)`, "test.lua:1: bad argument #1 to 'call_later' (number expected, got string)"},
		{`require("reactor").call_later()`, "bad argument #1 to 'call_later' (number expected, got no value)"},
		{`require("reactor").call_later(-1, print)`, "bad argument #1 to 'call_later' (non-negative number expected, got -1)"},
		{`require("reactor").call_later(0/0, print)`, "bad argument #1 to 'call_later' (finite number expected, got nan)"},
		{`require("reactor").call_later(1/0, print)`, "bad argument #1 to 'call_later' (finite number expected, got inf)"},
		{`require("reactor").call_later(1)`, "bad argument #2 to 'call_later' (function expected, got no value)"},
		{`require("reactor").call_later(1, 5)`, "bad argument #2 to 'call_later' (function expected, got number)"},
		{`require("reactor").call_later(1, {})`, "bad argument #2 to 'call_later' (function expected, got table)"},
		{`require("reactor").call_when_running("x")`, "bad argument #1 to 'call_when_running' (function expected, got string)"},
		{`require("reactor").add_system_event_trigger("soon", "startup", print)`, "bad argument #1 to 'add_system_event_trigger' (unknown phase \"soon\" (want before, during or after))"},
		{`require("reactor").add_system_event_trigger("before", "lunch", print)`, "bad argument #2 to 'add_system_event_trigger' (unknown event \"lunch\" (want startup or shutdown))"},
		{`require("reactor").remove_system_event_trigger(99)`, "unknown trigger 99"},
		{`require("reactor").stop()`, "test.lua:1: reactor not running"},
		{`local r = require("reactor") r.call_when_running(r.stop) r.run() r.run()`, "reactor not restartable"},
		{`require("reactor") require("pollreactor").install()`, "reactor already installed"},
		{`require("selectreactor").install() require("pollreactor").install()`, "reactor already installed"},
		{`local dc = require("reactor").call_later(1, print) dc:cancel() dc:cancel()`, "already cancelled"},
		{`local dc = require("reactor").call_later(1, print) dc:reset("soon")`, "bad argument #1 to 'reset' (number expected, got string)"},
		{`local dc = require("reactor").call_later(1, print) dc.active(5)`, "bad argument #1 to 'active' (DelayedCall expected, got number; use dc:active, not dc.active)"},
		{`local lc = require("task").looping_call(print) lc:start(1) lc:start(1)`, "already running"},
		{`require("task").looping_call(print):stop()`, "not running"},
		{`require("task").looping_call(print):start(-2)`, "bad argument #1 to 'start' (non-negative number expected, got -2)"},
		{`require("task").looping_call(nil)`, "bad argument #1 to 'looping_call' (function expected, got nil)"},
		{`require("task").clock():pump({1, 0/0})`, "bad argument #1 to 'pump' (step 2: non-negative finite number expected, got nan)"},
		{`require("task").clock():pump({1/0})`, "bad argument #1 to 'pump' (step 1: non-negative finite number expected, got inf)"},
		{`require("task").clock():pump({-1/0})`, "bad argument #1 to 'pump' (step 1: non-negative finite number expected, got -inf)"},
		{`require("task").clock():pump({-2})`, "bad argument #1 to 'pump' (step 1: non-negative finite number expected, got -2)"},
		{`require("task").clock():pump({1, "2"})`, "bad argument #1 to 'pump' (step 2: non-negative finite number expected, got string)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			res := runLua(t, tt.code)
			if res.err == nil || !strings.Contains(res.err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", res.err, tt.want)
			}
		})
	}
}

func TestInstallChoosesThePoller(t *testing.T) {
	for _, kind := range reactor.PollerNames {
		res := runLua(t, `require("`+kind+`reactor").install() print(require("reactor").name)`)
		if res.err != nil || res.out != kind+"\n" {
			t.Errorf("%s: output %q, error %v", kind, res.out, res.err)
		}
	}
}

func TestCallbackErrorsAreReportedAndSurvived(t *testing.T) {
	res := runLua(t, `local reactor = require("reactor")
local function falldown()
  error("I fall down.")
end
function upagain()
  print("But I get up again.")
  reactor.stop()
end
reactor.call_when_running(falldown)
reactor.call_when_running(upagain)
reactor.run()`)
	if res.err != nil || res.out != "But I get up again.\n" {
		t.Fatalf("output %q, error %v", res.out, res.err)
	}
	if len(res.reports) != 1 {
		t.Fatalf("%d reports, want 1", len(res.reports))
	}
	want := `Unhandled error in function 'falldown' (test.lua:2):
test.lua:3: I fall down.
stack traceback:
	[C]: in function 'error'
	test.lua:3: in function 'falldown'
	[C]: in function 'run'
	test.lua:11: in main chunk
`
	if got := res.reports[0].Report(); got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
}

func TestErrorValuesAndNames(t *testing.T) {
	tests := []struct {
		name, code       string
		header, message  string
		tracebackContain string
		out              string // what the script printed
	}{
		{"anonymous function", `reactor.call_later(0, function() error("x", 0) end)`,
			"Unhandled error in function <test.lua:3>:", "x", "in function <test.lua:3>", ""},
		{"global function", `function boom() local t = nil; return t.field end
reactor.call_later(0, boom)`,
			"Unhandled error in function 'boom' (test.lua:3):", "test.lua:3: attempt to index local 't' (a nil value)", "in function 'boom'", ""},
		{"table error value", `reactor.call_later(0, function() error({}) end)`,
			"", "(error object is a table value)", "", ""},
		{"__tostring error value", `reactor.call_later(0, function() error(setmetatable({}, {__tostring = function() return "custom" end})) end)`,
			"", "custom", "", ""},
		{"failing __tostring", `reactor.call_later(0, function() error(setmetatable({}, {__tostring = function() error("again") end})) end)`,
			"", "(error object is a table value)", "", ""},
		{"nil error value", `reactor.call_later(0, function() error(nil) end)`,
			"", "(error object is a nil value)", "", ""},
		{"number error value", `reactor.call_later(0, function() error(42) end)`,
			"", "42", "", ""},
		{"fractional number error value", `reactor.call_later(0, function() error(1/3) end)`,
			"", "0.33333333333333", "", ""},
		{"callable table", `reactor.call_later(0, setmetatable({}, {__call = function() error("tbl", 0) end}))`,
			"Unhandled error in callable table (test.lua:3):", "tbl", "", ""},
		{"looping call stops on error", `local lc = task.looping_call(function() error("loop", 0) end)
lc:start(1)
reactor.call_later(2.5, function() print(lc.running) end)`,
			"Unhandled error in function <test.lua:3>:", "loop", "", "false\n"},
		{"full value stack", `local function deep(n, ...) if n == 0 then return 0 end return 1 + deep(n - 1, ...) end
reactor.call_later(0, function() return deep(200, unpack({}, 1, 7000)) end)`,
			"Unhandled error in function <test.lua:4>:", "registry overflow", "in function 'deep'", ""},
		{"stack overflow", `local function f() return 1 + f() end
reactor.call_later(0, f)`,
			"Unhandled error in function 'f' (test.lua:3):", "stack overflow", "in function 'f'", ""},
		{"run from a callback", `reactor.call_later(0, reactor.run)`,
			"Unhandled error in function 'reactor.run'", "reactor already running", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runLua(t, "local reactor = require('reactor')\nlocal task = require('task')\n"+tt.code+
				"\nreactor.call_later(3, reactor.stop)\nreactor.run()")
			if res.err != nil {
				t.Fatalf("chunk failed: %v", res.err)
			}
			if len(res.reports) != 1 {
				t.Fatalf("%d reports, want 1:\n%s", len(res.reports), res.reportText())
			}
			e := res.reports[0]
			report := e.Report()
			if !strings.HasPrefix(report, tt.header) {
				t.Errorf("report starts:\n%s\nwant %q", report, tt.header)
			}
			if !strings.HasSuffix(e.Message, tt.message) {
				t.Errorf("message %q, want it to end with %q", e.Message, tt.message)
			}
			if !strings.Contains(e.Traceback, tt.tracebackContain) {
				t.Errorf("traceback:\n%s\nwant it to contain %q", e.Traceback, tt.tracebackContain)
			}
			if res.out != tt.out {
				t.Errorf("output %q, want %q", res.out, tt.out)
			}
		})
	}
}

func TestLoopingCallStoppedByErrorLeavesReactorRunning(t *testing.T) {
	res := runLua(t, `local reactor = require("reactor")
local lc = require("task").looping_call(function() error("loop", 0) end)
lc:start(1)
reactor.call_later(2.5, function() print("still here", lc.running) reactor.stop() end)
reactor.run()`)
	if res.err != nil || res.out != "still here\tfalse\n" || len(res.reports) != 1 {
		t.Fatalf("output %q, error %v, %d reports", res.out, res.err, len(res.reports))
	}
}

func TestCancelInsideItsOwnCallback(t *testing.T) {
	res := runLua(t, `local reactor = require("reactor")
local dc
dc = reactor.call_later(0, function() print(pcall(dc.cancel, dc)) print(dc:active()) reactor.stop() end)
print(tostring(dc):match("^DelayedCall%(active") ~= nil)
reactor.run()
print(tostring(dc))`)
	want := "true\nfalse\ttest.lua:3: already called\nfalse\nDelayedCall(called, time=0.000000)\n"
	if res.err != nil || res.out != want {
		t.Fatalf("output %q, error %v; want %q", res.out, res.err, want)
	}
}

func TestDeepTracebackIsShortened(t *testing.T) {
	res := runLua(t, `local reactor = require("reactor")
local function dive(n) if n == 0 then error("bottom") end dive(n - 1) end
reactor.call_later(0, dive, 50)
reactor.call_later(0, reactor.stop)
reactor.run()`)
	if len(res.reports) != 1 {
		t.Fatalf("%d reports", len(res.reports))
	}
	lines := strings.Split(res.reports[0].Traceback, "\n")
	if len(lines) != tracebackHead+tracebackTail+2 || !strings.Contains(res.reports[0].Traceback, "\t...") {
		t.Errorf("traceback has %d lines:\n%s", len(lines), res.reports[0].Traceback)
	}
}

func TestDebugTracebackFromACallback(t *testing.T) {
	res := runLua(t, `local reactor = require("reactor")
local function stack()
  print(debug.traceback("The Lua stack:"))
  reactor.stop()
end
reactor.call_when_running(stack)
reactor.run()
print(debug.traceback({}) == nil, type(debug.traceback(nil)))`)
	want := `The Lua stack:
stack traceback:
	test.lua:3: in function 'stack'
	[C]: in function 'run'
	test.lua:7: in main chunk
false	nil
`
	if res.err != nil || res.out != want {
		t.Fatalf("output:\n%s\nerror %v; want:\n%s", res.out, res.err, want)
	}
}

// Upvalues across caught errors behave as in Lua 5.1 (see protect.go): a
// local shared by a closure stays shared after an error is caught, and a
// closure made in a frame the error ended keeps that frame's values.
func TestUpvaluesSurviveCaughtErrors(t *testing.T) {
	tests := []struct {
		name, code, want string
		reports          int
	}{
		{"main chunk and callbacks", `local reactor = require("reactor")
local x, n = nil, 0
local f = function() local ok, err = pcall(error, "e", 0) x = err end
f()
reactor.call_later(0, function()
  pcall(error, "a")
  xpcall(function() error("b") end, function(m) return m end)
  n = n + 1
  reactor.stop()
end)
reactor.call_later(0, function() error("reported") end)
reactor.run()
print(x, n)`, "e\t1\n", 1},
		// Reporting an error object calls its __tostring under protection.
		{"after reporting an error object", `local task = require("task")
local lc = task.looping_call(function()
  error(setmetatable({}, {__tostring = function() return "object" end}))
end)
lc:start(1)
local x
local f = function() pcall(error, "e") x = 1 end
f()
print(x)`, "1\n", 1},
		// The flag belongs to each Lua thread: a coroutine has its own.
		{"in a coroutine", `local out
local co = coroutine.create(function()
  local x
  local f = function() pcall(error, "e") x = 1 end
  f()
  out = x
end)
assert(coroutine.resume(co))
print(out)`, "1\n", 0},
		{"in a wrapped coroutine", `local out
local co = coroutine.wrap(function()
  local x
  local f = function() pcall(error, "e") x = 1 end
  coroutine.yield()
  f()
  out = x
end)
co()
co()
print(out)`, "1\n", 0},
		// Closures made in a coroutine that died of an error keep the
		// values they saw.
		{"out of a coroutine that failed", `local g, h
local co = coroutine.create(function()
  local y = 5
  g = function() return y end
  error("x")
end)
print(coroutine.resume(co))
local w = coroutine.wrap(function()
  local z = 7
  h = function() return z end
  error("w")
end)
print(pcall(w))
local a, b, c, d, e = 1, 2, 3, 4, 5
print(g(), h())`, "false\ttest.lua:5: x\nfalse\ttest.lua:11: w\n5\t7\n", 0},
		// Closures made in the frames an error ends keep the values those
		// frames had, wherever the error is caught (lua5.1's output).
		{"issue example: pcall then reused slots", `local reactor = require("reactor")
local function connect(name)
  local greeting = "hello " .. name
  reactor.call_later(0.1, function() print("callback sees:", greeting) reactor.stop() end)
  error("validation failed after scheduling")
end
print(pcall(connect, "alice"))
local function unrelated() local t = {1, 2, 3}; local s = "zzz"; return #t end
unrelated()
reactor.run()`, "false\ttest.lua:5: validation failed after scheduling\ncallback sees:\thello alice\n", 0},
		{"closures share the closed upvalue", `local get, set
local function f()
  local v = 1
  get = function() return v end
  set = function(x) v = x end
  error("e")
end
pcall(f)
local a, b, c = 7, 8, 9
set(42)
print(get(), a, b, c)`, "42\t7\t8\t9\n", 0},
		{"xpcall's handler sees the live frame", `local get
local ok, msg = xpcall(function()
  local v = "kept"
  get = function() return v end
  error("e")
end, function(m) return "handled: " .. m end)
local x, y, z = 1, 2, 3
print(ok, msg, get())`, "false\thandled: test.lua:5: e\tkept\n", 0},
		{"frames below the pcall keep sharing", `local x
local get = function() return x end
local function f() pcall(error, "e"); x = "set after the pcall" end
f()
print(x, get())`, "set after the pcall\tset after the pcall\n", 0},
		{"callback that fails after scheduling", `local reactor = require("reactor")
reactor.call_later(0, function()
  local v = "from the failed callback"
  reactor.call_later(1, function() print(v) end)
  error("fails")
end)
reactor.call_later(0.5, function() local p, q, r = 1, 2, 3 end)
reactor.call_later(2, reactor.stop)
reactor.run()`, "from the failed callback\n", 1},
		{"coroutine that dies of an error", `local f
local co = coroutine.create(function() local x = 42; f = function() return x end; error("boom") end)
print(coroutine.resume(co))
print(f())`, "false\ttest.lua:2: boom\n42\n", 0},
		{"coroutine that dies of an error in Go code", `local g
local co = coroutine.create(function() local y = 7; g = function() return y end; local t = nil; return t.x end)
print((coroutine.resume(co)))
print(g())`, "false\n7\n", 0},
		{"pcall inside a coroutine", `local h
local co = coroutine.create(function()
  local outer = "outer"
  pcall(function() local inner = "inner"; h = function() return inner, outer end; error("e") end)
  outer = "changed"
  coroutine.yield()
end)
coroutine.resume(co)
local a, b, c = 1, 2, 3
print(h())`, "inner\tchanged\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runLua(t, tt.code)
			if res.err != nil || res.out != tt.want || len(res.reports) != tt.reports {
				t.Fatalf("output %q, error %v, %d reports; want %q and %d reports:\n%s",
					res.out, res.err, len(res.reports), tt.want, tt.reports, res.reportText())
			}
		})
	}
	if err := luastate.Supported(); err != nil {
		t.Fatal(err)
	}
}

func TestClockLoopingCalls(t *testing.T) {
	res := runLua(t, `local clock = require("task").clock()
local lc = clock:looping_call(print, "tick", 2)
lc:start(1)
clock:advance(1)
local counted = clock:looping_call_with_count(function(...) print("count", clock:seconds(), ...) end)
counted:start(1, false)
clock:advance(3)
lc:stop()
counted:stop()
print(clock:pending(), pcall(clock.looping_call, clock, 5))`)
	want := "tick\t2\ntick\t2\ntick\t2\ncount\t4\t3\n" +
		"0\tfalse\ttest.lua:10: bad argument #1 to 'looping_call' (function expected, got number)\n"
	if res.err != nil || res.out != want || len(res.reports) != 0 {
		t.Fatalf("output %q, error %v, %d reports; want %q", res.out, res.err, len(res.reports), want)
	}
}

// The labels of callbacks in messages, pinned: describe, shortName and the
// texts built from them.
func TestCallbackLabels(t *testing.T) {
	res := runLua(t, `local reactor = require("reactor")
local function show(dc) print((tostring(dc):gsub("^DelayedCall%(active, time=1.000000%)", ""))) end
function named() end
show(reactor.call_later(1, named))
show(reactor.call_later(1, function() end))
show(reactor.call_later(1, setmetatable({}, {__call = function() end})))
show(reactor.call_later(1, print))
show(reactor.call_later(1, setmetatable({}, {__call = print})))`)
	want := ": function 'named' (test.lua:3)\n: function <test.lua:5>\n: callable table (test.lua:6)\n" +
		": function 'print'\n: callable table\n"
	if res.err != nil || res.out != want {
		t.Fatalf("output %q, error %v; want %q", res.out, res.err, want)
	}
	for _, tt := range []struct {
		slow SlowCallback
		want string
	}{
		{SlowCallback{Name: "count", Defined: "x.lua:9"}, "count (x.lua:9)"},
		{SlowCallback{Name: "?", Defined: "x.lua:4"}, "<x.lua:4>"},
		{SlowCallback{Name: "callable table", Defined: "x.lua:2"}, "callable table (x.lua:2)"},
		{SlowCallback{Name: "print"}, "print"},
		{SlowCallback{Name: "?"}, "?"},
	} {
		tt.slow.Duration = 1500 * time.Millisecond
		want := "warning: callback " + tt.want + " blocked the reactor for 1.500 s\n"
		if got := tt.slow.Warning(); got != want {
			t.Errorf("%+v: %q, want %q", tt.slow, got, want)
		}
	}
	for _, tt := range []struct{ e, want string }{
		{(&CallbackError{Function: "function 'f'", Defined: "x.lua:1", Message: "m"}).Report(), "Unhandled error in function 'f' (x.lua:1):\nm\n"},
		{(&CallbackError{Function: "function <x.lua:1>", Defined: "x.lua:1", Message: "m"}).Report(), "Unhandled error in function <x.lua:1>:\nm\n"},
		{(&CallbackError{Function: "Go callback", Message: "m"}).Report(), "Unhandled error in Go callback:\nm\n"},
	} {
		if tt.e != tt.want {
			t.Errorf("report %q, want %q", tt.e, tt.want)
		}
	}
}

// table.concat takes nil for any of its optional arguments, as if absent.
func TestTableConcatNilArguments(t *testing.T) {
	res := runLua(t, `local t = {1, 2, 3}
print(table.concat(t, nil), table.concat(t, nil, 2), table.concat(t, "-", nil, 2), table.concat(t, "-", 2, nil))`)
	if want := "123\t23\t1-2\t2-3\n"; res.err != nil || res.out != want {
		t.Fatalf("output %q, error %v; want %q", res.out, res.err, want)
	}
}

// luaCall is sized to a Go size class (see its comment): a field added
// must not push every timer into the next class, 16 bytes larger.
func TestLuaCallSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the size is planned for 64-bit platforms")
	}
	if size := unsafe.Sizeof(luaCall{}); size != 112 {
		t.Errorf("luaCall is %d bytes, want 112", size)
	}
}
