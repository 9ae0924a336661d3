package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1's library functions read a string argument with luaL_checklstring
// or luaL_optlstring, which take a number too and write it as tostring does
// ("%.14g": 1/3 is 0.33333333333333), and an integer argument with
// luaL_checkinteger, which takes a numeric string too. gopher-lua's own
// functions write a number in Go's shortest form (0.3333333333333333),
// refuse numeric strings for integers and word their errors differently.
// withLua51Args puts Lua 5.1's reading in front of a gopher-lua function:
// it checks the arguments, raising Lua 5.1's errors, and rewrites numbers
// given for strings (and numeric strings given for integers) in place, so
// the function sees what Lua 5.1 would. A string given for a string costs a
// type check, nothing more. The rewritten arguments are the function's to
// read, not to return: a function that returns its arguments (assert) is
// not to be wrapped.

// argKind is how a library function reads one argument.
type argKind uint8

const (
	argString     argKind = iota + 1 // luaL_checklstring
	argOptString                     // luaL_optlstring: nil or absent is the default
	argOptInteger                    // luaL_optinteger: nil or absent is the default
)

// withLua51Args returns fn reading its first len(kinds) arguments as kinds
// says; errors name f.
func withLua51Args(fn lua.LGFunction, f fname, kinds ...argKind) lua.LGFunction {
	return func(L *lua.LState) int {
		for i, kind := range kinds {
			coerceArg(L, i+1, f, kind)
		}
		return fn(L)
	}
}

// coerceArg checks argument n of f as kind and leaves it on the stack in
// the form gopher-lua's functions read as Lua 5.1 would: a string for a
// string, a number for an integer.
func coerceArg(L *lua.LState, n int, f fname, kind argKind) {
	v := L.Get(n)
	switch kind {
	case argOptString:
		if v == lua.LNil {
			return
		}
		fallthrough
	case argString:
		switch v := v.(type) {
		case lua.LString:
			return
		case lua.LNumber:
			L.Replace(n, lua.LString(lua51NumberString(float64(v))))
			return
		}
		typeError(L, n, f, "string")
	case argOptInteger:
		switch v := v.(type) {
		case *lua.LNilType, lua.LNumber:
			return
		case lua.LString:
			if num, ok := stringNumber(string(v)); ok {
				L.Replace(n, lua.LNumber(num))
				return
			}
		}
		typeError(L, n, f, "number")
	}
}

// checkStringArg (safe_stdlib.go) is luaL_checklstring.

// luaIntegerArg reads argument n of f as luaL_checkinteger does on amd64:
// a number or a numeric string, cast to a C long (see cLong).
func luaIntegerArg(L *lua.LState, n int, f fname) int64 {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		return cLong(float64(v))
	case lua.LString:
		if num, ok := stringNumber(string(v)); ok {
			return cLong(num)
		}
	}
	typeError(L, n, f, "number")
	return 0
}

// luaOptIntegerArg is luaL_optinteger: def when argument n is nil or
// absent.
func luaOptIntegerArg(L *lua.LState, n int, f fname, def int64) int64 {
	if L.Get(n) == lua.LNil {
		return def
	}
	return luaIntegerArg(L, n, f)
}

// stringNumber converts s as Lua 5.1 converts a numeric string
// (luaO_str2d): C's strtod, which takes spaces around the number, hex
// ("0x10", "-0x1p4"), "inf" and "nan", and a value out of range as
// infinity or zero, and stops at a zero byte as at the end of a C string
// (see stringToNumber).
func stringNumber(s string) (float64, bool) { return stringToNumber(s) }

// coerceLibraryArgs puts withLua51Args in front of the gopher-lua functions
// of the os, io and base libraries that take a string argument. (The string
// library's functions are loopscript's own, see strlib.go.) Functions a
// sandbox removed, or that are not gopher-lua's, are left alone.
func (rt *Runtime) coerceLibraryArgs() {
	L := rt.L
	const str, optStr, optInt = argString, argOptString, argOptInteger
	libs := []struct {
		lib  string // "" for the globals
		name string
		args []argKind
	}{
		{"os", "getenv", []argKind{str}},
		{"os", "date", []argKind{optStr, optInt}},
		{"os", "remove", []argKind{str}},
		{"os", "rename", []argKind{str, str}},
		{"os", "execute", []argKind{optStr}},
		{"io", "open", []argKind{str, optStr}},
		{"io", "lines", []argKind{optStr}},
		{"io", "popen", []argKind{str, optStr}},
		{"", "require", []argKind{str}},
	}
	for _, e := range libs {
		var tbl *lua.LTable
		if e.lib == "" {
			tbl, _ = L.Get(lua.GlobalsIndex).(*lua.LTable)
		} else {
			tbl, _ = L.GetGlobal(e.lib).(*lua.LTable)
		}
		if tbl == nil {
			continue
		}
		fn, ok := tbl.RawGetString(e.name).(*lua.LFunction)
		if !ok || !fn.IsG {
			continue
		}
		// The same upvalues, should a function have some.
		upvalues := make([]lua.LValue, len(fn.Upvalues))
		for k, uv := range fn.Upvalues {
			upvalues[k] = uv.Value()
		}
		tbl.RawSetString(e.name, L.NewClosure(withLua51Args(fn.GFunction, fname{name: e.name}, e.args...), upvalues...))
	}
}
