package luastate

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// frameStack is what ProtectedCall asks of gopher-lua's call stack. The
// mirror's field is typed for its size only: its methods are reached by a
// type assertion, which finds them through the dynamic type.
type frameStack interface {
	Sp() int
	SetSp(int)
}

// PCallSafe reports whether gopher-lua's PCall may be entered on L: false
// when L's call stack grows on demand (Options.MinimizeStackMemory) and is
// full. PCall's callee frame cannot be pushed then, and PCall's recovery
// cuts the stack back to a count that is a whole number of segments with
// the last segment full, which the stack reads as the start of the next
// one: it forgets that segment's frames, and the next return hands the
// segment, still in use, to the pool from which every state of the process
// takes segments. On a fixed stack the push raises "stack overflow" and
// nothing is lost. ProtectedCall checks it itself; StackOverflow is the
// error to report instead.
func PCallSafe(L *lua.LState) bool {
	if vmLayoutErr != nil {
		return true // nothing to read it from: the fixed stack is the default
	}
	s := stateOf(L)
	return !s.Options.MinimizeStackMemory || !stackIsFull(s)
}

// GrowingStackFull is what gopher-lua's growing call stack (a coroutine's,
// or a state's with MinimizeStackMemory) panics with when a frame is pushed
// on it full; loopscript reports Lua's "stack overflow" in its place.
const GrowingStackFull = "lua callstack overflow"

// stackIsFull reports whether s's call stack holds as many frames as it can.
func stackIsFull(s *vmState) bool {
	stack, ok := s.stack.(frameStack)
	return ok && stack.Sp() >= callStackCapacity(s)
}

// StackOverflow is the error a full fixed call stack raises when a Go
// function calls a Lua function: "stack overflow" at the line of the
// innermost Lua function running.
func StackOverflow(L *lua.LState) *lua.ApiError {
	msg := "stack overflow"
	for level := 0; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.What != "G" {
			msg = fmt.Sprintf("%s:%d: %s", dbg.Source, dbg.CurrentLine, msg)
			break
		}
	}
	return &lua.ApiError{Type: lua.ApiErrorRun, Object: lua.LString(msg)}
}

// callStackCapacity is the number of frames s's call stack holds: a fixed
// stack CallStackSize, a growing one CallStackSize rounded up to whole
// segments.
func callStackCapacity(s *vmState) int {
	n := s.Options.CallStackSize
	if s.Options.MinimizeStackMemory {
		n = (n + lua.FramesPerSegment - 1) / lua.FramesPerSegment * lua.FramesPerSegment
	}
	return n
}

// ProtectedCall calls the function below the nargs values on top of L's
// stack, leaving nret results, as L.PCall(nargs, nret, nil) does, without
// PCall's own Panic hook: hook is L's Panic hook during the call, and L's
// error-function flag is set (gopher-lua closes no upvalues on a raise);
// both are restored after. An error the call raises reaches hook with the
// failing frames live; whatever hook panics with comes back as err when it
// is an *lua.ApiError, and any other Go panic comes back as PCall words it
// (ApiErrorPanic, with gopher-lua's traceback of the failing frames). On an
// error L's call stack and value stack are cut back to where they were
// below the function, as PCall leaves them. ok is false, and nothing is
// called, when the linked gopher-lua's layout is not the one mirrored here:
// the caller then makes its call through PCall.
func ProtectedCall(L *lua.LState, nargs, nret int, hook func(*lua.LState)) (err *lua.ApiError, ok bool) {
	if vmLayoutErr != nil {
		return nil, false
	}
	s := stateOf(L)
	stack, isStack := s.stack.(frameStack)
	if !isStack {
		return nil, false
	}
	sp, frame := stack.Sp(), s.currentFrame
	base := s.reg.top - nargs - 1
	savedHook, savedFlag := L.Panic, ErrorFuncActive(L)
	L.Panic = hook
	SetErrorFuncActive(L, true)
	defer func() {
		rcv := recover()
		if rcv != nil {
			apiErr, isAPI := rcv.(*lua.ApiError)
			if !isAPI {
				apiErr = gopherPanicError(L, rcv)
			}
			err = apiErr
			if stack.Sp() != sp {
				// Not when the callee's frame was never pushed: on a growing
				// stack full to a segment's end, SetSp(Sp()) is the cut
				// PCallSafe describes.
				stack.SetSp(sp)
			}
			s.currentFrame = frame
			cutTop(s.reg, base)
		}
		L.Panic = savedHook
		SetErrorFuncActive(L, savedFlag)
	}()
	ok = true // from here on the call is made, whether or not it raises
	if s.Options.MinimizeStackMemory && sp >= callStackCapacity(s) {
		// As the push of the callee's frame raises it on a fixed stack.
		L.RaiseError("stack overflow")
	}
	L.Call(nargs, nret)
	return nil, true
}

// gopherPanicError is the error gopher-lua's PCall makes of a Go panic
// (rcv) that is not a raised Lua error: it is taken by PCall itself, panicking
// with rcv again from a Go function called while the frames that panicked
// are still on L's stack, so its message and traceback read as PCall's
// always did, less the line of that Go function.
func gopherPanicError(L *lua.LState, rcv any) *lua.ApiError {
	if vmLayoutErr == nil && stackIsFull(stateOf(L)) {
		// No frame can be pushed for the panic to be taken again. A growing
		// stack's own panic on a push is what a fixed one raises.
		if rcv == GrowingStackFull {
			return StackOverflow(L)
		}
		return &lua.ApiError{Type: lua.ApiErrorPanic, Object: lua.LString(fmt.Sprint(rcv))}
	}
	L.Panic = func(*lua.LState) {} // not reached: the function raises no Lua error
	L.Push(L.NewFunction(func(*lua.LState) int { panic(rcv) }))
	perr := L.PCall(0, 0, nil)
	apiErr, isAPI := perr.(*lua.ApiError)
	if !isAPI {
		return &lua.ApiError{Type: lua.ApiErrorPanic, Object: lua.LString(fmt.Sprint(rcv))}
	}
	apiErr.StackTrace = withoutFirstFrame(apiErr.StackTrace)
	return apiErr
}

// withoutFirstFrame drops the first line after "stack traceback:" in a
// gopher-lua traceback when it is a Go function's: the frame of
// gopherPanicError's function.
func withoutFirstFrame(tb string) string {
	const header = "stack traceback:\n"
	i := strings.Index(tb, header)
	if i < 0 {
		return tb
	}
	rest := tb[i+len(header):]
	if !strings.HasPrefix(rest, "\t[G]:") {
		return tb // the function's frame could not be pushed (a full stack)
	}
	j := strings.Index(rest, "\n")
	if j < 0 {
		return tb[:i+len(header)-1]
	}
	return tb[:i+len(header)] + rest[j+1:]
}

// cutTop sets the value stack's top to top, clearing the slots above it as
// gopher-lua's registry does (Go's nil: they need not hold Lua values).
func cutTop(reg *vmRegistry, top int) {
	for i := top; i < reg.top && i < len(reg.array); i++ {
		reg.array[i] = nil
	}
	reg.top = top
}
