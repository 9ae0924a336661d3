package luabind

import (
	"errors"
	"testing"
)

// os.exit ends the run wherever it is called: no pcall, xpcall or coroutine
// catches it, no later line runs, no later callback or shutdown trigger
// runs; the run returns the *ExitError, and the Go process goes on.
func TestOSExit(t *testing.T) {
	tests := []struct {
		name, code string
		want       int // the status; -1: no exit
		out        string
	}{
		{"no argument", `os.exit()`, 0, ""},
		{"number", `os.exit(3)`, 3, ""},
		{"fraction truncated", `os.exit(2.9)`, 2, ""},
		{"numeric string", `os.exit("4")`, 4, ""},
		{"true", `os.exit(true)`, 0, ""},
		{"false", `os.exit(false)`, 1, ""},
		{"through pcall", `print(pcall(os.exit, true)) print("not here")`, 0, ""},
		{"inside pcall", `pcall(function() os.exit(5) end) print("not here")`, 5, ""},
		{"xpcall's handler does not run", `xpcall(function() os.exit(6) end, function(m) print("handler", m) end)`, 6, ""},
		{"in a coroutine", `print(coroutine.resume(coroutine.create(function() os.exit(7) end))) print("no")`, 7, ""},
		{"in a wrapped coroutine", `print(pcall(coroutine.wrap(function() os.exit(8) end))) print("no")`, 8, ""},
		{"in a callback", `local reactor = require("reactor")
reactor.add_system_event_trigger("before", "shutdown", print, "shutdown trigger")
reactor.call_later(1, function() print("cb") os.exit(9) print("no") end)
reactor.call_later(1, print, "same time: not run")
reactor.call_later(2, print, "later: not run")
reactor.run()
print("after run: not run")`, 9, "cb\n"},
		{"in a callback run inline", `local clock = require("task").clock()
clock:call_later(1, os.exit, 10)
print(pcall(clock.advance, clock, 2)) print("no")`, 10, ""},
		{"in a looping call started now", `local lc = require("task").looping_call(os.exit, 11)
print(pcall(lc.start, lc, 1)) print("no")`, 11, ""},
		{"in __tostring of an error", `local reactor = require("reactor")
reactor.call_later(0, function() error(setmetatable({}, {__tostring = function() os.exit(12) end})) end)
reactor.call_later(0, print, "not run")
reactor.run()`, 12, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runLua(t, tt.code)
			var exit *ExitError
			if !errors.As(res.err, &exit) {
				t.Fatalf("error %v, want an ExitError; output %q", res.err, res.out)
			}
			if exit.Code != tt.want || res.out != tt.out || len(res.reports) != 0 {
				t.Fatalf("status %d, output %q, %d reports; want %d and %q and none:\n%s",
					exit.Code, res.out, len(res.reports), tt.want, tt.out, res.reportText())
			}
		})
	}
}

func TestOSExitBadArgument(t *testing.T) {
	for _, code := range []string{`os.exit("x")`, `os.exit({})`} {
		res := runLua(t, code)
		var exit *ExitError
		if errors.As(res.err, &exit) || res.err == nil {
			t.Fatalf("%s: error %v, want a bad argument", code, res.err)
		}
		if got := res.err.Error(); got != "test.lua:1: bad argument #1 to 'exit' (number expected, got "+map[bool]string{true: "string", false: "table"}[code[8] == '"']+")" {
			t.Errorf("%s: %q", code, got)
		}
	}
}
