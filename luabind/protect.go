package luabind

import (
	"strconv"

	"github.com/loopscript/loopscript/internal/luastate"
	lua "github.com/yuin/gopher-lua"
)

// Protected calls, and what an error does to upvalues.
//
// In Lua 5.1, when an error unwinds to the pcall that catches it, the open
// upvalues of exactly the frames it ended are closed (luaF_close down to the
// pcall's level): a closure made in such a frame keeps the values it saw,
// and the frames below the pcall keep sharing their locals with the closures
// made there. gopher-lua v1.1.2 gets this wrong both ways:
//
//   - with no message handler active it closes the upvalues of every frame,
//     including the ones that survive (gopher-lua issue 448): after
//     `local x; local f = function() pcall(error, "e"); x = 1 end; f()`,
//     x is still nil outside f;
//   - with a handler active it closes none, and then clears the stack slots
//     above the pcall, so a closure made in an ended frame reads whatever
//     later code puts there, or a Go nil that crashes the next use.
//
// loopscript does what Lua does. Every protected call luabind makes, and the
// script's own pcall and xpcall (replaced here), goes through protect: it
// records the catch point (the state and the stack slot of the called
// function) and calls the function through a runner, a Go function that
// sets the state's handler flag, so gopher-lua closes nothing, and installs
// a Panic hook. gopher-lua calls the hook when an error is raised, before
// anything unwinds; the hook closes the upvalues at and above the innermost
// catch point, and for xpcall calls the script's message handler there, as
// Lua does. A Go panic, which bypasses the hook, has its upvalues closed on
// the way out, as nil: their slots are already cleared.
//
// Why a runner and a hook rather than gopher-lua's own message handler:
// gopher-lua calls a handler on a new call frame, which a full call stack
// ("stack overflow") does not have; it then falls back to a traceback of
// every frame, which takes seconds at a depth of 20,000.
//
// A coroutine's own top level needs nothing: the flag is clear there, so an
// error it does not catch closes all of its upvalues, which is right since
// the whole coroutine dies with it.

// catchPoint is where the innermost protected call catches errors.
type catchPoint struct {
	L       *lua.LState
	base    int        // stack slot of the runner: what dies is above
	handler lua.LValue // xpcall's message handler; nil for the others
}

// maxCNesting bounds how deeply protected calls and coroutine resumes may
// nest, as Lua 5.1's LUAI_MAXCCALLS does: each level is a Go call that runs
// a VM loop of its own, so the bound keeps the Go stack small where the Lua
// call depth is large.
const maxCNesting = 200

// Lua 5.1's messages.
const (
	errCStack        = "C stack overflow"
	errErrorHandling = "error in error handling"
)

// hookTrace marks an error raised through a catch hook: gopher-lua's PCall
// takes a traceback of the whole stack for an error that has none, and
// pcall's error needs none.
const hookTrace = "-"

// protect calls the function below the nargs values on top of L's stack in
// protected mode through runner, leaving nret results. runner must call it
// with a Panic hook that calls closeAtRaise (pcallRunner, or Runtime's
// runCallee); handler is xpcall's message handler, or nil. The error, if
// any, is PCall's.
func (rt *Runtime) protect(L *lua.LState, nargs, nret int, runner *lua.LFunction, handler lua.LValue) *lua.ApiError {
	L.Insert(runner, L.GetTop()-nargs)
	return rt.protectRunner(L, nargs, nret, handler)
}

// protectRunner is protect for a caller that pushed the runner itself,
// below the function and its nargs arguments.
func (rt *Runtime) protectRunner(L *lua.LState, nargs, nret int, handler lua.LValue) *lua.ApiError {
	base := luastate.Top(L) - nargs - 2
	if !luastate.PCallSafe(L) {
		// PCall's error when the runner's frame cannot be pushed, as a
		// fixed call stack raises it.
		L.SetTop(base)
		return luastate.StackOverflow(L)
	}
	outer := luastate.ErrorFuncActive(L)
	depth := len(rt.catches)
	rt.catches = append(rt.catches, catchPoint{L: L, base: base, handler: handler})
	apiErr, ok := luastate.ProtectedCall(L, nargs+1, nret, rt.catchHook)
	if !ok {
		if err := L.PCall(nargs+1, nret, nil); err != nil {
			apiErr = err.(*lua.ApiError) // the only kind PCall returns
		}
	}
	rt.catches = rt.catches[:depth]
	luastate.SetErrorFuncActive(L, outer)
	if apiErr == nil {
		return nil
	}
	// A Go panic (not a raised error) passed no hook: close what it left
	// open on cleared slots.
	luastate.CloseUpvalues(L, base)
	return apiErr
}

// closeAtRaise is called by a catch hook while the frames an error ends are
// still live: the innermost catch point is the hook's own.
func (rt *Runtime) closeAtRaise(L *lua.LState) {
	if n := len(rt.catches); n > 0 && rt.catches[n-1].L == L {
		luastate.CloseUpvalues(L, rt.catches[n-1].base)
	}
}

// runPCall is the runner of pcall and xpcall: it calls the function at
// stack index 1 with the values above it, with rt.catchHook as the Panic
// hook.
func (rt *Runtime) runPCall(L *lua.LState) int {
	saved := L.Panic
	L.Panic = rt.catchHook
	luastate.SetErrorFuncActive(L, true)
	L.Call(L.GetTop()-1, lua.MultRet)
	L.Panic = saved // on an error, the enclosing PCall restores it
	return L.GetTop()
}

// catchHookFor is the Panic hook of runPCall (rt.catchHook), called with
// the error value on top of the stack and the failing frames live. It
// closes their upvalues and, for xpcall, replaces the error with what the
// message handler makes of it ("error in error handling" if the handler
// fails too).
func (rt *Runtime) catchHookFor(L *lua.LState) {
	rt.closeAtRaise(L)
	errObj := L.Get(-1)
	if c := rt.catches[len(rt.catches)-1]; c.handler != nil && c.L == L && rt.exit == nil {
		errObj = rt.callHandler(L, c.handler, errObj)
	}
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: errObj, StackTrace: hookTrace})
}

// callHandler calls xpcall's handler with the error, and returns its first
// result.
func (rt *Runtime) callHandler(L *lua.LState, handler, errObj lua.LValue) (result lua.LValue) {
	saved, top := L.Panic, L.GetTop()
	L.Panic = func(L *lua.LState) { panic(errObj) } // any value: recovered below
	// The handler may use the frames kept for it: it runs on the stack of
	// the error, which may be a stack overflow.
	outer := luastate.EnterHandler(L)
	defer func() {
		luastate.LeaveHandler(L, outer)
		L.Panic = saved
		if recover() != nil {
			L.SetTop(top)
			result = lua.LString(errErrorHandling)
		}
	}()
	L.Push(handler)
	L.Push(errObj)
	L.Call(1, 1)
	result = L.Get(-1)
	L.SetTop(top)
	return result
}

// errorValue is the Lua value a caught error hands to the script: a Go panic
// that gopher-lua recovered becomes a message with the Lua position, as an
// error raised there would have, and a full call stack is Lua's "stack
// overflow".
func errorValue(err *lua.ApiError) lua.LValue {
	if err.Type != lua.ApiErrorPanic {
		return err.Object
	}
	msg := lua.LVAsString(err.Object)
	if msg == luastate.GrowingStackFull {
		msg = "stack overflow"
	}
	msg, _ = goPanicMessage(msg, err.StackTrace)
	return lua.LString(msg)
}

// pcall is a protected call for luabind's own Go code that calls Lua
// functions (a __tostring metamethod, say).
func (rt *Runtime) pcall(L *lua.LState, nargs, nret int) *lua.ApiError {
	return rt.protect(L, nargs, nret, rt.pcallRunner, nil)
}

// luaPCall is the base library's pcall(f, ...).
func (rt *Runtime) luaPCall(L *lua.LState) int {
	if L.GetTop() == 0 {
		argError(L, 1, fname{name: "pcall"}, "value expected")
	}
	return rt.scriptPCall(L, L.GetTop()-1, nil)
}

// luaXPCall is the base library's xpcall(f, handler): f is called with no
// arguments, and handler with the error, before the stack unwinds.
func (rt *Runtime) luaXPCall(L *lua.LState) int {
	if L.GetTop() < 2 {
		argError(L, 2, fname{name: "xpcall"}, "value expected")
	}
	L.SetTop(2)
	handler := L.Get(2)
	L.Pop(1)
	return rt.scriptPCall(L, 0, handler)
}

// scriptPCall calls the value at stack index 1 with the nargs values above
// it and returns what pcall returns: true and the results, or false and the
// error.
func (rt *Runtime) scriptPCall(L *lua.LState, nargs int, handler lua.LValue) int {
	fail := func(msg lua.LValue) int {
		L.SetTop(0)
		L.Push(lua.LFalse)
		L.Push(msg)
		return 2
	}
	if fn := L.Get(1); !IsCallable(L, fn) {
		return fail(lua.LString("attempt to call a " + fn.Type().String() + " value"))
	}
	if len(rt.catches) >= maxCNesting {
		return fail(lua.LString(errCStack))
	}
	if inCoroutine(L) {
		return rt.coroutinePCall(L, nargs, handler)
	}
	if err := rt.protect(L, nargs, lua.MultRet, rt.pcallRunner, handler); err != nil {
		rt.raiseExit(L) // os.exit is not caught
		return fail(errorValue(err))
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// replaceProtectedCalls puts luabind's pcall and xpcall in the base library.
func (rt *Runtime) replaceProtectedCalls() {
	rt.pcallRunner = rt.L.NewFunction(rt.runPCall)
	rt.L.SetGlobal("pcall", rt.L.NewFunction(rt.luaPCall))
	rt.L.SetGlobal("xpcall", rt.L.NewFunction(rt.luaXPCall))
	rt.L.SetGlobal("error", rt.L.NewFunction(rt.luaError))
}

// isRunner reports whether fn is one of luabind's runners, which tracebacks
// leave out: loopscript's plumbing, not the script's.
func (rt *Runtime) isRunner(fn lua.LValue) bool {
	return fn == rt.runner || fn == rt.pcallRunner || (fn == rt.subThreadStart && fn != nil)
}

// luaError is the base library's error([message [, level]]), as Lua 5.1's:
// a string or number message gets the position of the function level
// levels up (1, the default: the function that called error; 2: its
// caller; 0: none), counted as Lua counts them, luabind's runners taking
// no level; any other value is raised as it is, and so is no value (nil).
// gopher-lua's refused error() and put level 2 on the wrong frame.
func (rt *Runtime) luaError(L *lua.LState) int {
	msg := L.Get(1)
	level := 1
	if L.GetTop() >= 2 {
		level = int(checkInteger(L, 2, fname{name: "error"}))
	}
	switch v := msg.(type) {
	case lua.LString:
		if level > 0 {
			msg = lua.LString(rt.where(L, level) + string(v))
		}
	case lua.LNumber:
		if level > 0 {
			msg = lua.LString(rt.where(L, level) + valueText(v))
		}
	}
	L.Error(msg, 0)
	return 0
}

// where is Lua 5.1's luaL_where: "FILE:LINE: " for the Lua function level
// levels up the stack (0 is the running Go function), "" for a Go function
// or past the bottom.
func (rt *Runtime) where(L *lua.LState, level int) string {
	for i, seen := 0, 0; ; i++ {
		dbg, ok := L.GetStack(i)
		if !ok {
			return ""
		}
		fn, err := L.GetInfo("Slf", dbg, lua.LNil)
		if err != nil {
			return ""
		}
		if i > 0 && rt.isRunner(fn) {
			continue
		}
		if seen < level {
			seen++
			continue
		}
		if dbg.CurrentLine <= 0 {
			return ""
		}
		return dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": "
	}
}
