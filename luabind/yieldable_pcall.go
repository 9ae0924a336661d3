package luabind

import (
	"runtime"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/loopscript/loopscript/internal/luastate"
	lua "github.com/yuin/gopher-lua"
)

// Yieldable pcall and xpcall inside coroutines, as in Lua 5.2 and later.
//
// A coroutine that yields from inside pcall(f) must leave pcall suspended
// with it: in gopher-lua a yield returns out of the innermost Go loop that
// runs Lua code, and pcall's protected call is one, so the yield would
// corrupt the VM (Lua 5.1 refuses it). Inside a coroutine, pcall therefore
// runs f in a coroutine of its own, its sub-thread, as the Kepler project's
// coxpcall does in Lua: when f yields, the sub-thread is suspended, and
// pcall yields the same values from the coroutine that called it, which
// remembers the sub-thread as pending. Resuming that coroutine resumes the
// sub-thread instead, with the resume's values; only when f returns or
// raises is the coroutine itself resumed, with pcall's results (true and
// f's values, or false and the error). Nested pcalls nest sub-threads.
//
// An error in f is caught at the sub-thread's top, through a Panic hook
// that the sub-thread's first instruction installs (armSubThread), so
// upvalues are closed and xpcall's handler runs while the failing frames
// are still live, as on the main thread. coroutine.running() inside f
// answers the coroutine that called pcall, not the sub-thread.
//
// On the main thread (where callbacks run) nothing changes: there is no
// coroutine to suspend, and pcall is the plain protected call of protect.go.

// pendingPCall is a coroutine suspended inside pcall: resuming it resumes
// sub, the thread running pcall's function.
//
// The Runtime holds the coroutine by a weak pointer, so a coroutine the
// script abandons while it is suspended inside a pcall (a generator left
// half-way) is collected as any other, and its sub-thread with it: a
// cleanup queues its key, and the next pcall or resume in a coroutine
// drops the entry (see dropCollected).
type pendingPCall struct {
	sub *lua.LState
}

// subThread is what the Runtime knows of a pcall's sub-thread.
type subThread struct {
	owner   weak.Pointer[lua.LState] // the coroutine that called pcall
	handler lua.LValue               // xpcall's message handler, or nil
}

// collectedThreads are the keys of pendingPCalls whose coroutines the
// garbage collector freed; cleanups add to it from their own goroutine.
type collectedThreads struct {
	mu   sync.Mutex
	keys []weak.Pointer[lua.LState]
	any  atomic.Bool
}

func (c *collectedThreads) add(k weak.Pointer[lua.LState]) {
	c.mu.Lock()
	c.keys = append(c.keys, k)
	c.mu.Unlock()
	c.any.Store(true)
}

// dropCollected forgets the pending pcalls of collected coroutines, and
// their sub-threads, so that those can be collected in turn.
func (rt *Runtime) dropCollected() {
	if !rt.collected.any.Load() {
		return
	}
	rt.collected.mu.Lock()
	keys := rt.collected.keys
	rt.collected.keys = nil
	rt.collected.any.Store(false)
	rt.collected.mu.Unlock()
	for len(keys) > 0 {
		k := keys[len(keys)-1]
		keys = keys[:len(keys)-1]
		if p := rt.pendingPCalls[k]; p != nil {
			delete(rt.pendingPCalls, k)
			delete(rt.subThreads, p.sub)
			rt.deferred.forgetAwaitThread()
			// The sub-thread may be suspended inside a pcall of its own.
			keys = append(keys, weak.Make(p.sub))
		}
	}
}

func (rt *Runtime) pending(th *lua.LState) *pendingPCall {
	if len(rt.pendingPCalls) == 0 {
		return nil
	}
	return rt.pendingPCalls[weak.Make(th)]
}

func (rt *Runtime) setPending(th *lua.LState, p *pendingPCall) {
	if rt.pendingPCalls == nil {
		rt.pendingPCalls = map[weak.Pointer[lua.LState]]*pendingPCall{}
	}
	k := weak.Make(th)
	if _, ok := rt.pendingPCalls[k]; !ok {
		runtime.AddCleanup(th, rt.collected.add, k)
	}
	rt.pendingPCalls[k] = p
}

func (rt *Runtime) clearPending(th *lua.LState) {
	if len(rt.pendingPCalls) > 0 {
		delete(rt.pendingPCalls, weak.Make(th))
	}
}

// inCoroutine reports whether L is a coroutine that is running (not the main
// thread, where a yield has nowhere to go).
func inCoroutine(L *lua.LState) bool { return L.Parent != nil }

// subThreadBody is the function every sub-thread runs: for each function
// pcall gives it, it arms the sub-thread's hook, calls the function with
// its arguments (packed in an array after their count) and yields done with the results, packed,
// then waits for the next function. A sub-thread whose function returned
// goes back to a pool for the next pcall, so a pcall in a coroutine costs a
// resume, not a new thread. The function is called plainly, not as a tail
// call: gopher-lua counts a tail call as an extra level that repeats the
// frame in tracebacks. Tracebacks and error levels skip the body's own
// frame, as they skip luabind's runners.
const subThreadBody = `local arm, yield, done = ...
local select, unpack = select, unpack
local function pack(...) return {select("#", ...), ...} end
return function(f, args)
	while true do
		arm()
		f, args = yield(done, pack(f(unpack(args, 2, args[1] + 1))))
	end
end`

// subThreadPoolSize bounds the sub-threads kept for reuse.
const subThreadPoolSize = 8

func (rt *Runtime) newSubThreadBody() *lua.LFunction {
	L := rt.L
	fn, err := L.LoadString(subThreadBody)
	if err != nil {
		panic("luabind: sub-thread body: " + err.Error())
	}
	rt.subThreadDone = L.NewUserData()
	L.Push(fn)
	L.Push(L.NewFunction(rt.armSubThread))
	L.Push(L.NewFunction(func(L *lua.LState) int { return -1 })) // a bare yield
	L.Push(rt.subThreadDone)
	L.Call(3, 1)
	body := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	return body
}

// armSubThread runs as a sub-thread's first instruction: gopher-lua set its
// Panic hook when it started it, and the hook must be ours.
func (rt *Runtime) armSubThread(L *lua.LState) int {
	L.Panic = rt.subThreadHook
	luastate.SetErrorFuncActive(L, true)
	return 0
}

// subThreadHook is a sub-thread's Panic hook, called with the error on top
// of the stack and the failing frames live: it closes their upvalues and,
// for xpcall, replaces the error with what the handler makes of it.
func (rt *Runtime) subThreadHook(L *lua.LState) {
	luastate.CloseUpvalues(L, 0)
	errObj := L.Get(-1)
	if st := rt.subThreads[L]; st != nil && st.handler != nil && rt.exit == nil {
		errObj = rt.callHandler(L, st.handler, errObj)
	}
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: errObj})
}

// coroutinePCall is pcall (handler nil) or xpcall inside a coroutine: it
// calls the value at stack index 1 with the nargs values above it in a
// sub-thread, and returns pcall's results, or yields what the function
// yielded.
func (rt *Runtime) coroutinePCall(L *lua.LState, nargs int, handler lua.LValue) int {
	if rt.subThreadStart == nil {
		rt.subThreadStart = rt.newSubThreadBody()
	}
	rt.dropCollected()
	f := L.Get(1)
	packed := L.CreateTable(nargs+1, 0)
	packed.RawSetInt(1, lua.LNumber(nargs))
	for i := 1; i <= nargs; i++ {
		packed.RawSetInt(i+1, L.Get(i+1))
	}
	L.SetTop(0)
	var sub *lua.LState
	if n := len(rt.subPool); n > 0 {
		sub = rt.subPool[n-1]
		rt.subPool = rt.subPool[:n-1]
	} else {
		L.Push(rt.subThreadStart)
		newThread(L, rt.coCreate)
		sub = L.Get(-1).(*lua.LState)
		L.SetTop(0)
	}
	if rt.subThreads == nil {
		rt.subThreads = map[*lua.LState]*subThread{}
	}
	rt.subThreads[sub] = &subThread{owner: weak.Make(L), handler: handler}
	rt.deferred.forgetAwaitThread()
	return rt.afterSubThread(L, sub, rt.resumeSub(L, sub, []lua.LValue{f, packed}))
}

// subResult is what one resume of a sub-thread came to.
type subResult struct {
	yielded bool
	ok      bool // returned (or yielded); false: raised values[0]
	values  []lua.LValue
}

// pcallResults are what pcall returns for a sub-thread that ended.
func (r subResult) pcallResults() []lua.LValue {
	out := make([]lua.LValue, 0, len(r.values)+1)
	out = append(out, lua.LBool(r.ok))
	return append(out, r.values...)
}

// resumeSub resumes the sub-thread sub from L with args, passing the
// resume on to sub's own pending sub-thread if sub is suspended inside a
// pcall too. It clears the stack of L's running Go function.
func (rt *Runtime) resumeSub(L, sub *lua.LState, args []lua.LValue) subResult {
	if p := rt.pending(sub); p != nil {
		r := rt.resumeSub(L, p.sub, args)
		if r.yielded {
			return r
		}
		rt.clearPending(sub)
		args = r.pcallResults()
	}
	if len(rt.catches) >= maxCNesting {
		rt.endSubThread(sub)
		return subResult{values: []lua.LValue{lua.LString(errCStack)}}
	}
	if tailYielded(sub) {
		// pcall(coroutine.yield, ...) ended with the yield: resuming it
		// returns the resume's values.
		rt.endSubThread(sub)
		sub.Dead = true
		return subResult{ok: true, values: args}
	}
	prepareResume(L, sub)
	L.SetTop(0)
	L.Push(sub)
	for _, a := range args {
		L.Push(a)
	}
	depth := len(rt.catches)
	rt.catches = append(rt.catches, catchPoint{L: sub})
	n := rt.coResume(L)
	rt.catches = rt.catches[:depth]
	top := L.GetTop()
	r := subResult{ok: L.Get(top-n+1) == lua.LTrue}
	for i := top - n + 2; i <= top; i++ {
		r.values = append(r.values, L.Get(i))
	}
	L.SetTop(0)
	switch {
	case !r.ok:
		if len(r.values) == 0 {
			r.values = []lua.LValue{lua.LNil}
		}
		if r.values[0] == lua.LString(luastate.GrowingStackFull) {
			r.values[0] = lua.LString("stack overflow")
		}
		rt.endSubThread(sub)
	case sub.Dead:
		rt.endSubThread(sub)
	case len(r.values) == 2 && r.values[0] == rt.subThreadDone:
		// The function returned: its results are packed.
		packed := r.values[1].(*lua.LTable)
		n := int(lua.LVAsNumber(packed.RawGetInt(1)))
		r.values = r.values[:0]
		for i := 2; i <= n+1; i++ {
			r.values = append(r.values, packed.RawGetInt(i))
		}
		delete(rt.subThreads, sub)
		rt.deferred.forgetAwaitThread()
		if len(rt.subPool) < subThreadPoolSize {
			rt.subPool = append(rt.subPool, sub)
		}
	default:
		r.yielded = true
	}
	return r
}

func (rt *Runtime) endSubThread(sub *lua.LState) {
	luastate.CloseUpvalues(sub, 0)
	delete(rt.subThreads, sub)
	rt.deferred.forgetAwaitThread()
	rt.clearPending(sub)
}

// afterSubThread returns pcall's results to L, or, if the sub-thread
// yielded, yields its values from L and leaves the sub-thread pending.
func (rt *Runtime) afterSubThread(L, sub *lua.LState, r subResult) int {
	rt.raiseExit(L) // os.exit in the sub-thread is not caught
	if !r.yielded {
		results := r.pcallResults()
		for _, v := range results {
			L.Push(v)
		}
		return len(results)
	}
	if yieldCrossesGo() {
		// pcall itself was called from Go code inside the coroutine (a
		// metamethod, sort's comparator): L cannot be suspended here.
		rt.endSubThread(sub)
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to yield across metamethod/C-call boundary"))
		return 2
	}
	rt.setPending(L, &pendingPCall{sub: sub})
	return L.Yield(r.values...)
}

// innermost is the thread that actually runs when th is resumed: th, or
// the sub-thread of the pcall th is suspended in, through every level.
func (rt *Runtime) innermost(th *lua.LState) *lua.LState {
	for {
		p := rt.pending(th)
		if p == nil {
			return th
		}
		th = p.sub
	}
}

// visibleThread is the coroutine a script sees as running in L: the owner
// of a pcall's sub-thread, through every level of nesting.
func (rt *Runtime) visibleThread(L *lua.LState) *lua.LState {
	for {
		st := rt.subThreads[L]
		if st == nil {
			return L
		}
		owner := st.owner.Value()
		if owner == nil {
			return L
		}
		L = owner
	}
}
