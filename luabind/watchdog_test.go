package luabind

import (
	"io"
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

	c.arm(time.Now().Add(20*time.Millisecond), reason)
	if closed() || c.Err() != nil {
		t.Fatal("closed before its deadline")
	}
	// Moving the deadline later: the first timer must not fire it.
	c.arm(time.Now().Add(time.Hour), reason)
	time.Sleep(50 * time.Millisecond)
	if closed() {
		t.Fatal("an earlier deadline's timer closed it")
	}
	// A deadline already past fires at once.
	c.arm(time.Now().Add(-time.Millisecond), reason)
	if !closed() || c.Err() != reason {
		t.Fatalf("a past deadline did not fire: closed %v, Err %v", closed(), c.Err())
	}
	if stopped.Load() != 0 {
		t.Fatal("a callback limit stopped the reactor")
	}
	// Re-arming after a firing gives a fresh, open channel.
	c.arm(time.Now().Add(time.Hour), reason)
	if closed() || c.Err() != nil {
		t.Fatal("still closed after re-arming")
	}
	// A run limit fires by the timer and stops the reactor.
	c.arm(time.Now().Add(10*time.Millisecond), &limitError{what: "script", limit: time.Millisecond, run: true})
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
