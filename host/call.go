package host

import (
	"github.com/loopscript/loopscript/luabind"
	lua "github.com/yuin/gopher-lua"
)

// Call calls fn(args...) on the host's Lua state, in protected mode, as
// RunReader runs a chunk: a Lua error comes back as a *ScriptError with the
// message and the traceback of the failing call. It is for Go code that holds
// a Lua function (a plugin's callback, a test runner's test) and must run it
// on the loop's goroutine. fn may be a function or a value with __call. The
// time limits apply as to a chunk.
func (h *Host) Call(fn lua.LValue, args ...lua.LValue) error {
	if h.closed {
		return ErrClosed
	}
	if !IsCallable(h.state, fn) {
		return &ScriptError{Message: "attempt to call a " + fn.Type().String() + " value"}
	}
	if exit := h.rt.Exited(); exit != nil {
		return exit // the script has ended: nothing more runs
	}
	if err := h.rt.RunChunk(fn, args...); err != nil {
		if exit, ok := err.(*ExitError); ok {
			return exit
		}
		cbErr := err.(*CallbackError)
		return &ScriptError{Message: cbErr.Message, Traceback: cbErr.Traceback}
	}
	return nil
}

// IsCallable reports whether v can be called: a function, or a table or
// userdata whose metatable has a __call function.
func IsCallable(L *lua.LState, v lua.LValue) bool { return luabind.IsCallable(L, v) }
