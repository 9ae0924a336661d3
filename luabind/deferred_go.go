package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// Deferreds made by Go code: the value a script receives is a Deferred of
// require("defer") (lua/defer.lua), the same class scripts make, so its
// callbacks, cancel and unhandled-failure report behave exactly as theirs.

// deferredFire fires the Deferred it was made with: d:callback(result), or
// d:errback(result) when failed is set (result then any error value, a
// Failure kept as it is). Only the Lua goroutine may call it. It returns
// the error the fire raised (an *ExitError when a callback called os.exit;
// a *CallbackError for AlreadyCalledError, the one error a fire itself
// raises: callbacks' errors go down the chain, not to the firer).
type deferredFire func(result lua.LValue, failed bool) error

// newDeferred makes an unfired Deferred for Go code to hand to a script and
// fire later, from the reactor or inline.
func (rt *Runtime) newDeferred() (lua.LValue, deferredFire) {
	L := rt.L
	ctor := L.GetField(rt.embeddedModule("defer"), "Deferred")
	L.Push(ctor)
	L.Call(0, 1) // cannot fail without a canceller
	d := L.Get(-1)
	L.Pop(1)
	fire := func(result lua.LValue, failed bool) error {
		method := "callback"
		if failed {
			method = "errback"
		}
		return rt.PCall(L.GetField(d, method), d, result)
	}
	return d, fire
}

// fireInline fires a Deferred from Go code a script called, so that an
// error of the fire goes on to the script as its own.
func (rt *Runtime) fireInline(L *lua.LState, fire deferredFire, result lua.LValue, failed bool) {
	switch err := fire(result, failed).(type) {
	case nil:
	case *ExitError:
		rt.raiseExit(L)
	case *CallbackError:
		L.Error(err.value, 0)
	}
}
