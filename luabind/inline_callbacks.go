package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// The Go side of defer.inline_callbacks and defer.await (lua/defer.lua):
// the coroutine each call runs in, resumed through the runtime's own
// resume path (resumeNested, which goes on inside a pcall the coroutine is
// suspended in), the yield that hands an unfired Deferred to the driver,
// and the traceback of an error the coroutine does not catch, taken where it
// was raised.

// inlineCore adds the helpers of inline callbacks to the defer module's core.
func (rt *Runtime) inlineCore(core *lua.LTable) {
	L := rt.L
	L.SetFuncs(core, map[string]lua.LGFunction{
		"co_create":    rt.inlineCreate,
		"co_resume":    rt.inlineResume,
		"co_yield":     inlineYield,
		"co_traceback": rt.inlineTraceback,
		"trace_error":  rt.inlineTraceError,
	})
}

// co_create(fn) is coroutine.create(fn), without the script's globals.
func (rt *Runtime) inlineCreate(L *lua.LState) int {
	checkFunction(L, 1, fname{name: "inline_callbacks"})
	return newThread(L, rt.coCreate)
}

// co_resume(co, ...) is coroutine.resume(co, ...) by an inline callbacks
// driver: co is the coroutine in which an await is valid while it runs, and
// a resume with the RESUMED tag delivers the result that follows it to the
// await co is parked in (see awaitAgain).
func (rt *Runtime) inlineResume(L *lua.LState) int {
	th, ok := L.Get(1).(*lua.LState)
	if !ok {
		typeError(L, 1, fname{name: "resume"}, "coroutine")
	}
	s := &rt.deferred
	outer := s.current
	s.current = th
	if s.resumed != nil && L.Get(2) == s.resumed {
		s.deliverTo, s.delivered = rt.innermost(th), L.Get(3)
	}
	n := rt.resumeNested(L, th, false, rt.coResume)
	s.current = outer
	s.deliverTo, s.delivered = nil, nil
	s.forgetAwaitThread()
	return n
}

// co_yield(...) is coroutine.yield(...), refused as coroutine.yield refuses
// it where a Go function sits between the coroutine and the yield.
func inlineYield(L *lua.LState) int {
	if L.Parent == nil {
		L.RaiseError("attempt to yield from outside a coroutine")
	}
	if yieldCrossesGo() {
		L.Error(lua.LString("attempt to yield across metamethod/C-call boundary"), 0)
	}
	return -1 // gopher-lua's yield: the values on the stack go to the resumer
}

// co_traceback(co) is the traceback of the suspended coroutine co where it
// stopped (inside a pcall: where that pcall's function stopped).
func (rt *Runtime) inlineTraceback(L *lua.LState) int {
	th, ok := L.Get(1).(*lua.LState)
	if !ok {
		typeError(L, 1, fname{name: "traceback"}, "coroutine")
	}
	L.Push(lua.LString(withoutEmbeddedFrames(rt.traceback(rt.innermost(th), 0))))
	return 1
}

// trace_error(err) is the message handler of the xpcall an inline
// callbacks coroutine runs its function under: called where err was raised,
// it returns {err, traceback}, the traceback without the frames of
// luabind's Lua modules and of the Go await ("" if nothing is left).
func (rt *Runtime) inlineTraceError(L *lua.LState) int {
	err := L.Get(1)
	level := 1
	if rt.raisedInAwait(L) {
		level = 2 // an awaited Failure: the traceback starts at the await's line
	}
	tb := withoutEmbeddedFrames(rt.traceback(L, level))
	t := L.CreateTable(2, 0)
	t.RawSetInt(1, err)
	t.RawSetInt(2, lua.LString(tb))
	L.Push(t)
	return 1
}

// embeddedSource starts the chunk name of luabind's Lua modules in
// tracebacks (defer.lua, errors.lua: plumbing between the script's frames).
const embeddedSource = "=loopscript/"

// withoutEmbeddedFrames drops the frames of luabind's Lua modules from a
// traceback, and each Go frame called from one of them (error, xpcall,
// the sub-thread plumbing): what is left are the script's frames. It is ""
// when none is left.
func withoutEmbeddedFrames(tb string) string { return withoutFramesFrom(tb, embeddedSource) }
