package luabind

import (
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// The deadline context fires once its time has passed, never before, and
// moves with each arm; a timer left over from an earlier deadline does not
// close it.
func TestDeadlineCtx(t *testing.T) {
	var stopped atomic.Int32 // the timer's goroutine counts
	c := newDeadlineCtx(func() { stopped.Add(1) })
	closed := func() bool {
		select {
		case <-c.Done():
			return true
		default:
			return false
		}
	}
	reason := &limitError{what: "callback", limit: time.Millisecond}

	c.arm(time.Now().Add(20*time.Millisecond), reason, true)
	if closed() || c.Err() != nil {
		t.Fatal("closed before its deadline")
	}
	// Moving the deadline later: the first timer must not fire it.
	c.arm(time.Now().Add(time.Hour), reason, true)
	time.Sleep(50 * time.Millisecond)
	if closed() {
		t.Fatal("an earlier deadline's timer closed it")
	}
	// A deadline already past fires at once.
	c.arm(time.Now().Add(-time.Millisecond), reason, true)
	if !closed() || c.Err() != reason {
		t.Fatalf("a past deadline did not fire: closed %v, Err %v", closed(), c.Err())
	}
	if stopped.Load() != 0 {
		t.Fatal("a callback limit stopped the reactor")
	}
	// Re-arming after a firing gives a fresh, open channel.
	c.arm(time.Now().Add(time.Hour), reason, true)
	if closed() || c.Err() != nil {
		t.Fatal("still closed after re-arming")
	}
	// A run limit fires by the timer and stops the reactor.
	c.arm(time.Now().Add(10*time.Millisecond), &limitError{what: "script", limit: time.Millisecond, run: true}, true)
	deadline := time.Now().Add(5 * time.Second)
	for (!closed() || stopped.Load() == 0) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !closed() || stopped.Load() != 1 {
		t.Fatalf("the run limit: closed %v, reactor stopped %d times; want closed and stopped once", closed(), stopped.Load())
	}
	c.disarm()
	if closed() {
		t.Fatal("closed after disarm")
	}
}

// benchRuntime is a Runtime on a virtual clock with the given limits,
// reporting errors to nowhere.
func benchRuntime(b *testing.B, limits Limits) *Runtime {
	L := lua.NewState()
	b.Cleanup(L.Close)
	rt := Open(L, Config{Clock: reactor.NewVirtualClock(), Stderr: io.Discard, Limits: limits})
	b.Cleanup(func() { rt.Close() })
	return rt
}

// guardCases are the limits the guard benchmarks compare: none, the
// slow-callback warning alone, and the warning with a per-callback limit.
var guardCases = []struct {
	name   string
	limits Limits
}{
	{"none", Limits{}},
	{"warn-slow", Limits{WarnSlow: 500 * time.Millisecond}},
	{"max-callback-time", Limits{WarnSlow: 500 * time.Millisecond, MaxCallbackTime: time.Second}},
}

// BenchmarkCallbackGuard is the cost of running one callback (a call_later
// chain) with no limit, with the slow-callback warning (two clock reads),
// and with a per-callback time limit (the deadline moved twice, and the VM
// checking it on every instruction).
func BenchmarkCallbackGuard(b *testing.B) {
	for _, bc := range guardCases {
		b.Run(bc.name, func(b *testing.B) {
			rt := benchRuntime(b, bc.limits)
			err := rt.L.DoString(`
				local reactor = require("reactor")
				local n = 0
				function chain(N)
					local function step()
						n = n + 1
						if n < N then reactor.call_later(0, step) else reactor.stop() end
					end
					reactor.call_later(0, step)
				end`)
			if err != nil {
				b.Fatal(err)
			}
			if err := rt.L.CallByParam(lua.P{Fn: rt.L.GetGlobal("chain")}, lua.LNumber(b.N)); err != nil {
				b.Fatal(err)
			}
			r, _ := rt.Reactor()
			b.ResetTimer()
			if err := r.Run(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkGuardAlone is beginCallback and endCallback around nothing: the
// bookkeeping itself, without the VM.
func BenchmarkGuardAlone(b *testing.B) {
	for _, bc := range guardCases {
		b.Run(bc.name, func(b *testing.B) {
			rt := benchRuntime(b, bc.limits)
			fn := rt.L.NewFunction(func(*lua.LState) int { return 0 })
			for b.Loop() {
				g := rt.beginCallback()
				rt.endCallback(g, fn)
			}
		})
	}
}

// BenchmarkInstructionCheck is the VM's cost of a time limit: the same
// CPU-bound Lua (a loop and a recursion) run as a chunk without a limit and
// with one, where the VM checks the deadline before every instruction.
func BenchmarkInstructionCheck(b *testing.B) {
	const code = `local s = 0 for i = 1, 1e5 do s = s + i % 7 end
local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end
return fib(15)`
	for _, bc := range []struct {
		name   string
		limits Limits
	}{
		{"none", Limits{}},
		{"max-callback-time", Limits{MaxCallbackTime: time.Hour}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rt := benchRuntime(b, bc.limits)
			fn, err := rt.L.LoadString(code)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := rt.RunChunk(fn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// An interrupt closes the context only while Lua code runs (live), raises
// once (taking Err's text delivers it and opens the context again), and is
// dropped when the code stops running before it sees it; a time limit that
// passed meanwhile still fires once the interrupt is delivered.
func TestDeadlineCtxInterrupt(t *testing.T) {
	c := newDeadlineCtx(func() {})
	closed := func() bool {
		select {
		case <-c.Done():
			return true
		default:
			return false
		}
	}
	if c.interrupt() || closed() {
		t.Fatal("interrupted with nothing running")
	}
	c.arm(time.Time{}, nil, true)
	if !c.interrupt() || !closed() {
		t.Fatal("not interrupted while code runs")
	}
	// A nested stretch starting keeps it; the VM raising it delivers it.
	c.arm(time.Time{}, nil, true)
	if !closed() {
		t.Fatal("a nested stretch dropped the interrupt")
	}
	if err := c.Err(); err == nil || err.Error() != "interrupted!" {
		t.Fatalf("Err %v, want interrupted!", err)
	}
	if closed() || c.Err() != nil {
		t.Fatal("still closed once the interrupt was raised: pcall could never go on")
	}
	// Asking whether Err is nil does not deliver it.
	c.interrupt()
	if c.Err() == nil || !closed() {
		t.Fatal("Err() != nil delivered the interrupt")
	}
	// Code that stops running drops it.
	c.arm(time.Time{}, nil, false)
	if closed() {
		t.Fatal("an interrupt outlived the code it was for")
	}
	// A deadline passed while the interrupt waited fires after it.
	reason := &limitError{what: "callback", limit: time.Millisecond}
	c.arm(time.Now().Add(time.Hour), reason, true)
	c.interrupt()
	c.arm(time.Now().Add(-time.Millisecond), reason, true)
	_ = c.Err().Error() // the VM raises it
	if !closed() || c.Err() != reason {
		t.Fatalf("after the interrupt, the past deadline: closed %v, Err %v", closed(), c.Err())
	}
}

// Runtime.Interrupt, called on the loop itself so the test is exact:
// inside a callback it stops the callback, which is reported; between
// callbacks, and while the main chunk waits in reactor.run(), it does
// nothing and leaves nothing for the callbacks after it.
func TestRuntimeInterrupt(t *testing.T) {
	cases := []struct {
		name       string
		limits     Limits
		code       string
		want       string // printed
		wantReport string // the callback error reported; "" for none
	}{
		{"inside a callback", Limits{Interruptible: true}, `
reactor.call_later(0, function() interrupt() print("not reached") end)
reactor.call_later(0, function() print("next") reactor.stop() end)
reactor.run()`, "next\n", "test.lua:2: interrupted!"},
		{"while the chunk waits in run", Limits{Interruptible: true}, `
go_later()
reactor.call_later(0.01, function() print("later") reactor.stop() end)
reactor.call_later(1, reactor.stop) -- if "later" were interrupted
reactor.run()
print("after")`, "later\nafter\n", ""},
		{"in the main chunk", Limits{Interruptible: true}, `
print(pcall(function() interrupt() print("not reached") end))
print("on")`, "false\ttest.lua:2: interrupted!\non\n", ""},
		{"not interruptible", Limits{}, `
interrupt()
print("on")`, "on\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var reports []string
			L, rt, out := testState(t, Config{Clock: reactor.NewVirtualClock(), Limits: c.limits,
				OnError: func(e *CallbackError) { reports = append(reports, e.Message) }})
			var interrupted []bool
			L.SetGlobal("interrupt", L.NewFunction(func(L *lua.LState) int {
				interrupted = append(interrupted, rt.Interrupt())
				return 0
			}))
			var later []bool
			L.SetGlobal("go_later", L.NewFunction(func(L *lua.LState) int {
				// A Go call of the reactor's own runs on the loop outside any
				// Lua callback: the chunk waits in run().
				r, _ := rt.Reactor()
				r.CallLater(0, func() { later = append(later, rt.Interrupt()) })
				return 0
			}))
			fn, err := L.Load(strings.NewReader(`local reactor = require("reactor")`+c.code), "test.lua")
			if err != nil {
				t.Fatal(err)
			}
			if err := rt.RunChunk(fn); err != nil {
				t.Fatal(err)
			}
			if out.String() != c.want {
				t.Errorf("printed %q, want %q", out.String(), c.want)
			}
			if want := c.limits.Interruptible; !strings.Contains(c.code, "interrupt()") && len(interrupted) != 0 ||
				strings.Contains(c.code, "interrupt()") && (len(interrupted) != 1 || interrupted[0] != want) {
				t.Errorf("Interrupt reported %v, want [%v]", interrupted, want)
			}
			if strings.Contains(c.code, "go_later") && len(later) != 1 {
				t.Errorf("the Go call ran %d times, want once", len(later))
			}
			if slices.Contains(later, true) {
				t.Error("Interrupt reported code running while the chunk waited in run()")
			}
			if want := c.wantReport; want == "" && len(reports) != 0 || want != "" && (len(reports) != 1 || reports[0] != want) {
				t.Errorf("reported %q, want %q", reports, want)
			}
		})
	}
}
