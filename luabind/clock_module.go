package luabind

import (
	"fmt"
	"math"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// task.clock() is a clock for Lua tests, after Twisted's task.Clock: time
// stands still until the test moves it with clock:advance(seconds) or
// clock:pump({...}), which run the calls that have become due. It schedules
// with clock:call_later (returning the usual DelayedCall) and drives
// LoopingCalls made with clock:looping_call and clock:looping_call_with_count.
// It needs no reactor and never touches one.
//
// Errors raised by the calls it runs are reported like any callback's (and
// stop a LoopingCall); they do not propagate out of advance.

// luaClock is the userdata behind task.clock().
type luaClock struct {
	m *reactor.ManualClock
}

const clockType = "Clock"

var (
	fnClockCallLater      = fname{name: "call_later", method: true}
	fnClockSeconds        = fname{name: "seconds", method: true}
	fnClockAdvance        = fname{name: "advance", method: true}
	fnClockPump           = fname{name: "pump", method: true}
	fnClockPending        = fname{name: "pending", method: true}
	fnClockLooping        = fname{name: "looping_call", method: true}
	fnClockLoopingWithCnt = fname{name: "looping_call_with_count", method: true}
)

// luaNewClock is task.clock(). The metatable is made once per Lua state and
// kept in the registry, under the type's name.
func (rt *Runtime) luaNewClock(L *lua.LState) int {
	meta, ok := L.GetTypeMetatable(clockType).(*lua.LTable)
	if !ok {
		meta = rt.newClockMeta()
	}
	ud := L.NewUserData()
	ud.Value = &luaClock{m: reactor.NewManualClock()}
	ud.Metatable = meta
	L.Push(ud)
	return 1
}

func (rt *Runtime) newClockMeta() *lua.LTable {
	L := rt.L
	meta := L.NewTypeMetatable(clockType)
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"call_later":              rt.clockCallLater,
		"seconds":                 clockSeconds,
		"advance":                 clockAdvance,
		"pump":                    clockPump,
		"pending":                 clockPending,
		"looping_call":            rt.clockLoopingCall,
		"looping_call_with_count": rt.clockLoopingCallWithCount,
	})
	strictMethods(L, clockType, methods)
	meta.RawSetString("__index", methods)
	meta.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		c := checkClock(L, fname{name: "__tostring"})
		L.Push(lua.LString(fmt.Sprintf("Clock(time=%.6f, %d pending)", c.m.Now().Seconds(), c.m.Pending())))
		return 1
	}))
	meta.RawSetString("__metatable", lua.LString(clockType))
	return meta
}

func checkClock(L *lua.LState, f fname) *luaClock { return checkSelf[luaClock](L, f, clockType) }

// clock:call_later(seconds, fn, ...) -> DelayedCall, due once the clock has
// been advanced by seconds.
func (rt *Runtime) clockCallLater(L *lua.LState) int {
	return rt.pushCallLater(L, checkClock(L, fnClockCallLater).m, 2, fnClockCallLater)
}

// clock:seconds() -> the clock's time, starting at 0.
func clockSeconds(L *lua.LState) int {
	L.Push(lua.LNumber(checkClock(L, fnClockSeconds).m.Now().Seconds()))
	return 1
}

// clock:advance(seconds): move the clock forward, then run every call due,
// earliest first (FIFO for equal times), including due calls scheduled by
// those calls. The calls all see the new time.
func clockAdvance(L *lua.LState) int {
	c := checkClock(L, fnClockAdvance)
	c.m.Advance(checkSeconds(L, 2, fnClockAdvance))
	return 0
}

// clock:pump({d1, d2, ...}): advance by each step in turn.
func clockPump(L *lua.LState) int {
	c := checkClock(L, fnClockPump)
	t, ok := L.Get(2).(*lua.LTable)
	if !ok {
		typeError(L, 2, fnClockPump, "table")
	}
	// Check every step before taking any, so a bad list changes nothing.
	n := t.Len()
	steps := make([]time.Duration, n)
	for i := 1; i <= n; i++ {
		steps[i-1] = checkStep(L, t.RawGetInt(i), i)
	}
	c.m.Pump(steps)
	return 0
}

// checkStep checks one element of pump's list as checkSeconds checks an
// argument, naming the element in the message.
func checkStep(L *lua.LState, v lua.LValue, i int) time.Duration {
	n, ok := v.(lua.LNumber)
	if f := float64(n); !ok || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		got := v.Type().String() // a bad number is shown, anything else named
		if ok {
			got = numberText(f)
		}
		argError(L, 2, fnClockPump, fmt.Sprintf("step %d: non-negative finite number expected, got %s", i, got))
	}
	return secondsToDuration(float64(n))
}

// clock:pending() -> the number of calls waiting to run (LoopingCalls'
// next calls included).
func clockPending(L *lua.LState) int {
	L.Push(lua.LNumber(checkClock(L, fnClockPending).m.Pending()))
	return 1
}

// clock:looping_call(fn, ...) -> a stopped LoopingCall, like
// task.looping_call's, whose calls this clock schedules.
func (rt *Runtime) clockLoopingCall(L *lua.LState) int {
	c := checkClock(L, fnClockLooping)
	return rt.pushLoopingCall(L, c.m, rt.loopingFunc(L, 2, fnClockLooping))
}

// clock:looping_call_with_count(fn) -> a LoopingCall calling fn(count).
func (rt *Runtime) clockLoopingCallWithCount(L *lua.LState) int {
	c := checkClock(L, fnClockLoopingWithCnt)
	return rt.pushLoopingCall(L, c.m, rt.loopingFuncWithCount(L, 2, fnClockLoopingWithCnt))
}
