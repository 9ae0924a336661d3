package luastate

import (
	lua "github.com/yuin/gopher-lua"
)

// RepeatCallOnYield readies the Go function running in L, which must return
// L.Yield(...) next, so that resuming L makes the Lua call that reached it
// again, with fn in place of the function called: a Go function can yield
// but is not continued after the resume (its caller gets the resume's values
// as its results), and calling fn again from the same instruction is how it
// gets to look at the resume and to raise, return or yield once more.
//
// The call made again is the CALL instruction that called the running
// function, or, when a Lua function tail-called it, the CALL that called that
// function (whose frame the tail call ended): fn's results are the call's, as
// the running function's would have been. Its arguments are not the first
// call's: fn must find what it needs elsewhere (in its upvalues). Until the
// resume, a traceback of L shows the calling function at the instruction
// before that CALL.
//
// It returns false, and changes nothing, when the call cannot be made again:
// the running function was called by Go code (which the yield would cross
// anyway), by an instruction other than a call (a metamethod, a generic for's
// iterator), through a __call metamethod, or the VM's layout is not the one
// this package knows.
func RepeatCallOnYield(L *lua.LState, fn *lua.LFunction) bool {
	if vmLayoutErr != nil || Supported() != nil {
		return false
	}
	s := stateOf(L)
	running := s.currentFrame
	if running == nil || running.Fn == nil || !running.Fn.IsG || running.Fn != register0(s, running.Base) {
		return false
	}
	caller := running.Parent
	op, ra, ok := callAt(caller)
	if !ok || ra != running.Base {
		return false
	}
	site, at := caller, ra
	switch {
	case op == lua.OP_CALL && running.ReturnBase == running.Base:
	case op == lua.OP_TAILCALL && running.ReturnBase == caller.ReturnBase:
		// The tail call ends the caller's frame when the running function
		// returns or yields: the call to make again is the one below it.
		op, ra, ok = callAt(caller.Parent)
		if !ok || op != lua.OP_CALL || ra != caller.ReturnBase {
			return false
		}
		site, at = caller.Parent, ra
	default:
		return false
	}
	site.Pc--
	s.reg.array[at] = fn
	// The yield moves the values above LocalBase to the resumer and leaves
	// the top at LocalBase minus (LocalBase - ReturnBase): at+1, so that the
	// register of the function called is kept and the resume's values land
	// above it, where the call made again finds its arguments.
	running.LocalBase, running.ReturnBase = at+1, at+1
	return true
}

// register0 is the value in the absolute stack slot i, or nil past the end.
func register0(s *vmState, i int) lua.LValue {
	if i < 0 || i >= len(s.reg.array) {
		return nil
	}
	return s.reg.array[i]
}

// callAt is the opcode and the absolute register A of the instruction the
// Lua frame f is running (the one before its Pc); ok is false for a Go
// frame, no frame, or a Pc out of the code.
func callAt(f *vmFrame) (op, ra int, ok bool) {
	if f == nil || f.Fn == nil || f.Fn.IsG || f.Fn.Proto == nil {
		return 0, 0, false
	}
	code, pc := f.Fn.Proto.Code, f.Pc-1
	if pc < 0 || pc >= len(code) {
		return 0, 0, false
	}
	inst := code[pc]
	return opcodeOf(inst), f.LocalBase + argA(inst), true
}

// CanRepeatCall reports whether RepeatCallOnYield can work with the linked
// gopher-lua (its VM's layout is the one this package knows).
func CanRepeatCall() bool { return vmLayoutErr == nil && Supported() == nil }
