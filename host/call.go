package host

import lua "github.com/yuin/gopher-lua"

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
	if !callable(h.L, fn) {
		return &ScriptError{Message: "attempt to call a " + fn.Type().String() + " value"}
	}
	if err := h.rt.RunChunk(fn, args...); err != nil {
		cbErr := err.(*CallbackError)
		return &ScriptError{Message: cbErr.Message, Traceback: cbErr.Traceback}
	}
	return nil
}

func callable(L *lua.LState, v lua.LValue) bool {
	switch v.Type() {
	case lua.LTFunction:
		return true
	case lua.LTTable, lua.LTUserData:
		return L.GetMetaField(v, "__call").Type() == lua.LTFunction
	}
	return false
}
