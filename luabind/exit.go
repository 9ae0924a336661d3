package luabind

import (
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// ExitError ends a run because the script called os.exit(Code). It is
// returned, never acted on: the embedder decides whether the process ends.
type ExitError struct {
	Code int
}

func (e *ExitError) Error() string { return fmt.Sprintf("script called os.exit(%d)", e.Code) }

// os.exit in Lua ends the process at once: no pcall catches it, no further
// line of the script runs. gopher-lua's closes the state and calls Go's
// os.Exit (after closing the state, so a bad argument crashed in Go), which
// no embedder wants. Here os.exit flushes the script's output, halts the
// reactor (no callback runs after it, no shutdown trigger: see
// reactor.Halt) and raises exitSignal, an error value the script cannot
// catch: every pcall, xpcall and coroutine resume raises it again. The run
// then returns the *ExitError, which host hands to its caller.

// exitSignal is the error value os.exit raises. Its text shows only if a Go
// caller prints a raw Lua error.
const exitSignal = lua.LString("os.exit")

// luaExit is os.exit([code]): code is a number, or true (0) or false (1),
// as in Lua 5.2; none means 0.
func (rt *Runtime) luaExit(L *lua.LState) int {
	code := 0
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
	case lua.LBool:
		if !v {
			code = 1
		}
	default:
		n := checkInteger(L, 1, fname{name: "exit"})
		code = int(max(min(n, math.MaxInt32), math.MinInt32))
	}
	if rt.exit == nil {
		rt.exit = &ExitError{Code: code}
	}
	rt.FlushOutput()
	if rt.r != nil {
		rt.r.Halt()
	}
	rt.raiseExit(L)
	return 0
}

// raiseExit raises exitSignal in L if the script has called os.exit.
func (rt *Runtime) raiseExit(L *lua.LState) {
	if rt.exit != nil {
		L.Error(exitSignal, 0)
	}
}

// Exited returns the *ExitError of a script that called os.exit, or nil.
func (rt *Runtime) Exited() *ExitError { return rt.exit }

// replaceExit puts luaExit in place of gopher-lua's os.exit, if the state
// has one (a sandbox removes it).
func (rt *Runtime) replaceExit() {
	if os, ok := rt.L.GetGlobal("os").(*lua.LTable); ok && os.RawGetString("exit") != lua.LNil {
		os.RawSetString("exit", rt.L.NewFunction(rt.luaExit))
	}
}
