package luabind

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// tracedRun runs code as "trace.lua" on a virtual clock with tracing on, and
// returns the trace, with each error report marked by one "ERROR message"
// line at the point it happened.
func tracedRun(t *testing.T, code string) string {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	var trace strings.Builder
	rt := Open(L, Config{
		Clock: reactor.NewVirtualClock(),
		Trace: &trace,
		OnError: func(e *CallbackError) {
			trace.WriteString("ERROR " + e.Message + "\n")
		},
	})
	defer rt.Close()
	fn, err := L.Load(strings.NewReader(code), "trace.lua")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := rt.PCall(fn); err != nil {
		t.Fatalf("run: %v", err)
	}
	return trace.String()
}

func TestTraceLinesForEveryKindOfCallback(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{
			name: "call_later and call_when_running, named by their local",
			code: `local reactor = require("reactor")
local n = 0
local function count()
  n = n + 1
  if n == 3 then reactor.stop() else reactor.call_later(1.5, count) end
end
reactor.call_when_running(count)
reactor.run()`,
			want: `[   0.000] running count  trace.lua:3
[   1.500] later   count  trace.lua:3
[   3.000] later   count  trace.lua:3
`,
		},
		{
			name: "looping calls, triggers, anonymous functions and callable tables",
			code: `local reactor = require("reactor")
local task = require("task")
local function tick(k) if k == 2 then reactor.stop() end end
local k = 0
local lc = task.looping_call(function() k = k + 1; tick(k) end)
reactor.add_system_event_trigger("before", "shutdown", setmetatable({}, {__call = function() end}))
reactor.call_when_running(function() lc:start(0.25) end)
reactor.run()`,
			want: `[   0.000] running function <trace.lua:7>
[   0.000] looping function <trace.lua:5>
[   0.250] looping function <trace.lua:5>
[   0.250] trigger callable table  trace.lua:6
`,
		},
		{
			name: "a global function, and a callback that fails after its line",
			code: `local reactor = require("reactor")
function fail() error("boom") end
reactor.call_later(2, fail)
reactor.call_later(2, reactor.stop)
reactor.run()`,
			want: `[   2.000] later   fail  trace.lua:2
ERROR trace.lua:2: boom
[   2.000] later   reactor.stop
`,
		},
		{
			// scripts/three-counters.lua: once start_counter has returned, no
			// live local holds count; it names itself through its upvalue.
			name: "a local function nested in one that returned, rescheduling itself",
			code: `local reactor = require("reactor")
local function start_counter(n)
  local function count()
    n = n - 1
    if n == 0 then reactor.stop() else reactor.call_later(1, count) end
  end
  reactor.call_when_running(count)
end
start_counter(2)
reactor.run()`,
			want: `[   0.000] running count  trace.lua:3
[   1.000] later   count  trace.lua:3
`,
		},
		{
			name: "nested functions named where they were defined: local, field, global, upvalue",
			code: `local reactor = require("reactor")
local handlers = {}
local later
local function setup()
  local function tick() end
  reactor.call_later(1, tick)
  function handlers.on_field() end
  reactor.call_later(2, handlers.on_field)
  handlers.other = function() end
  reactor.call_later(3, handlers.other)
  function made_global() end
  reactor.call_later(4, made_global)
  made_global = nil
  later = function() reactor.stop() end
  reactor.call_later(5, later)
  reactor.call_later(5, function() end)
end
setup()
later = nil
reactor.run()`,
			want: `[   1.000] later   tick  trace.lua:5
[   2.000] later   on_field  trace.lua:7
[   3.000] later   other  trace.lua:9
[   4.000] later   made_global  trace.lua:11
[   5.000] later   later  trace.lua:14
[   5.000] later   function <trace.lua:16>
`,
		},
		{
			name: "calls run by task.clock show the reactor's time",
			code: `local task = require("task")
local clock = task.clock()
local function on_clock() end
clock:call_later(5, on_clock)
clock:advance(5)`,
			want: "[   0.000] later   on_clock  trace.lua:3\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tracedRun(t, tt.code)
			if got != tt.want {
				t.Errorf("trace:\n%s\nwant:\n%s", got, tt.want)
			}
			if again := tracedRun(t, tt.code); again != got {
				t.Errorf("second run traced differently:\n%s\nfirst:\n%s", again, got)
			}
		})
	}
}

// An error in a local function nested in one that has returned is reported
// under the name the source gave it, in the header and in the traceback.
func TestReportNamesNestedLocalFunctions(t *testing.T) {
	res := runLua(t, `local reactor = require("reactor")
local function start()
  local function count() error("boom") end
  reactor.call_later(1, count)
end
start()
reactor.call_later(2, reactor.stop)
reactor.run()`)
	want := `Unhandled error in function 'count' (test.lua:3):
test.lua:3: boom
stack traceback:
	[C]: in function 'error'
	test.lua:3: in function 'count'
	[C]: in function 'run'
	test.lua:8: in main chunk
`
	if res.err != nil || res.reportText() != want {
		t.Fatalf("error %v, reports:\n%s\nwant:\n%s", res.err, res.reportText(), want)
	}
}

// Functions without a name that C calls (table.sort's comparator, xpcall's
// function) read in tracebacks as in lua5.1: "function <FILE:LINE>".
func TestTracebackOfNamelessFunctionsMatchesLua51(t *testing.T) {
	lua51, err := exec.LookPath("lua5.1")
	if err != nil {
		t.Skip("lua5.1 is not installed: no reference to compare with")
	}
	code := `local seen
local t = {2, 1}
table.sort(t, function(a, b) seen = seen or debug.traceback("sort") return a < b end)
print(seen)
print(select(2, xpcall(function() error("x") end, debug.traceback)))
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "test.lua"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(lua51, "test.lua")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("lua5.1: %v\n%s", err, out)
	}
	// lua5.1's last frame is the C program that runs the chunk.
	want := strings.ReplaceAll(string(out), "\n\t[C]: ?", "")
	res := runLua(t, code)
	if res.err != nil || res.out != want {
		t.Fatalf("error %v, output:\n%s\nlua5.1:\n%s", res.err, res.out, want)
	}
}
