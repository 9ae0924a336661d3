package host

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Whatever a script does, it ends in a clean Lua error (or a report of one)
// and the process goes on: these are the corners where gopher-lua, left
// alone, panics, exhausts memory, overflows the Go stack or deadlocks.

// scriptCase is a chunk and what it must do: print want, or fail with a
// ScriptError containing wantErr.
type scriptCase struct {
	name    string
	code    string
	want    string
	wantErr string
}

func runScriptCases(t *testing.T, opts Options, cases []scriptCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			res := runLimited(t, opts, tt.code)
			var se *ScriptError
			switch {
			case tt.wantErr == "" && res.err != nil:
				t.Fatalf("error %v", res.err)
			case tt.wantErr != "" && (!errors.As(res.err, &se) || !strings.Contains(se.Message, tt.wantErr)):
				t.Fatalf("error %v, want a ScriptError containing %q", res.err, tt.wantErr)
			}
			if se != nil && internalError(se.Message) {
				t.Errorf("internal error: %s", se.Message)
			}
			if got := res.stdout.String(); got != tt.want {
				t.Errorf("stdout %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHugeStrings(t *testing.T) {
	t.Parallel()
	runScriptCases(t, Options{}, []scriptCase{
		{"rep huge count", `return string.rep("x", 1e10)`, "", "limits.lua:1: resulting string too large"},
		{"rep as method", `return ("abc"):rep(2^40)`, "", "resulting string too large"},
		{"rep count inf", `return ("abc"):rep(1/0)`, "", "resulting string too large"},
		{"rep still works", `print(("ab"):rep(3), ("x"):rep(0), ("x"):rep(-1), ("x"):rep("2"), ("x"):rep(2.9))`, "ababab\t\t\txx\txx\n", ""},
		{"rep bad count", `return ("x"):rep("many")`, "", "bad argument #1 to 'rep' (number expected, got string)"},
		{"format width", `return string.format("%99999999d", 1)`, "", "invalid format (width or precision too long)"},
		{"format precision", `return string.format("%.100f", 1)`, "", "invalid format (width or precision too long)"},
		{"format flags", `return string.format("%------d", 1)`, "", "invalid format (repeated flags)"},
		{"format Go verb", `return string.format("%v", 1)`, "", "invalid option '%v' to 'format'"},
		{"format Go star", `return string.format("%*d", 1e9, 1)`, "", "invalid option '%*' to 'format'"},
		{"format Go index", `return string.format("%[2]d", 1, 2)`, "", "invalid option '%[' to 'format'"},
		{"format missing", `return string.format("%d %d", 1)`, "", "bad argument #3 to 'format' (no value)"},
		{"format still works", `print(string.format("%5.2f|%-3d|%x|%s|%%|%q", 3.14159, 7, 255, "s", "a"), string.format("%d", 1, 2))`,
			" 3.14|7  |ff|s|%|\"a\"\t1\n", ""},
		{"concat works", `print(table.concat({1, 2, "c"}, ","), table.concat({1, 2, 3}, "-", 2), table.concat({}, "x"), table.concat({1, 2, 3}, "", 2, 3))`,
			"1,2,c\t2-3\t\t23\n", ""},
		{"concat invalid value", `return table.concat({1, {}, 3})`, "", "invalid value (table) at index 2 in table for 'concat'"},
		{"concat a long table", `local t = {} for i = 1, 2e6 do t[i] = "" end print(#table.concat(t))`, "0\n", ""},
	})
	// With a lower cap, results built from many pieces are caught too.
	runScriptCases(t, Options{MaxStringSize: 1 << 20}, []scriptCase{
		{"format huge args", `local s = ("x"):rep(2^19) return string.format("%s%s%s", s, s, s)`, "", "resulting string too large"},
		{"concat huge", `local s = ("x"):rep(2^19) return table.concat({s, s, s})`, "", "resulting string too large"},
		{"concat many", `local t = {} for i = 1, 2^17 do t[i] = "abcdefgh" end return table.concat(t, ",")`, "", "resulting string too large"},
		{"rep at the cap", `print(#("x"):rep(2^20), pcall(string.rep, "x", 2^20 + 1))`, "1048576\tfalse\tlimits.lua:1: resulting string too large\n", ""},
	})
}

func TestHugeTablesAndStacks(t *testing.T) {
	t.Parallel()
	// The limit only catches a hang: a million tables take 3 s under the
	// race detector alone, more beside the other parallel tests.
	runScriptCases(t, Options{MaxCallbackTime: 60 * time.Second}, []scriptCase{
		{"deep recursion", `local function f(n) return 1 + f(n + 1) end f(1)`, "", "stack overflow"},
		{"recursion through metamethods", `local t = setmetatable({}, {}) getmetatable(t).__index = function(t, k) return t[k] end return t.x`, "", "stack overflow"},
		{"recursion through pcall", `local n = 0 local function f() n = n + 1 pcall(f) end f() print(n > 10)`, "true\n", ""},
		{"recursion through __tostring", `local t = setmetatable({}, {}) getmetatable(t).__tostring = function(s) return tostring(s) end return tostring(t)`, "", "stack overflow"},
		{"unpack many", `local t = {} for i = 1, 7999 do t[i] = i end print(select("#", unpack(t)))`, "7999\n", ""},
		{"unpack past Lua 5.1's C stack", `local t = {} for i = 1, 2e5 do t[i] = i end print(select("#", unpack(t)))`, "", "too many results to unpack"},
		{"unpack too many", `return unpack({}, 1, 1e8)`, "", "too many results to unpack"},
		{"huge table", `local t = {} for i = 1, 1e6 do t[i] = {i} end print(#t)`, "1000000\n", ""},
		{"deeply nested code", `print(loadstring("return " .. string.rep("not ", 2e4) .. "1"))`, "nil\t[string \"return not not not not not not not not not not not not not not ...\"]:1: chunk has too many syntax levels\n", ""},
		{"deeply nested data", `print(loadstring("return " .. string.rep("{", 2e4) .. string.rep("}", 2e4)))`,
			"nil\t[string \"return {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{...\"]:1: chunk has too many syntax levels\n", ""},
		{"nested code within the limit", `print(loadstring("return " .. string.rep("- ", 190) .. "1")())`, "1\n", ""},
	})
}

// Error values that are not strings reach the report as text, never as a
// crash; a __tostring that fails or loops is not called twice.
func TestNonStringErrors(t *testing.T) {
	tests := []struct {
		name  string
		raise string
		want  string // the reported message
	}{
		{"table", `error({})`, "(error object is a table value)"},
		{"table with __tostring", `error(setmetatable({}, {__tostring = function() return "custom" end}))`, "custom"},
		{"__tostring errors", `error(setmetatable({}, {__tostring = function() error("again") end}))`, "(error object is a table value)"},
		{"__tostring returns a table", `error(setmetatable({}, {__tostring = function() return {} end}))`, "(error object is a table value)"},
		{"__tostring loops", `error(setmetatable({}, {__tostring = function() while true do end end}))`, "(error object is a table value)"},
		{"nil", `error(nil)`, "(error object is a nil value)"},
		{"no value", `error()`, "(error object is a nil value)"},
		{"number", `error(42)`, "42"},
		{"boolean", `error(false)`, "(error object is a boolean value)"},
		{"userdata", `error(newproxy())`, "(error object is a userdata value)"},
		{"userdata with __tostring", `error(reactor.call_later(10, print))`, ": function 'print'"},
		{"function", `error(print)`, "(error object is a function value)"},
		{"coroutine", `error(coroutine.create(function() end))`, "(error object is a thread value)"},
		{"error in the message handler", `xpcall(function() error("first") end, function(m) error("second") end) error("after xpcall")`, "after xpcall"},
		{"error level out of range", `error("far", 1e9)`, "far"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runLimited(t, Options{MaxCallbackTime: 500 * time.Millisecond, WarnSlow: -1}, `reactor = require("reactor")
reactor.call_later(0, function() `+tt.raise+` end)
reactor.call_later(0.001, function() print("next") reactor.stop() end)
reactor.run()`)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if res.stdout.String() != "next\n" {
				t.Errorf("stdout %q: the loop did not go on", res.stdout.String())
			}
			if len(res.errs) != 1 {
				t.Fatalf("%d errors reported, want 1", len(res.errs))
			}
			if msg := res.errs[0].Message; !strings.HasSuffix(msg, tt.want) {
				t.Errorf("message %q, want it to end with %q", msg, tt.want)
			}
		})
	}
}

// gopher-lua has no __gc: a finalizer that would raise is never called, so
// nothing is reported and nothing breaks.
func TestGCMetamethodNeverRuns(t *testing.T) {
	res := runLimited(t, Options{}, `local r = require("reactor")
for i = 1, 1000 do setmetatable({}, {__gc = function() error("from __gc") end}) end
collectgarbage("collect")
r.call_later(0, function() collectgarbage("collect") print("collected") r.stop() end)
r.run()`)
	if res.err != nil || res.stdout.String() != "collected\n" || len(res.errs) != 0 {
		t.Errorf("err %v, stdout %q, %d errors reported; want a quiet run", res.err, res.stdout.String(), len(res.errs))
	}
}

func TestCoroutines(t *testing.T) {
	const boundary = "attempt to yield across metamethod/C-call boundary"
	runScriptCases(t, Options{}, []scriptCase{
		// pcall is yieldable inside coroutines, as in Lua 5.2 and later.
		{"yield across pcall", `local co = coroutine.create(function() return pcall(function() coroutine.yield() end) end)
local ok, pok, msg = coroutine.resume(co)
print(ok, pok, msg)
print(coroutine.resume(co))
print(coroutine.resume(co))`, "true\tnil\tnil\ntrue\ttrue\nfalse\tcannot resume dead coroutine\n", ""},
		{"pcall(coroutine.yield)", `local co = coroutine.wrap(function() print(pcall(coroutine.yield, 1)) return "end" end) print(co()) print(co("a"))`,
			"1\ntrue\ta\nend\n", ""},
		{"yield in a sort comparator under pcall", `local co = coroutine.wrap(function() print(pcall(table.sort, {3, 2, 1}, function(a, b) coroutine.yield() return a < b end)) end) co()`,
			"false\t" + boundary + "\n", ""},
		{"yield in a sort comparator", `local co = coroutine.wrap(function() table.sort({3, 2, 1}, function(a, b) coroutine.yield() return a < b end) end) co()`, "", boundary},
		{"yield in a metamethod", `local t = setmetatable({}, {__index = function() coroutine.yield() end}) coroutine.wrap(function() return t.x end)()`, "", boundary},
		{"yield in gsub", `coroutine.wrap(function() string.gsub("a", ".", function() coroutine.yield() end) end)()`, "", boundary},
		{"yield in a callback run inline", `local r = require("reactor")
r.call_when_running(function()
	local co = coroutine.create(function() r.call_when_running(function() coroutine.yield() end) end)
	print(coroutine.resume(co))
	r.stop()
end)
r.run()`, "false\t" + boundary + "\n", ""},
		{"yield from the main thread", `coroutine.yield()`, "", "attempt to yield across metamethod/C-call boundary"},
		{"generators still work", `local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end) print(gen(), gen(), gen())`, "1\t2\t3\n", ""},
		{"nested coroutines still work", `local outer = coroutine.wrap(function()
	local inner = coroutine.wrap(function() coroutine.yield("a") coroutine.yield("b") end)
	coroutine.yield(inner() .. inner())
end) print(outer())`, "ab\n", ""},
		{"resuming a normal coroutine", `local co1, co2
co1 = coroutine.create(function() print(coroutine.resume(co2)) end)
co2 = coroutine.create(function() print(coroutine.status(co1)) print(coroutine.resume(co1)) end)
coroutine.resume(co1)`, "normal\nfalse\tcannot resume normal coroutine\ntrue\n", ""},
		{"resuming a running coroutine", `local co co = coroutine.create(function() return coroutine.resume(co) end) print(coroutine.resume(co))`,
			"true\tfalse\tcannot resume running coroutine\n", ""},
		{"wrap of a non-function", `coroutine.wrap(1)`, "", "bad argument #1 to 'wrap' (Lua function expected)"},
		{"create of a Go function", `coroutine.create(print)`, "", "bad argument #1 to 'create' (Lua function expected)"},
		{"resume of a non-coroutine", `coroutine.resume({})`, "", "bad argument #1 to 'resume' (coroutine expected)"},
		{"reactor.run inside a coroutine", `local r = require("reactor")
r.call_later(0, function() print(pcall(coroutine.yield)) r.stop() end)
local co = coroutine.create(function() r.run() end)
print(coroutine.resume(co))`, "false\tattempt to yield across metamethod/C-call boundary\ntrue\n", ""},
	})
}

func TestLibraryCorners(t *testing.T) {
	runScriptCases(t, Options{}, []scriptCase{
		{"random(0)", `math.random(0)`, "", "bad argument #1 to 'random' (interval is empty)"},
		{"random(2, 1)", `math.random(2, 1)`, "", "bad argument #2 to 'random' (interval is empty)"},
		{"random extremes", `local x = math.random(-2^63, 2^63) local y = math.random(5, 5) print(y, x == x)`, "5\ttrue\n", ""},
		{"random in range", `for i = 1, 1000 do local x = math.random(3) assert(x >= 1 and x <= 3 and x % 1 == 0) end print("ok")`, "ok\n", ""},
		{"randomseed repeats", `math.randomseed(42) local a = math.random(1e6) math.randomseed(42) print(a == math.random(1e6))`, "true\n", ""},
		{"no channel library", `print(channel, package.loaded.channel)`, "nil\tnil\n", ""},
		{"stop from a before-shutdown trigger", `local r = require("reactor")
r.add_system_event_trigger("before", "shutdown", function() print(pcall(r.stop)) end)
r.call_when_running(r.stop) r.run()`, "false\tlimits.lua:2: reactor not running\n", ""},
		{"run from triggers", `local r = require("reactor")
r.add_system_event_trigger("during", "startup", function() print(pcall(r.run)) end)
r.add_system_event_trigger("after", "shutdown", function() print(pcall(r.run)) end)
r.call_when_running(r.stop) r.run() print(pcall(r.run))`,
			"false\tlimits.lua:2: reactor already running\nfalse\tlimits.lua:3: reactor already running\nfalse\tlimits.lua:4: reactor not restartable\n", ""},
		{"dofile and loadfile", `print(loadfile("/nonexistent.lua")) print(pcall(dofile, "/nonexistent.lua"))`,
			"nil\tcannot open /nonexistent.lua: No such file or directory\nfalse\tcannot open /nonexistent.lua: No such file or directory\n", ""},
		{"load with a reader", `local parts = {"return ", "1 + ", "1"} local i = 0 print(load(function() i = i + 1 return parts[i] end)())`, "2\n", ""},
		{"require a missing module", `require("no.such.module")`, "", "module 'no.such.module' not found"},
	})
}

// A callback's error stays a report however it fails, and errors raised by
// triggers during startup and shutdown do not stop the reactor.
func TestTriggerErrorsAreReported(t *testing.T) {
	res := runLimited(t, Options{}, `local r = require("reactor")
r.add_system_event_trigger("before", "startup", function() error("startup") end)
r.add_system_event_trigger("before", "shutdown", function() r.run() end)
r.add_system_event_trigger("after", "shutdown", function() r.stop() end)
r.call_when_running(function() print("running") r.stop() end)
r.run()
print("done")`)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.stdout.String() != "running\ndone\n" {
		t.Errorf("stdout %q", res.stdout.String())
	}
	var msgs []string
	for _, e := range res.errs {
		msgs = append(msgs, e.Message)
	}
	want := []string{"limits.lua:2: startup", "limits.lua:3: reactor already running", "limits.lua:4: reactor not running"}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("reported:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}
