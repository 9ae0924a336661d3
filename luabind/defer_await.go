package luabind

import (
	"github.com/loopscript/loopscript/internal/luastate"
	lua "github.com/yuin/gopher-lua"
)

// defer.await as a Go function: the script calls it with no Lua function
// around it, so an await of a Deferred that has its result costs one Go
// call. A Go function can yield but is not continued after the resume, so
// the case of a Deferred with no result yet parks the coroutine: the call
// that reached await is made again when the coroutine is resumed, with a
// closure over the Deferred in await's place (luastate.RepeatCallOnYield).
// That closure takes the result a driver's resume delivers (returns it, or
// raises it when it is a Failure), and yields again for any other resume (a
// script resuming the coroutine by hand), as lua/defer.lua's await loop did.

// errAwaitOutside is what an await raises outside an inline callbacks
// function, at the line that called it.
const errAwaitOutside = "attempt to await outside an inline_callbacks function"

// errYieldAcrossGo is Lua 5.1's refusal of a yield that would cross a Go
// function (or a call that cannot be made again after it).
const errYieldAcrossGo = "attempt to yield across metamethod/C-call boundary"

// await(WAITING, RESUMED) gives the Go side lua/defer.lua's tags and
// returns the Go defer.await, or nothing when gopher-lua's VM is not the
// one luastate knows (a call could not be made again): the Lua side's await
// then stands in.
func (rt *Runtime) deferAwaitMaker(L *lua.LState) int {
	rt.deferred.waiting, rt.deferred.resumed = L.CheckTable(1), L.CheckTable(2)
	if !luastate.CanRepeatCall() || rt.cfg.luaAwaitOnly {
		return 0
	}
	rt.deferred.await = L.NewFunction(rt.deferAwait)
	L.Push(rt.deferred.await)
	return 1
}

// deferAwait is defer.await(d): d's result, or its Failure raised; any
// other value at once. A Deferred that has its result and nothing left to
// run gives it up as a callback taking it would (d's result becomes nil,
// its failure handled); one that has not makes the coroutine wait for it.
func (rt *Runtime) deferAwait(L *lua.LState) int {
	if !rt.inDriversCoroutine(L) {
		L.Error(lua.LString(rt.where(L, 1)+errAwaitOutside), 0)
	}
	v := L.Get(1)
	d, ok := v.(*lua.LTable)
	if !ok || !metatableIs(d, rt.deferred.meta) {
		L.Push(v)
		return 1
	}
	if !hasResultToTake(d) {
		return rt.awaitWait(L, d)
	}
	r := rt.takeResult(d)
	if metatableIs(r, rt.deferred.failure) {
		L.Error(r, 0)
	}
	L.Push(r)
	return 1
}

// awaitWait parks L until a driver's resume delivers d's result: it yields
// WAITING and d to the driver (step in lua/defer.lua), which adds its
// callback to d, and readies the call that reached it to be made again,
// by awaitAgain, when L is resumed.
func (rt *Runtime) awaitWait(L *lua.LState, d *lua.LTable) int {
	if yieldCrossesGo() {
		L.Error(lua.LString(errYieldAcrossGo), 0)
	}
	again := L.NewClosure(rt.awaitAgain, d, rt.deferred.await)
	if !luastate.RepeatCallOnYield(L, again) {
		L.Error(lua.LString(errYieldAcrossGo), 0)
	}
	return L.Yield(rt.deferred.waiting, d)
}

// awaitAgain is the call of a parked await made again at a resume (its
// upvalues are the Deferred awaited and the Go await, which marks it as an
// await's; its arguments are meaningless): the
// result the driver delivers, returned or raised; any other resume waits on.
func (rt *Runtime) awaitAgain(L *lua.LState) int {
	s := &rt.deferred
	d := L.Get(lua.UpvalueIndex(1)).(*lua.LTable)
	if s.deliverTo != L {
		return rt.awaitWait(L, d)
	}
	r := s.delivered
	s.deliverTo, s.delivered = nil, nil
	if metatableIs(r, s.failure) {
		L.Error(r, 0)
	}
	L.Push(r)
	return 1
}

// isAwait reports whether fn is the Go await or a parked await's call made
// again: the frame a Failure they raise is raised from, which a traceback
// leaves out, as it leaves out the frames of lua/defer.lua's await.
func (rt *Runtime) isAwait(fn lua.LValue) bool {
	f, ok := fn.(*lua.LFunction)
	if !ok || !f.IsG || rt.deferred.await == nil {
		return false
	}
	return f == rt.deferred.await || len(f.Upvalues) == 2 && f.Upvalues[1].Value() == rt.deferred.await
}

// raisedInAwait reports whether the function that raised the error being
// handled in L (the first frame below the handler's, luabind's runners
// left out) is an await's.
func (rt *Runtime) raisedInAwait(L *lua.LState) bool {
	for i := 1; ; i++ {
		dbg, ok := L.GetStack(i)
		if !ok {
			return false
		}
		fn, err := L.GetInfo("f", dbg, lua.LNil)
		if err != nil {
			return false
		}
		if !rt.isRunner(fn) {
			return rt.isAwait(fn)
		}
	}
}
