package luastate

import (
	"strconv"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// The instruction handlers. Each looks at its operands first: when they are
// the common case (a table to index, numbers to add, a function to call) it
// hands the instruction to gopher-lua's own handler at once, with no
// allocation. Only where gopher-lua's handler would raise its own message,
// and the state is marked, does it raise Lua 5.1's instead; the position
// ("chunk:line:") is the running instruction's, as gopher-lua's own raise
// gives it, and the error goes through the state's Panic hook the same way.

// opIndexRead is GETTABLE, GETTABLEKS and SELF: R(B) is indexed with
// RK(C). An index that calls an __index function checks the call stack's
// limit first, as a call does.
func opIndexRead(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	obj := register(s, argB(inst))
	if t, ok := obj.(*lua.LTable); ok {
		if !isNilValue(t.Metatable) && callStackAtLimit(L, s) && indexCalls(L, obj, rk(s, argC(inst))) {
			L.RaiseError("stack overflow")
		}
		return original[opcodeOf(inst)](L, inst, bf)
	}
	if index := metamethod(L, obj, "__index"); index != lua.LNil || markOf(L) == nil {
		// A string's __index is the string table: no call, no check.
		if mayCall(index) && callStackAtLimit(L, s) && indexCalls(L, obj, rk(s, argC(inst))) {
			L.RaiseError("stack overflow")
		}
		return original[opcodeOf(inst)](L, inst, bf)
	}
	typeError(L, argB(inst), obj, "index")
	return 0
}

// opIndexWrite is SETTABLE and SETTABLEKS: R(A) is indexed with RK(B). An
// assignment that calls a __newindex function checks the call stack's limit
// first, as a call does.
func opIndexWrite(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	obj := register(s, argA(inst))
	if t, ok := obj.(*lua.LTable); ok {
		if !isNilValue(t.Metatable) && callStackAtLimit(L, s) && newindexCalls(L, obj, rk(s, argB(inst))) {
			L.RaiseError("stack overflow")
		}
		return original[opcodeOf(inst)](L, inst, bf)
	}
	if newindex := metamethod(L, obj, "__newindex"); newindex != lua.LNil || markOf(L) == nil {
		if mayCall(newindex) && callStackAtLimit(L, s) && newindexCalls(L, obj, rk(s, argB(inst))) {
			L.RaiseError("stack overflow")
		}
		return original[opcodeOf(inst)](L, inst, bf)
	}
	typeError(L, argA(inst), obj, "index")
	return 0
}

var arithEvents = [lua.OP_NOP + 1]string{
	lua.OP_ADD: "__add", lua.OP_SUB: "__sub", lua.OP_MUL: "__mul",
	lua.OP_DIV: "__div", lua.OP_MOD: "__mod", lua.OP_POW: "__pow", lua.OP_UNM: "__unm",
}

// opArith is ADD, SUB, MUL, DIV, MOD and POW on RK(B) and RK(C).
func opArith(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	lhs, rhs := rk(s, argB(inst)), rk(s, argC(inst))
	if a, ok := lhs.(lua.LNumber); ok {
		if b, ok := rhs.(lua.LNumber); ok {
			if opcodeOf(inst) == lua.OP_MOD && markOf(L) != nil {
				setNumber(s, argA(inst), lua51Mod(float64(a), float64(b)))
				return 0
			}
			return original[opcodeOf(inst)](L, inst, bf)
		}
	}
	_, lok := gopherNumber(lhs)
	_, rok := gopherNumber(rhs)
	if lok && rok {
		return original[opcodeOf(inst)](L, inst, bf)
	}
	if binaryMetamethod(L, lhs, rhs, arithEvents[opcodeOf(inst)]) {
		raiseIfAtLimit(L, s)
		return original[opcodeOf(inst)](L, inst, bf)
	}
	if markOf(L) == nil {
		return original[opcodeOf(inst)](L, inst, bf)
	}
	// Lua 5.1 blames the first operand that is not a number.
	if !lok {
		typeError(L, rkRegister(argB(inst)), lhs, "perform arithmetic on")
	} else {
		typeError(L, rkRegister(argC(inst)), rhs, "perform arithmetic on")
	}
	return 0
}

// opUnm is UNM on R(B).
func opUnm(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	v := rk(s, argB(inst))
	if _, ok := gopherNumber(v); ok {
		return original[lua.OP_UNM](L, inst, bf)
	}
	if isFunction(metamethod(L, v, "__unm")) {
		raiseIfAtLimit(L, s)
		return original[lua.OP_UNM](L, inst, bf)
	}
	if markOf(L) == nil {
		return original[lua.OP_UNM](L, inst, bf)
	}
	typeError(L, rkRegister(argB(inst)), v, "perform arithmetic on")
	return 0
}

// opLen is LEN on R(B). Lua 5.1 takes a table's length as it is, where
// gopher-lua (as Lua 5.2) calls its __len.
func opLen(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	v := rk(s, argB(inst))
	switch t := v.(type) {
	case lua.LString:
		return original[lua.OP_LEN](L, inst, bf)
	case *lua.LTable:
		if isNilValue(t.Metatable) || markOf(L) == nil {
			return original[lua.OP_LEN](L, inst, bf)
		}
		setNumber(s, argA(inst), float64(t.Len()))
		return 0
	}
	if isFunction(metamethod(L, v, "__len")) {
		raiseIfAtLimit(L, s)
		return original[lua.OP_LEN](L, inst, bf)
	}
	if markOf(L) == nil {
		return original[lua.OP_LEN](L, inst, bf)
	}
	typeError(L, rkRegister(argB(inst)), v, "get length of")
	return 0
}

// opOrder is LT and LE on RK(B) and RK(C).
func opOrder(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	lhs, rhs := rk(s, argB(inst)), rk(s, argC(inst))
	if _, ok := lhs.(lua.LNumber); ok {
		if _, ok := rhs.(lua.LNumber); ok {
			return original[opcodeOf(inst)](L, inst, bf)
		}
	}
	lt, rt := lhs.Type(), rhs.Type()
	if lt == rt && lt == lua.LTString {
		return original[opcodeOf(inst)](L, inst, bf)
	}
	if lt == rt && (sameMetamethod(L, lhs, rhs, "__lt") || opcodeOf(inst) == lua.OP_LE && sameMetamethod(L, lhs, rhs, "__le")) {
		raiseIfAtLimit(L, s)
		return original[opcodeOf(inst)](L, inst, bf)
	}
	if markOf(L) == nil {
		return original[opcodeOf(inst)](L, inst, bf)
	}
	// Lua 5.1 tells "two" types apart by their names' third letters
	// (ldebug.c, luaG_ordererror), so a string and a thread are "two string
	// values": kept, as the reference interpreter prints it.
	if l, r := lt.String(), rt.String(); l[2] == r[2] {
		L.RaiseError("attempt to compare two %s values", l)
	} else {
		L.RaiseError("attempt to compare %s with %s", l, r)
	}
	return 0
}

// opCall is CALL and TAILCALL: R(A) is called. A call that would push a
// frame past the limit raises Lua's positioned "stack overflow" first (see
// callStackAtLimit); a tail call of a Lua function pushes none.
func opCall(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	fn := register(s, argA(inst))
	f, ok := fn.(*lua.LFunction)
	if (opcodeOf(inst) == lua.OP_CALL || ok && f.IsG) && callStackAtLimit(L, s) {
		L.RaiseError("stack overflow")
		return 0
	}
	if ok || isFunction(metamethod(L, fn, "__call")) || markOf(L) == nil {
		return original[opcodeOf(inst)](L, inst, bf)
	}
	typeError(L, argA(inst), fn, "call")
	return 0
}

// opForIn is TFORLOOP: R(A), the generator, is called (on a full call
// stack, "stack overflow" as opCall raises it). Lua 5.1 calls a
// copy of it in R(A+3), which no instruction on the way in wrote, so its
// message names no variable.
func opForIn(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	if callStackAtLimit(L, s) {
		L.RaiseError("stack overflow")
		return 0
	}
	fn := register(s, argA(inst))
	if _, ok := fn.(*lua.LFunction); ok || isFunction(metamethod(L, fn, "__call")) || markOf(L) == nil {
		return original[lua.OP_TFORLOOP](L, inst, bf)
	}
	typeError(L, -1, fn, "call")
	return 0
}

// opForPrep is FORPREP: R(A), R(A+1), R(A+2) are the initial value, the
// limit and the step. Lua 5.1 converts strings that read as numbers and
// checks all three here, in that order; gopher-lua takes numbers only and
// checks the limit at the first FORLOOP.
func opForPrep(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	a := argA(inst)
	_, ok1 := register(s, a).(lua.LNumber)
	_, ok2 := register(s, a+1).(lua.LNumber)
	_, ok3 := register(s, a+2).(lua.LNumber)
	if ok1 && ok2 && ok3 || markOf(L) == nil {
		return original[lua.OP_FORPREP](L, inst, bf)
	}
	for i, what := range [3]string{"initial value", "limit", "step"} {
		n, ok := gopherNumber(register(s, a+i))
		if !ok {
			L.RaiseError("'for' %s must be a number", what)
			return 0
		}
		s.reg.array[s.currentFrame.LocalBase+a+i] = n
	}
	return original[lua.OP_FORPREP](L, inst, bf)
}

func isFunction(v lua.LValue) bool {
	_, ok := v.(*lua.LFunction)
	return ok
}

// binaryMetamethod reports whether gopher-lua finds a function to call for
// event on lhs and rhs: the first operand's metamethod, else the second's.
func binaryMetamethod(L *lua.LState, lhs, rhs lua.LValue, event string) bool {
	mm := metamethod(L, lhs, event)
	if mm == lua.LNil {
		mm = metamethod(L, rhs, event)
	}
	return isFunction(mm)
}

// sameMetamethod reports whether lhs and rhs share one function for event,
// as comparisons require.
func sameMetamethod(L *lua.LState, lhs, rhs lua.LValue, event string) bool {
	mm := metamethod(L, lhs, event)
	return isFunction(mm) && mm == metamethod(L, rhs, event)
}

// gopherNumber is v as a number where gopher-lua's arithmetic takes it: a
// number, or a string that reads as a decimal or 0x-hexadecimal number
// between spaces, tabs and newlines.
func gopherNumber(v lua.LValue) (lua.LNumber, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return v, true
	case lua.LString:
		text := strings.Trim(string(v), " \t\n")
		if i, err := strconv.ParseInt(text, 0, 64); err == nil {
			return lua.LNumber(i), true
		}
		if f, err := strconv.ParseFloat(text, 64); err == nil {
			return lua.LNumber(f), true
		}
	}
	return 0, false
}
