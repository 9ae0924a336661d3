package luabind

import (
	"strings"

	"github.com/loopscript/loopscript/internal/luastate"

	lua "github.com/yuin/gopher-lua"
)

// The fast paths of the defer module (lua/defer.lua) for Deferreds that
// have fired. d:add_callback is a Go function: on a Deferred that has its
// result and nothing left to run, fn runs at once, from here, in one
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

// How a step that add_callback ran at once ended, when it is not over.
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

// succeed(v) is defer.succeed(v), a Deferred fired with v: what
// new_deferred and fire would make, without running the empty chain; v is
// unhandled when it is a Failure, refused when it is a Deferred.
func (rt *Runtime) deferSucceed(L *lua.LState) int {
	v := L.Get(1)
	if rt.isClass(v, rt.deferred.meta) {
		rt.deferArgError(L, "succeed", "a Deferred cannot be a result")
	}
	failed := metatableIs(v, rt.deferred.failure)
	d := rt.newFiredDeferred(L, v, failed)
	if failed {
		rt.deferred.record(d, v)
	}
	L.Push(d)
	return 1
}

// firedDeferred is a Deferred as succeed makes it: the table and the array
// of its first slots in one allocation, where gopher-lua would make two.
// When a chain queued on it outgrows slots, the table moves to an array of
// its own, and slots keeps what it held then (the first result, at most one
// value more) until the Deferred is collected.
type firedDeferred struct {
	table lua.LTable
	slots [slotUnhandled]lua.LValue
}

// newFiredDeferred makes the table of a Deferred fired with v, a Failure
// when failed is set, its chain empty.
func (rt *Runtime) newFiredDeferred(L *lua.LState, v lua.LValue, failed bool) *lua.LTable {
	s := &rt.deferred
	b := &firedDeferred{slots: [slotUnhandled]lua.LValue{
		slotCalled - 1:    lua.LTrue,
		slotResult - 1:    v,
		slotPaused - 1:    zero,
		slotHead - 1:      s.head,
		slotTail - 1:      s.tail,
		slotRunning - 1:   lua.LFalse,
		slotUnhandled - 1: lua.LBool(failed),
	}}
	b.table.Metatable = s.meta
	if luastate.SetArray(&b.table, b.slots[:]) {
		return &b.table
	}
	d := L.CreateTable(slotUnhandled, 0)
	for i, v := range b.slots {
		d.RawSetInt(i+1, v)
	}
	d.Metatable = s.meta
	return d
}

// add_callback(slow, after) makes d:add_callback, a Go function, once per
// runtime: slow(d, fn, ...) is the Lua side's add_callback for every case
// the fast path does not finish, called with its arguments checked, and
// after(d, code, v, traceback) carries on from a step the fast path began
// (one of the codes above).
func (rt *Runtime) deferAddCallbackMaker(L *lua.LState) int {
	rt.deferred.addCallbackSlow = L.CheckFunction(1)
	rt.deferred.addCallbackAfter = L.CheckFunction(2)
	L.Push(L.NewFunction(rt.deferAddCallback))
	return 1
}

// deferAddCallback is d:add_callback(fn, ...): fn(result, ...) on success.
// On a Deferred that has its result, is not paused, runs no callback, has
// nothing queued and whose result is not a Failure, a function fn (not a
// callable table) given no extra arguments runs at once from here, in one protected call; every other case
// is the Lua side's. Being the method itself, with no Lua function around
// it, is what makes a step cost one Lua call (fn's) and one Go call.
func (rt *Runtime) deferAddCallback(L *lua.LState) int {
	d, ok := L.Get(1).(*lua.LTable)
	if !ok || !metatableIs(d, rt.deferred.meta) {
		rt.deferArgError(L, "add_callback", "Deferred expected, got "+L.Get(1).Type().String()+
			"; use d:add_callback, not d.add_callback")
	}
	top := L.GetTop()
	_, isFunction := L.Get(2).(*lua.LFunction)
	if !isFunction && !luaCallable(L, L.Get(2)) {
		rt.deferArgError(L, "add_callback", "function expected, got "+L.Get(2).Type().String())
	}
	if top != 2 || !isFunction || !rt.runsAtOnce(d) {
		return rt.deferAddCallbackSlow(L, top)
	}
	result := d.RawGetInt(slotResult)
	// Written only when set: the seven slots succeed makes end before it,
	// and writing nil past them grew the array.
	if !isNil(d.RawGetInt(slotChainedTo)) {
		d.RawSetInt(slotChainedTo, lua.LNil)
	}
	d.RawSetInt(slotRunning, lua.LTrue)
	apiErr := rt.callAtOnce(L, result)
	d.RawSetInt(slotRunning, lua.LFalse)
	if apiErr != nil {
		rt.pushCallbackError(L, lua.LNumber(nowRaised), apiErr)
		if tb, ok := L.Get(3).(lua.LString); ok {
			L.Replace(3, lua.LString(asRunLoopTraceback(string(tb))))
		}
		return rt.deferAddCallbackAfter(L, d)
	}
	r := rt.lastResult
	rt.lastResult = lua.LNil
	if rt.isClass(r, rt.deferred.failure) || rt.isClass(r, rt.deferred.meta) {
		L.Push(lua.LNumber(nowSpecial))
		L.Push(r)
		return rt.deferAddCallbackAfter(L, d)
	}
	d.RawSetInt(slotResult, r)
	if !chainIsEmpty(d) {
		L.Push(lua.LNumber(nowContinue))
		return rt.deferAddCallbackAfter(L, d)
	}
	// settle(d, r, false): a failure d held before is handled now.
	if isTrue(d.RawGetInt(slotUnhandled)) {
		d.RawSetInt(slotUnhandled, lua.LFalse)
		delete(rt.deferred.unhandled, d)
	}
	L.Push(d)
	return 1
}

// callAtOnce calls fn(result), the stack being (d, fn), in protected mode
// as the runner does (raiseHook catches an error where it is raised), and
// leaves fn's result in rt.lastResult. luastate.ProtectedCall makes it one
// Go call and one Lua call; when it cannot, d's place takes the runner.
func (rt *Runtime) callAtOnce(L *lua.LState, result lua.LValue) *lua.ApiError {
	L.Remove(1)
	base := luastate.Top(L) - 1 // fn's slot: what the call ends is above
	L.Push(result)
	depth := len(rt.catches)
	rt.catches = append(rt.catches, catchPoint{L: L, base: base})
	apiErr, ok := luastate.ProtectedCall(L, 1, 1, rt.raiseHook)
	rt.catches = rt.catches[:depth]
	if !ok {
		L.Insert(rt.runner, 1)
		return rt.protectRunner(L, 1, 0, nil)
	}
	if apiErr != nil {
		luastate.CloseUpvalues(L, base) // a Go panic passed no hook
		return apiErr
	}
	rt.lastResult = L.Get(-1)
	L.Pop(1)
	return nil
}

// runsAtOnce reports whether a callback added to d now would run at once
// and alone: d has its result, which is no Failure, is not paused, runs no
// callback and has nothing queued; and a protected call may nest once more.
func (rt *Runtime) runsAtOnce(d *lua.LTable) bool {
	return len(rt.catches) < maxCNesting && isTrue(d.RawGetInt(slotCalled)) &&
		isZero(d.RawGetInt(slotPaused)) && isFalse(d.RawGetInt(slotRunning)) &&
		chainIsEmpty(d) && !rt.isClass(d.RawGetInt(slotResult), rt.deferred.failure)
}

// chainIsEmpty reports whether d's chain holds nothing left to run (its
// head slot past its tail slot).
func chainIsEmpty(d *lua.LTable) bool {
	head, ok1 := d.RawGetInt(slotHead).(lua.LNumber)
	tail, ok2 := d.RawGetInt(slotTail).(lua.LNumber)
	return ok1 && ok2 && head > tail
}

// isTrue, isFalse and isZero test a slot by its dynamic type: comparing
// two interfaces that hold a boolean or a number is a call into the Go
// runtime, a fifth of runsAtOnce's time.
func isTrue(v lua.LValue) bool {
	b, ok := v.(lua.LBool)
	return ok && bool(b)
}

func isFalse(v lua.LValue) bool {
	b, ok := v.(lua.LBool)
	return ok && !bool(b)
}

func isZero(v lua.LValue) bool {
	n, ok := v.(lua.LNumber)
	return ok && n == 0
}

// deferAddCallbackSlow hands d:add_callback's top arguments, checked, to the
// Lua side's add_callback and returns what it returns (d).
func (rt *Runtime) deferAddCallbackSlow(L *lua.LState, top int) int {
	L.Insert(rt.deferred.addCallbackSlow, 1)
	L.Call(top, 1)
	return 1
}

// deferAddCallbackAfter hands d and the code of how its step ended, with
// what follows the code on the stack, to the Lua side, which carries on
// from there; it returns what that returns (d).
func (rt *Runtime) deferAddCallbackAfter(L *lua.LState, d *lua.LTable) int {
	n := L.GetTop()
	L.Insert(d, 1)
	L.Insert(rt.deferred.addCallbackAfter, 1)
	L.Call(n+1, 1)
	return 1
}

// addCallbackFrame is the frame of the Go add_callback in a traceback.
const addCallbackFrame = "\t[C]: in function 'add_callback'"

// asRunLoopTraceback makes the traceback of an error raised in a callback
// that add_callback ran at once read as it does when the run loop of
// lua/defer.lua runs the callback: the Go add_callback frame is plumbing,
// as the loop's frames are, and the Lua function it called is named
// 'callback', the loop's variable that holds it.
func asRunLoopTraceback(tb string) string {
	if !strings.Contains(tb, addCallbackFrame) {
		return tb
	}
	lines := strings.Split(tb, "\n")
	kept := lines[:0]
	for _, line := range lines {
		if line != addCallbackFrame {
			kept = append(kept, line)
			continue
		}
		last := len(kept) - 1
		if last < 1 || strings.HasPrefix(kept[last], "\t[C]:") || kept[last] == "\t..." {
			continue
		}
		if i := strings.Index(kept[last], ": in function "); i >= 0 {
			kept[last] = kept[last][:i] + ": in function 'callback'"
		}
	}
	if len(kept) <= 1 {
		return ""
	}
	return strings.Join(kept, "\n")
}

// deferArgError raises "bad argument #1 to 'name' (msg)" at the line that
// called the running Go function, as the Lua side's arg_error does (no
// position when a Go function called it: pcall(d.add_callback)).
func (rt *Runtime) deferArgError(L *lua.LState, name, msg string) {
	L.Error(lua.LString(rt.where(L, 1)+"bad argument #1 to '"+name+"' ("+msg+")"), 0)
}

// luaCallable is the Lua side's callable(v): a function, or a table or
// userdata whose metatable, as getmetatable sees it, holds a function
// under __call.
func luaCallable(L *lua.LState, v lua.LValue) bool {
	switch v.Type() {
	case lua.LTFunction:
		return true
	case lua.LTTable, lua.LTUserData:
		mt, ok := L.GetMetatable(v).(*lua.LTable)
		return ok && mt.RawGetString("__call").Type() == lua.LTFunction
	}
	return false
}

// zero is Lua's 0, boxed once.
var zero lua.LValue = lua.LNumber(0)

// isClass reports whether v is a table whose metatable is class.
func (rt *Runtime) isClass(v lua.LValue, class *lua.LTable) bool {
	t, ok := v.(*lua.LTable)
	return ok && metatableIs(t, class)
}

// What await_now returns first.
const (
	awaitValue   = 1 // the value follows: await returns it
	awaitRaise   = 2 // the Failure follows: await raises it
	awaitWait    = 3 // the Deferred has no result to take yet: await yields
	awaitOutside = 4 // not called in the coroutine its driver is resuming
)

// await_now(d) is the first step of the Lua side's defer.await, used when
// the Go one (defer_await.go) cannot be: whether it runs in the coroutine
// the inline callbacks driver is resuming, then d itself when d is no
// Deferred, or the result of a Deferred that has one and nothing left to
// run, taken as a callback taking it would (d's result becomes nil, its
// failure handled).
func (rt *Runtime) deferAwaitNow(L *lua.LState) int {
	if !rt.inDriversCoroutine(L) {
		L.Push(lua.LNumber(awaitOutside))
		return 1
	}
	v := L.Get(1)
	d, ok := v.(*lua.LTable)
	if !ok || !metatableIs(d, rt.deferred.meta) {
		L.Push(lua.LNumber(awaitValue))
		L.Push(v)
		return 2
	}
	if !hasResultToTake(d) {
		L.Push(lua.LNumber(awaitWait))
		return 1
	}
	r := rt.takeResult(d)
	if metatableIs(r, rt.deferred.failure) {
		L.Push(lua.LNumber(awaitRaise))
	} else {
		L.Push(lua.LNumber(awaitValue))
	}
	L.Push(r)
	return 2
}

// inDriversCoroutine reports whether L runs in the coroutine the inline
// callbacks driver is resuming (as coroutine.running sees it), where an
// await is valid.
func (rt *Runtime) inDriversCoroutine(L *lua.LState) bool {
	current := rt.deferred.current
	return current != nil && L != L.G.MainThread && L.Parent != nil && rt.seenAs(L, current)
}

// hasResultToTake reports whether d has its result and nothing left to run
// (not paused, no callback running, its chain empty): an await takes it now.
func hasResultToTake(d *lua.LTable) bool {
	return isTrue(d.RawGetInt(slotCalled)) && isZero(d.RawGetInt(slotPaused)) &&
		isFalse(d.RawGetInt(slotRunning)) && chainIsEmpty(d)
}

// takeResult takes d's result as a callback taking it would: d's result
// becomes nil, and a failure it held is handled.
func (rt *Runtime) takeResult(d *lua.LTable) lua.LValue {
	r := d.RawGetInt(slotResult)
	d.RawSetInt(slotResult, lua.LNil)
	if isTrue(d.RawGetInt(slotUnhandled)) {
		d.RawSetInt(slotUnhandled, lua.LFalse)
		delete(rt.deferred.unhandled, d)
	}
	return r
}

// seenAs reports whether a script running in L sees current as the
// running coroutine (visibleThread), asking the sub-threads only when L
// and current are not the pair it last found.
func (rt *Runtime) seenAs(L, current *lua.LState) bool {
	s := &rt.deferred
	if L == s.awaitThread && current == s.awaitCurrent {
		return true
	}
	if rt.visibleThread(L) != current {
		return false
	}
	s.awaitThread, s.awaitCurrent = L, current
	return true
}

// metatableIs reports whether v, a table or a userdata, has class as its
// metatable as getmetatable sees it when it has no __metatable field; never
// for a nil class. By dynamic type, as isTrue: comparing two interfaces is a
// call into the Go runtime.
func metatableIs(v lua.LValue, class *lua.LTable) bool {
	var mt lua.LValue
	switch v := v.(type) {
	case *lua.LTable:
		mt = v.Metatable
	case *lua.LUserData:
		mt = v.Metatable
	default:
		return false
	}
	t, ok := mt.(*lua.LTable)
	return ok && t == class && class != nil
}

// isNil reports whether v is Lua's nil, by its dynamic type.
func isNil(v lua.LValue) bool {
	_, ok := v.(*lua.LNilType)
	return ok
}
