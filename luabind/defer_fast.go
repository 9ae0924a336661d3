package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// The fast path of d:add_callback(fn) on a Deferred that has its result and
// nothing left to run (lua/defer.lua): fn runs at once, from Go, in one
// protected call, without the run loop's stack of Deferreds. Only the
// outcome that ends the step (fn returns a value that is neither a Failure
// nor a Deferred, and added nothing to d's chain) is finished here; every
// other outcome goes back to the Lua side, which carries on from the same
// state its own run loop would be in at that point.

// The slots of a Deferred that the fast path reads and writes (see the
// layout in lua/defer.lua).
const (
	slotCalled    = 1
	slotResult    = 2
	slotPaused    = 3
	slotHead      = 4
	slotTail      = 5
	slotRunning   = 6
	slotUnhandled = 7
	slotChainedTo = 9
)

// What callback_now returns first when it ran fn but the step is not over.
const (
	nowRaised   = 1 // fn raised: the error value and traceback follow
	nowSpecial  = 2 // fn returned a Failure or a Deferred: it follows
	nowContinue = 3 // fn added to d's chain: d's result is set, the chain goes on
)

// deferClasses(DMeta, Failure, FIRST) tells the Go side the metatables of
// Deferreds and Failures, and the first slot of a Deferred's chain.
func (rt *Runtime) deferClasses(L *lua.LState) int {
	rt.deferred.meta = L.CheckTable(1)
	rt.deferred.failure = L.CheckTable(2)
	first := L.CheckInt(3)
	rt.deferred.head, rt.deferred.tail = lua.LNumber(first), lua.LNumber(first-1)
	return 0
}

// succeed(v) is the Deferred of defer.succeed(v): fired with v, its chain
// empty, v unhandled when it is a Failure; nil when v is a Deferred.
func (rt *Runtime) deferSucceed(L *lua.LState) int {
	v := L.Get(1)
	if rt.isClass(v, rt.deferred.meta) {
		L.Push(lua.LNil)
		return 1
	}
	failed := rawMetatable(v) == lua.LValue(rt.deferred.failure)
	d := L.CreateTable(slotUnhandled, 0)
	d.RawSetInt(slotCalled, lua.LTrue)
	d.RawSetInt(slotResult, v)
	d.RawSetInt(slotPaused, zero)
	d.RawSetInt(slotHead, rt.deferred.head)
	d.RawSetInt(slotTail, rt.deferred.tail)
	d.RawSetInt(slotRunning, lua.LFalse)
	d.RawSetInt(slotUnhandled, lua.LBool(failed))
	d.Metatable = rt.deferred.meta
	if failed {
		rt.deferred.record(d, v)
	}
	L.Push(d)
	return 1
}

// callback_now(d, fn, ...) runs fn(d's result) when d has its result, is
// not paused, runs no callback, has nothing queued, its result is not a
// Failure, fn is a Lua function and no extra arguments come with it; it
// returns nothing when it did not run fn (the Lua side then adds the pair
// as usual), true when the step is over, or one of the codes above.
func (rt *Runtime) deferCallbackNow(L *lua.LState) int {
	if L.GetTop() != 2 || len(rt.catches) >= maxCNesting {
		return 0
	}
	d, ok := L.Get(1).(*lua.LTable)
	if !ok || d.Metatable != lua.LValue(rt.deferred.meta) || rt.deferred.meta == nil {
		return 0
	}
	fn, ok := L.Get(2).(*lua.LFunction)
	if !ok {
		return 0
	}
	if d.RawGetInt(slotCalled) != lua.LTrue || d.RawGetInt(slotPaused) != lua.LNumber(0) ||
		d.RawGetInt(slotRunning) != lua.LFalse {
		return 0
	}
	head, ok1 := d.RawGetInt(slotHead).(lua.LNumber)
	tail, ok2 := d.RawGetInt(slotTail).(lua.LNumber)
	if !ok1 || !ok2 || head <= tail {
		return 0
	}
	result := d.RawGetInt(slotResult)
	if rt.isClass(result, rt.deferred.failure) {
		return 0
	}
	d.RawSetInt(slotChainedTo, lua.LNil)
	d.RawSetInt(slotRunning, lua.LTrue)
	L.SetTop(0)
	L.Push(rt.runner)
	L.Push(fn)
	L.Push(result)
	apiErr := rt.protectRunner(L, 1, 0, nil)
	d.RawSetInt(slotRunning, lua.LFalse)
	if apiErr != nil {
		return rt.pushCallbackError(L, lua.LNumber(nowRaised), apiErr)
	}
	r := rt.lastResult
	rt.lastResult = lua.LNil
	if rt.isClass(r, rt.deferred.failure) || rt.isClass(r, rt.deferred.meta) {
		L.Push(lua.LNumber(nowSpecial))
		L.Push(r)
		return 2
	}
	d.RawSetInt(slotResult, r)
	if head, ok := d.RawGetInt(slotHead).(lua.LNumber); !ok || head <= d.RawGetInt(slotTail).(lua.LNumber) {
		L.Push(lua.LNumber(nowContinue))
		return 1
	}
	// settle(d, r, false): a failure d held before is handled now.
	if d.RawGetInt(slotUnhandled) == lua.LTrue {
		d.RawSetInt(slotUnhandled, lua.LFalse)
		delete(rt.deferred.unhandled, d)
	}
	L.Push(lua.LTrue)
	return 1
}

// zero is Lua's 0, boxed once.
var zero lua.LValue = lua.LNumber(0)

// isClass reports whether v is a table whose metatable is class.
func (rt *Runtime) isClass(v lua.LValue, class *lua.LTable) bool {
	t, ok := v.(*lua.LTable)
	return ok && class != nil && t.Metatable == lua.LValue(class)
}

// What await_now returns first.
const (
	awaitValue   = 1 // the value follows: await returns it
	awaitRaise   = 2 // the Failure follows: await raises it
	awaitWait    = 3 // the Deferred has no result to take yet: await yields
	awaitOutside = 4 // not called in the coroutine its driver is resuming
)

// await_now(current, d) is defer.await's first step, in one Go call:
// whether it runs in current, the coroutine the inline callbacks driver is
// resuming (coroutine.running's view of it), then d itself when d is no
// Deferred, or the result of a Deferred that has one and nothing left to
// run, taken as a callback taking it would (d's result becomes nil, its
// failure handled).
func (rt *Runtime) deferAwaitNow(L *lua.LState) int {
	current, _ := L.Get(1).(*lua.LState)
	if current == nil || L == L.G.MainThread || L.Parent == nil || rt.visibleThread(L) != current {
		L.Push(lua.LNumber(awaitOutside))
		return 1
	}
	v := L.Get(2)
	d, ok := v.(*lua.LTable)
	if !ok || d.Metatable != lua.LValue(rt.deferred.meta) || rt.deferred.meta == nil {
		L.Push(lua.LNumber(awaitValue))
		L.Push(v)
		return 2
	}
	head, ok1 := d.RawGetInt(slotHead).(lua.LNumber)
	tail, ok2 := d.RawGetInt(slotTail).(lua.LNumber)
	if d.RawGetInt(slotCalled) != lua.LTrue || d.RawGetInt(slotPaused) != lua.LNumber(0) ||
		d.RawGetInt(slotRunning) != lua.LFalse || !ok1 || !ok2 || head <= tail {
		L.Push(lua.LNumber(awaitWait))
		return 1
	}
	r := d.RawGetInt(slotResult)
	d.RawSetInt(slotResult, lua.LNil)
	if d.RawGetInt(slotUnhandled) == lua.LTrue {
		d.RawSetInt(slotUnhandled, lua.LFalse)
		delete(rt.deferred.unhandled, d)
	}
	if rawMetatable(r) == lua.LValue(rt.deferred.failure) {
		L.Push(lua.LNumber(awaitRaise))
	} else {
		L.Push(lua.LNumber(awaitValue))
	}
	L.Push(r)
	return 2
}

// rawMetatable is v's metatable as getmetatable sees it when it has no
// __metatable field, for the values that can have one of their own.
func rawMetatable(v lua.LValue) lua.LValue {
	switch v := v.(type) {
	case *lua.LTable:
		return v.Metatable
	case *lua.LUserData:
		return v.Metatable
	}
	return lua.LNil
}
