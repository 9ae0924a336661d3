package host

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// limitedRun runs code on a host built from opts, collecting the reported
// callback errors and slow callbacks, and fails the test if it takes longer
// than a generous bound (a time limit that does not work would hang it).
type limitedRun struct {
	stdout, stderr bytes.Buffer
	errs           []*CallbackError
	slow           []SlowCallback
	err            error
	took           time.Duration
}

func runLimited(t *testing.T, opts Options, code string) *limitedRun {
	t.Helper()
	res := &limitedRun{}
	opts.Stdout, opts.Stderr = &res.stdout, &res.stderr
	if opts.OnError == nil {
		opts.OnError = func(e *CallbackError) { res.errs = append(res.errs, e) }
	}
	if opts.OnSlowCallback == nil {
		opts.OnSlowCallback = func(s SlowCallback) { res.slow = append(res.slow, s) }
	}
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		start := time.Now()
		res.err = h.RunString("limits.lua", code)
		res.took = time.Since(start)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the script still runs after 30 s: a time limit did not work")
	}
	return res
}

// busy is Lua that holds the thread for the given number of seconds of
// wall time (os.clock counts processor time, which a loaded machine hands
// out slower than the watchdog's clock runs).
func busy(secs float64) string {
	return fmt.Sprintf("local now = require('reactor').seconds local t0 = now() while now() - t0 < %g do end", secs)
}

// busyCPU is Lua that uses the given number of seconds of processor time:
// at least as long in wall time, and blind to a virtual clock.
func busyCPU(secs float64) string {
	return fmt.Sprintf("local t0 = os.clock() while os.clock() - t0 < %g do end", secs)
}

func TestSlowCallbackWarning(t *testing.T) {
	code := `local reactor = require("reactor")
local function count()
	` + busy(0.1) + `
end
local function quick() end
reactor.call_later(0, count)
reactor.call_later(0, quick)
reactor.call_later(0.01, reactor.stop)
reactor.run()
`
	tests := []struct {
		name     string
		warnSlow time.Duration
		want     bool // count reported
	}{
		{"threshold below", 20 * time.Millisecond, true},
		{"default threshold (0.5 s)", 0, false},
		{"off", -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runLimited(t, Options{WarnSlow: tt.warnSlow}, code)
			if res.err != nil {
				t.Fatal(res.err)
			}
			// Only count is slow by design; on a loaded machine quick may be
			// held up too, so it is not checked.
			var counts []SlowCallback
			for _, s := range res.slow {
				if s.Name == "count" {
					counts = append(counts, s)
				}
			}
			if !tt.want {
				if len(counts) != 0 {
					t.Fatalf("count reported slow: %+v", counts)
				}
				return
			}
			if len(counts) != 1 {
				t.Fatalf("count reported %d times (%+v), want once", len(counts), res.slow)
			}
			if s := counts[0]; s.Defined != "limits.lua:2" || s.Duration < 100*time.Millisecond {
				t.Errorf("slow callback %+v, want count at limits.lua:2 for at least 100ms", s)
			}
		})
	}
}

func TestSlowCallbackWarningText(t *testing.T) {
	var stderr bytes.Buffer
	h, err := New(Options{Stderr: &stderr, WarnSlow: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	err = h.RunString("scripts/slow.lua", `local reactor = require("reactor")
local function count() `+busy(0.1)+` end
reactor.call_later(0, count)
reactor.call_later(0, function() `+busy(0.1)+` end)
reactor.call_later(0.01, reactor.stop)
reactor.run()`)
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^warning: callback count \(scripts/slow\.lua:2\) blocked the reactor for \d+\.\d\d\d s
warning: callback <scripts/slow\.lua:4> blocked the reactor for \d+\.\d\d\d s
$`)
	if !want.MatchString(stderr.String()) {
		t.Errorf("stderr:\n%s\nwant it to match %s", stderr.String(), want)
	}
}

// The warning is about blocking the real thread: on a virtual clock, a
// callback that busy-waits is still slow, and virtual time that jumps an
// hour between callbacks makes none slow.
func TestSlowCallbackRealClock(t *testing.T) {
	res := runLimited(t, Options{WarnSlow: 50 * time.Millisecond, Clock: reactor.NewVirtualClock()},
		`local reactor = require("reactor")
local function spin() `+busyCPU(0.1)+` end
local function later() end
reactor.call_later(0, spin)
reactor.call_later(3600, later)
reactor.call_later(7200, reactor.stop)
reactor.run()`)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.slow) == 0 || res.slow[0].Name != "spin" {
		t.Fatalf("slow callbacks %+v, want spin first", res.slow)
	}
	for _, s := range res.slow {
		if s.Duration > time.Minute {
			t.Errorf("%s reported slow for %v: virtual time was counted", s.Name, s.Duration)
		}
	}
}

// Each runaway callback is interrupted, reported with its name and line and
// "exceeded the time limit", and the loop goes on to the timer after it.
func TestMaxCallbackTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string // the runaway callback's body
	}{
		{"while true", `while true do end`},
		{"repeat", `local n = 0 repeat n = n + 1 until false`},
		{"recursion in a loop", `local function f(n) if n > 100 then return 0 end return f(n + 1) end while true do f(0) end`},
		{"pcall cannot catch it for good", `while true do pcall(function() while true do end end) end`},
		{"xpcall handler loops", `xpcall(function() error("x") end, function() while true do end end) while true do end`},
		{"coroutine.resume", `local co = coroutine.create(function() while true do end end) coroutine.resume(co) while true do end`},
		{"coroutine.wrap", `coroutine.wrap(function() while true do end end)()`},
		{"yielding coroutine", `local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do co() end`},
		{"string building", `local s = "" while true do s = s .. "x" if #s > 1000 then s = "" end end`},
		{"table.sort comparator", `local t = {} for i = 1, 100 do t[i] = i end table.sort(t, function(a, b) while true do end end)`},
		{"gsub callback", `string.gsub("abc", ".", function() while true do end end)`},
		{"metamethod", `local t = setmetatable({}, {__index = function() while true do end end}) local x = t.y`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := `local reactor = require("reactor")
local function runaway()
	` + tt.body + `
end
reactor.call_later(0, runaway)
reactor.call_later(0.001, function() print("the loop goes on") reactor.stop() end)
reactor.run()
`
			res := runLimited(t, Options{MaxCallbackTime: 100 * time.Millisecond, WarnSlow: -1}, code)
			if res.err != nil {
				t.Fatalf("RunString: %v", res.err)
			}
			if res.stdout.String() != "the loop goes on\n" {
				t.Errorf("stdout %q: the loop did not go on", res.stdout.String())
			}
			if len(res.errs) != 1 {
				t.Fatalf("%d errors reported, want 1: %v", len(res.errs), res.errs)
			}
			e := res.errs[0]
			if e.Function != "function 'runaway'" || e.Defined != "limits.lua:2" {
				t.Errorf("reported for %s (%s), want function 'runaway' (limits.lua:2)", e.Function, e.Defined)
			}
			if !strings.Contains(e.Message, "callback exceeded the time limit of 100ms") ||
				!regexp.MustCompile(`^limits\.lua:\d+: `).MatchString(e.Message) {
				t.Errorf("message %q, want FILE:LINE: callback exceeded the time limit of 100ms", e.Message)
			}
			if res.took < 100*time.Millisecond {
				t.Errorf("interrupted after %v, before the limit", res.took)
			}
		})
	}
}

// A callback under the limit is not disturbed, even after one was
// interrupted: the deadline moves with each callback.
func TestMaxCallbackTimeSparesQuickCallbacks(t *testing.T) {
	t.Parallel()
	res := runLimited(t, Options{MaxCallbackTime: time.Second, WarnSlow: -1},
		`local reactor = require("reactor")
local n = 0
local co = coroutine.create(function() while true do `+busy(0.05)+` coroutine.yield() end end)
local function step() `+busy(0.05)+` coroutine.resume(co) n = n + 1 end
reactor.call_later(0, function() while true do end end)
for i = 1, 5 do reactor.call_later(0.01 * i, step) end
reactor.call_later(0.1, function() print(n) reactor.stop() end)
reactor.run()`)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if got := res.stdout.String(); got != "5\n" {
		t.Errorf("stdout %q, want 5 quick callbacks run", got)
	}
	if len(res.errs) != 1 {
		t.Errorf("%d errors, want the runaway one alone: %v", len(res.errs), res.errs)
	}
}

// The main chunk's own code is limited too, but not the time it spends in
// reactor.run(); calling run() again buys no time.
func TestMaxCallbackTimeMainChunk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		code    string
		wantErr string // "" for success
	}{
		{"runaway chunk", `while true do end`, "limits.lua:1: main chunk exceeded the time limit of 500ms"},
		{"run() does not count", busy(0.05) + `
local reactor = require("reactor")
local n = 0
local lc = require("task").looping_call(function() ` + busy(0.02) + ` n = n + 1 if n == 30 then reactor.stop() end end)
lc:start(0, false)
reactor.run()
` + busy(0.05), ""},
		{"run() again buys no time", `local reactor = require("reactor")
reactor.call_when_running(reactor.stop)
reactor.run()
while true do pcall(reactor.run) end`, "main chunk exceeded the time limit of 500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runLimited(t, Options{MaxCallbackTime: 500 * time.Millisecond, WarnSlow: -1}, tt.code)
			if tt.wantErr == "" {
				if res.err != nil {
					t.Fatalf("RunString: %v", res.err)
				}
				return
			}
			var se *ScriptError
			if !errors.As(res.err, &se) || !strings.Contains(se.Message, tt.wantErr) {
				t.Fatalf("RunString: %v, want a ScriptError with %q", res.err, tt.wantErr)
			}
		})
	}
}

// MaxRunTime ends a whole run: the loop stops however it is kept busy or
// idle, and RunString says why.
func TestMaxRunTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		code string
	}{
		{"idle loop", `local r = require("reactor") r.call_later(3600, print) r.run()`},
		{"empty loop", `local r = require("reactor") r.run()`},
		{"busy looping call", `local r = require("reactor") require("task").looping_call(function() end):start(0) r.run()`},
		{"runaway callback", `local r = require("reactor") r.call_later(0, function() while true do end end) r.run()`},
		{"runaway chunk", `while true do end`},
		{"after run", `local r = require("reactor") r.call_when_running(r.stop) r.run() while true do end`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runLimited(t, Options{MaxRunTime: 200 * time.Millisecond, WarnSlow: -1}, tt.code)
			var se *ScriptError
			if !errors.As(res.err, &se) || !strings.Contains(se.Message, "script exceeded its run time limit of 200ms") {
				t.Fatalf("RunString: %v, want the run time limit error", res.err)
			}
			if res.took < 200*time.Millisecond {
				t.Errorf("stopped after %v, before the limit", res.took)
			}
		})
	}
}

// Without a time limit the VM runs without a context (no per-instruction
// check); with one, the context is there while Lua runs and gone after.
func TestContextOnlyWhenLimited(t *testing.T) {
	for _, limited := range []bool{false, true} {
		var opts Options
		if limited {
			opts.MaxCallbackTime = time.Second
		}
		h, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		var seen []bool
		h.LState().SetGlobal("probe", h.LState().NewFunction(func(L *lua.LState) int {
			seen = append(seen, L.Context() != nil)
			return 0
		}))
		err = h.RunString("ctx.lua", `local r = require("reactor") probe() r.call_later(0, function() probe() r.stop() end) r.run()`)
		if err != nil {
			t.Fatal(err)
		}
		after := h.LState().Context() != nil
		h.Close()
		want := []bool{limited, limited}
		if fmt.Sprint(seen) != fmt.Sprint(want) || after {
			t.Errorf("limited=%v: context seen %v (want %v), after the run %v (want false)", limited, seen, want, after)
		}
	}
}

// Lua code run from a Go goroutine through CallFromGoroutine is a callback
// like any other: limited, and reported when it runs away.
func TestCallFromGoroutineIsLimited(t *testing.T) {
	var errs []*CallbackError
	h, err := New(Options{MaxCallbackTime: 100 * time.Millisecond, WarnSlow: -1,
		OnError: func(e *CallbackError) { errs = append(errs, e) }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := h.Install("epoll"); err != nil {
		t.Fatal(err)
	}
	go func() {
		h.CallFromGoroutine(func(L *lua.LState) {
			L.CallByParam(lua.P{Fn: L.GetGlobal("spin"), Protect: false})
		})
		h.CallFromGoroutine(func(L *lua.LState) { L.CallByParam(lua.P{Fn: L.GetGlobal("done")}) })
	}()
	err = h.RunString("posted.lua", `function spin() while true do end end
function done() require("reactor").stop() end
require("reactor").run()`)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "callback exceeded the time limit of 100ms") {
		t.Fatalf("reported %v, want the posted function interrupted", errs)
	}
}
