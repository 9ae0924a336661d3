package luabind

import lua "github.com/yuin/gopher-lua"

// hasEmptyMethod says whether obj's method name is a Lua function with an
// empty body (function() end, as the ProcessProtocol's defaults are), found
// without running Lua: through tables and __index tables only. Calling such
// a method cannot be seen, so a caller may leave the call out, and the
// arguments it would build (a process's reason, a chunk of output). Never
// while callbacks are traced: the trace shows every call.
func (rt *Runtime) hasEmptyMethod(obj lua.LValue, name string) bool {
	if rt.cfg.Trace != nil {
		return false
	}
	m, ok := methodWithoutLua(obj, name)
	return ok && isEmptyLuaFunction(m)
}

// methodWithoutLua is obj[name] when it can be found without running Lua:
// through tables and __index tables only. ok is false when an __index
// function (or a value that is no table) is met first, or nothing is found.
func methodWithoutLua(obj lua.LValue, name string) (m lua.LValue, ok bool) {
	v := obj
	for range 100 { // lookupMethod's bound: a longer chain is an error it reports
		t, isTable := v.(*lua.LTable)
		if !isTable {
			return lua.LNil, false
		}
		if m := t.RawGetString(name); m != lua.LNil {
			return m, true
		}
		mt, isTable := t.Metatable.(*lua.LTable)
		if !isTable {
			return lua.LNil, false // no method: callMethod does nothing either, its way
		}
		v = mt.RawGetString("__index")
	}
	return lua.LNil, false
}

// isEmptyLuaFunction says whether v is a Lua function whose whole code is
// the final "return" the compiler adds.
func isEmptyLuaFunction(v lua.LValue) bool {
	fn, ok := v.(*lua.LFunction)
	if !ok || fn.IsG || len(fn.Proto.Code) != 1 {
		return false
	}
	inst := fn.Proto.Code[0]
	const opcodeShift, argBMask = 26, 0x1ff // gopher-lua's instruction layout (opcode.go)
	return int(inst>>opcodeShift) == lua.OP_RETURN && inst&argBMask == 1
}
