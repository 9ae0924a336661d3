package luabind

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The script of an interactive session (loopscript -i script) runs as lua -i
// runs one, and the prompt then opens on the same live reactor: the script
// runs in a coroutine of its own, whose reactor.run() suspends it while the
// loop runs the session; its reactor.stop() resumes it instead of stopping
// the reactor, so that its run() returns and its last lines run. The
// shutdown triggers run once, when the session stops the reactor.
type sessionScript struct {
	th      *lua.LState
	fn      *lua.LFunction
	waiting bool        // suspended in its reactor.run()
	ended   func(error) // called once the script has ended after waiting
	// trace is the traceback of the last error raised in the coroutine:
	// the one that ended it, when one did.
	trace string
}

// sessionEntry returns the function the script's coroutine starts with: it
// makes errors raised in the coroutine take their traceback where they are
// raised, as RunChunk's do (the coroutine's stack is gone once an error
// has ended it, and gopher-lua's Resume sets a hook that takes none), then
// tail-calls fn, so that tracebacks show the script's main chunk alone.
func (rt *Runtime) sessionEntry(s *sessionScript, fn *lua.LFunction) *lua.LFunction {
	L := rt.L
	hook := L.NewFunction(func(th *lua.LState) int {
		th.Panic = func(th *lua.LState) {
			rt.closeAtRaise(th)
			s.trace = dropRepeatedLast(rt.traceback(th, 0))
			panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: th.Get(-1), StackTrace: s.trace})
		}
		return 0
	})
	entry, err := L.LoadString("local hook, fn = ... return function(...) hook() return fn(...) end")
	if err != nil {
		panic(err) // a constant chunk
	}
	L.Push(entry)
	L.Push(hook)
	L.Push(fn)
	L.Call(2, 1)
	wrapped := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	return wrapped
}

// dropRepeatedLast drops the last line of a traceback when it repeats the
// one before: gopher-lua lists the first frame of a coroutine twice once
// it has made a tail call, which the session's entry does.
func dropRepeatedLast(tb string) string {
	i := strings.LastIndexByte(tb, '\n')
	if i < 0 {
		return tb
	}
	j := strings.LastIndexByte(tb[:i], '\n')
	if j >= 0 && tb[j+1:i] == tb[i+1:] {
		return tb[:i]
	}
	return tb
}

// StartScript runs fn(args...) as the script of an interactive session. It
// returns done when the script ended without calling reactor.run(), with its
// error; otherwise the script waits in reactor.run(), and ended is called on
// the loop when it has ended after a reactor.stop(), with its error.
func (rt *Runtime) StartScript(fn *lua.LFunction, args []lua.LValue, ended func(error)) (done bool, err error) {
	L := rt.L
	th, _ := L.NewThread()
	s := &sessionScript{th: th, ended: ended}
	s.fn = rt.sessionEntry(s, fn)
	rt.script = s
	if err := rt.resume(s, args...); err != nil || !s.waiting {
		rt.script = nil
		return true, err
	}
	return false, nil
}

// resume runs the script until it ends or waits in reactor.run(). Its
// code runs under the main chunk's limits, as RunChunk's does: the time
// limit per stretch of Lua code, and Interrupt.
func (rt *Runtime) resume(s *sessionScript, args ...lua.LValue) error {
	if rt.underWatch() {
		g := rt.enterStretch("main chunk")
		defer rt.leaveStretch(g)
		prepareResume(rt.L, s.th) // the coroutine gets the stretch's context
	}
	_, err, _ := rt.L.Resume(s.th, s.fn, args...)
	if rt.exit != nil {
		return rt.exit // os.exit: the session ends with its status
	}
	if err != nil {
		if apiErr, ok := err.(*lua.ApiError); ok {
			return &CallbackError{Message: ToString(rt.L, apiErr.Object), Traceback: s.trace, value: apiErr.Object}
		}
		return err
	}
	return nil
}

// suspendScript reports whether L is the session's script calling
// reactor.run(), which then yields.
func (rt *Runtime) suspendScript(L *lua.LState) bool {
	s := rt.script
	if s == nil || L != s.th || s.waiting {
		return false
	}
	s.waiting = true
	return true
}

// resumeScript, on reactor.stop(), resumes the session's script waiting in
// reactor.run() at the loop's next turn, and reports whether it was
// waiting; the reactor then goes on.
func (rt *Runtime) resumeScript() bool {
	s := rt.script
	if s == nil || !s.waiting {
		return false
	}
	s.waiting = false
	rt.r.CallLater(0, func() {
		err := rt.resume(s)
		if s.waiting {
			return // it called reactor.run() again
		}
		rt.script = nil
		s.ended(err)
	})
	return true
}
