package host

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// The fuzz targets check loopscript's promise that no script, however odd,
// gets past a clean Lua error: no Go panic, no hang, no internal error.
// Their seeds run with go test; go test -fuzz explores further, and the
// inputs it found crashing are kept under testdata/fuzz as regressions.

// fuzzLimits keep each fuzz input short: a sandbox (the fuzzer must not
// delete files or exit the process), tight time limits, a virtual clock so
// timers cost nothing.
func fuzzHost(t *testing.T, errs *[]*CallbackError) *Host {
	h, err := New(Options{
		Stdout:          io.Discard,
		Stderr:          io.Discard,
		Clock:           reactor.NewVirtualClock(),
		OnError:         func(e *CallbackError) { *errs = append(*errs, e) },
		WarnSlow:        -1,
		MaxCallbackTime: 20 * time.Millisecond,
		MaxRunTime:      60 * time.Millisecond,
		MaxStringSize:   1 << 20,
		Sandbox:         &Sandbox{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// internalError reports whether msg betrays a Go panic recovered inside the
// VM (a nil pointer, an index out of range, a failed type assertion) or a
// Go callback's panic, rather than a Lua error.
func internalError(msg string) bool {
	for _, sign := range []string{"runtime error", "interface conversion", "internal error", "goroutine ", "invalid argument to "} {
		if strings.Contains(msg, sign) {
			return true
		}
	}
	return false
}

// hangLimit is far beyond the fuzz host's run limit: an input that takes
// this long escaped the time limits.
const hangLimit = 10 * time.Second

// watchForHang crashes the process, with every goroutine's stack, if the
// input runs past hangLimit: go test -fuzz has no time limit of its own per
// input, and a crash makes it keep the input. The returned function disarms
// it.
func watchForHang() (disarm func() bool) {
	return time.AfterFunc(hangLimit, func() {
		buf := make([]byte, 1<<20)
		os.Stderr.Write(buf[:runtime.Stack(buf, true)])
		panic("fuzz input still running after " + hangLimit.String())
	}).Stop
}

// FuzzScript runs arbitrary text as a script.
func FuzzScript(f *testing.F) {
	for _, seed := range fuzzScriptSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code string) {
		defer watchForHang()()
		var errs []*CallbackError
		h := fuzzHost(t, &errs)
		defer h.Close()
		start := time.Now()
		err := h.RunString("fuzz.lua", code)
		if d := time.Since(start); d > hangLimit {
			t.Fatalf("the script ran %v, past every time limit", d)
		}
		var se *ScriptError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("RunString returned %T %v, want a *ScriptError", err, err)
		}
		if se != nil && internalError(se.Message) {
			t.Fatalf("internal error from the script: %s\n%s", se.Message, se.Traceback)
		}
		for _, e := range errs {
			if internalError(e.Message) || e.Function == "Go callback" {
				t.Fatalf("internal error reported: %s", e.Report())
			}
		}
	})
}

// fuzzScriptSeeds are the tutorial's scripts and short programs aimed at the
// corners: limits, coroutines, odd error values, the loop's API.
func fuzzScriptSeeds(f *testing.F) []string {
	seeds := []string{
		`local r = require("reactor") r.call_later(0.1, r.stop) r.run()`,
		`while true do end`,
		`local r = require("reactor") r.call_later(0, function() while true do end end) r.call_later(1, r.stop) r.run()`,
		`local co = coroutine.create(function() pcall(function() coroutine.yield() end) end) coroutine.resume(co) coroutine.resume(co)`,
		`local t = {} setmetatable(t, {__index = function(t, k) return t[k] end}) return t.x`,
		`local function f() return f() + 1 end f()`,
		`return string.rep("x", 1e10)`,
		`return string.format("%99999d", 1)`,
		`error(setmetatable({}, {__tostring = function() error("again") end}))`,
		`error()`,
		`xpcall(function() error("a") end, function() error("b") end)`,
		`local task = require("task") local lc = task.looping_call(function() end) lc:start(0) lc:start(0)`,
		`local r = require("reactor") r.add_system_event_trigger("before", "shutdown", function() r.run() end) r.call_when_running(r.stop) r.run()`,
		`local r = require("reactor") local dc = r.call_later(1, print) dc:cancel() dc:reset(1)`,
		`local t = {} for i = 1, 1e6 do t[i] = i end return unpack(t)`,
		`local s = "x" for i = 1, 40 do s = s .. s end`,
		`coroutine.wrap(function() table.sort({3, 2, 1}, function(a, b) coroutine.yield() return a < b end) end)()`,
		`local c = require("task").clock() c:call_later(1, error, "x") c:advance(2)`,
		`return loadstring("return " .. string.rep("not ", 2e5) .. "1")`,
		`math.randomseed(1) return math.random(0), string.format("%5.1f %q", 1, "\0")`,
	}
	files, _ := filepath.Glob("../scripts/*.lua")
	for _, name := range files {
		code, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, string(code))
	}
	return seeds
}

// fuzzAPISetup builds, in Lua, the list of every function of loopscript's
// Lua API (fetched lazily, so the reactor installers can run first) and a
// palette of argument values, callbacks among them.
const fuzzAPISetup = `
local R = function() return require("reactor") end
local T = function() return require("task") end
local dcm, lcm, clm
local function dcmethod(name) return function(...)
	dcm = dcm or R().call_later(1e6, print)
	return dcm[name](...)
end end
local function lcmethod(name) return function(...)
	lcm = lcm or T().looping_call(print)
	return lcm[name](...)
end end
local function clmethod(name) return function(...)
	clm = clm or T().clock()
	return clm[name](...)
end end
api = {
	function(...) return require("selectreactor").install(...) end,
	function(...) return require("pollreactor").install(...) end,
	function(...) return require("epollreactor").install(...) end,
	function(...) local r = R() pcall(r.call_later, 10, r.stop) return r.run(...) end,
	function(...) return R().stop(...) end,
	function(...) return R().call_when_running(...) end,
	function(...) return R().call_later(...) end,
	function(...) return R().seconds(...) end,
	function(...) return R().add_system_event_trigger(...) end,
	function(...) return R().remove_system_event_trigger(...) end,
	function() return R().running, R().name end,
	function(...) return T().looping_call(...) end,
	function(...) return T().looping_call_with_count(...) end,
	function(...) return T().clock(...) end,
	dcmethod("cancel"), dcmethod("reset"), dcmethod("delay"), dcmethod("active"), dcmethod("get_time"),
	lcmethod("start"), lcmethod("stop"),
	clmethod("call_later"), clmethod("seconds"), clmethod("advance"), clmethod("pump"),
	clmethod("pending"), clmethod("looping_call"), clmethod("looping_call_with_count"),
	function(x, k) return x[k] end,
	function(x, k, v) x[k] = v end,
	tostring,
	function(x, ...) return x(...) end,
}
local called = 0
palette = {
	n = 0,
	function(...) called = called + 1 end,
	function() error("boom") end,
	function() error({}) end,
	function() error(setmetatable({}, {__tostring = function() error("x") end})) end,
	function() R().stop() end,
	function() R().run() end,
	function() coroutine.yield() end,
	function() while true do end end,
	function(x) if type(x) == "userdata" then x:cancel() end end,
	setmetatable({}, {__call = function() called = called + 1 end}),
	setmetatable({}, {__call = 1}),
	true, false, 0, 1, -1, 0.5, 1e-9, 1e300, -1e300, 0/0, 1/0, -1/0, 2^53, 2^63, -2^63,
	"", "1.5", "x", "before", "during", "after", "startup", "shutdown", "running", "interval",
	{}, {1, 2}, coroutine.create(function() end),
}
palette.n = #palette
`

// FuzzAPI calls the functions of the Lua API with arbitrary arguments, in
// arbitrary order and number. Each byte pair picks a function and an
// argument count; the bytes after pick the arguments from a palette that
// also collects what the calls return (DelayedCalls, LoopingCalls, trigger
// ids). A call may fail with a Lua error, never with a Go panic.
func FuzzAPI(f *testing.F) {
	f.Add([]byte{6, 2, 16, 1, 3, 0, 4, 0})            // call_later(0.5, fn); run()
	f.Add([]byte{0, 0, 6, 2, 14, 2, 3, 0})            // select install; call_later(0, stop)...
	f.Add([]byte{8, 3, 29, 33, 1, 5, 1, 1, 3, 0})     // a trigger, call_when_running, run
	f.Add([]byte{19, 2, 50, 16, 14, 1, 12, 3, 0})     // a LoopingCall started with odd self
	f.Add([]byte{13, 0, 21, 3, 50, 16, 1, 23, 2, 50}) // task.clock, call_later, advance
	f.Add([]byte{6, 2, 22, 1, 15, 2, 50, 20, 3, 0})   // call_later(NaN...)
	f.Fuzz(func(t *testing.T, program []byte) {
		defer watchForHang()()
		var errs []*CallbackError
		h := fuzzHost(t, &errs)
		defer h.Close()
		runAPIProgram(t, h, &errs, fuzzAPISetup, program,
			`local r = require("reactor") pcall(r.call_later, 1, r.stop) pcall(r.run)`)
	})
}

// runAPIProgram runs program against the api and palette that setup makes
// (see FuzzAPI), then finish (which runs the loop for a while when a
// reactor is installed), and fails t on a Go panic, an internal error or a
// hang.
func runAPIProgram(t *testing.T, h *Host, errs *[]*CallbackError, setup string, program []byte, finish string) {
	L := h.LState()
	if err := h.RunString("setup", setup); err != nil {
		if strings.Contains(err.Error(), "time limit") {
			t.Skip("the machine is too busy for the fuzz host's time limits:", err)
		}
		t.Fatal(err)
	}
	api := L.GetGlobal("api").(*lua.LTable)
	palette := L.GetGlobal("palette").(*lua.LTable)
	var failure string
	driver := L.NewFunction(func(L *lua.LState) int {
		for i := 0; i+1 < len(program) && failure == ""; {
			fn := api.RawGetInt(1 + int(program[i])%api.Len())
			nargs := int(program[i+1]) % 6
			i += 2
			L.Push(fn)
			for a := 0; a < nargs; a++ {
				v := lua.LValue(lua.LNil)
				if i < len(program) {
					if k := int(program[i]) % (palette.Len() + 1); k > 0 {
						v = palette.RawGetInt(k)
					}
					i++
				}
				L.Push(v)
			}
			top := L.GetTop() - nargs - 1
			err := L.PCall(nargs, lua.MultRet, nil)
			var apiErr *lua.ApiError
			if errors.As(err, &apiErr) && (apiErr.Type == lua.ApiErrorPanic || internalError(lua.LVAsString(apiErr.Object))) {
				failure = "a Go panic: " + apiErr.Error()
			}
			for j := top + 1; j <= L.GetTop(); j++ {
				if v := L.Get(j); v != lua.LNil && palette.Len() < 200 {
					palette.Append(v)
				}
			}
			L.SetTop(top)
		}
		return 0
	})
	start := time.Now()
	err := h.Call(driver)
	if failure != "" {
		t.Fatal(failure)
	}
	if r := h.rt.Installed(); r != nil {
		if ferr := h.RunString("finish", finish); ferr != nil {
			var se *ScriptError
			if !errors.As(ferr, &se) || internalError(se.Message) {
				t.Fatalf("finish: %v", ferr)
			}
		}
	}
	if d := time.Since(start); d > hangLimit {
		t.Fatalf("the calls ran %v, past every time limit", d)
	}
	if err != nil {
		var se *ScriptError
		if !errors.As(err, &se) || internalError(se.Message) {
			t.Fatalf("driver: %v", err)
		}
	}
	for _, e := range *errs {
		if internalError(e.Message) || e.Function == "Go callback" {
			t.Fatalf("internal error reported: %s", e.Report())
		}
	}
}
