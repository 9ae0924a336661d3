package luabind

import (
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
			want: `[   0.000] running ?  trace.lua:7
[   0.000] looping ?  trace.lua:5
[   0.250] looping ?  trace.lua:5
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
