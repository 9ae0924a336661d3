package luabind

import (
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
}

// StartScript runs fn(args...) as the script of an interactive session. It
// returns done when the script ended without calling reactor.run(), with its
// error; otherwise the script waits in reactor.run(), and ended is called on
// the loop when it has ended after a reactor.stop(), with its error.
func (rt *Runtime) StartScript(fn *lua.LFunction, args []lua.LValue, ended func(error)) (done bool, err error) {
	L := rt.L
	th, _ := L.NewThread()
	s := &sessionScript{th: th, fn: fn, ended: ended}
	rt.script = s
	if err := rt.resume(s, args...); err != nil || !s.waiting {
		rt.script = nil
		return true, err
	}
	return false, nil
}

// resume runs the script until it ends or waits in reactor.run().
func (rt *Runtime) resume(s *sessionScript, args ...lua.LValue) error {
	_, err, _ := rt.L.Resume(s.th, s.fn, args...)
	if rt.exit != nil {
		return rt.exit // os.exit: the session ends with its status
	}
	if err != nil {
		if apiErr, ok := err.(*lua.ApiError); ok {
			return &CallbackError{Message: ToString(rt.L, apiErr.Object), value: apiErr.Object}
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
