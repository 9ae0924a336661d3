package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// The base library functions loopscript keeps from gopher-lua check their
// arguments here first, as lbaselib.c does, so that a bad argument reads as
// Lua 5.1's ("bad argument #1 to 'ipairs' (table expected, got no value)";
// gopher-lua leaves the name unquoted and says "got nil" for a missing
// argument), and so that setmetatable takes only a table: gopher-lua's set
// the metatable of every number or string when given one (setmetatable(1,
// {__index = f}) made (3).x call f), which only debug.setmetatable may do.
// Once the arguments pass, gopher-lua's function runs on them unchanged.

// baseCheck is what lbaselib.c asks of one argument.
type baseCheck uint8

const (
	checkAny         baseCheck = iota + 1 // luaL_checkany: any value, nil too, but not none
	checkTable                            // luaL_checktype(L, n, LUA_TTABLE)
	checkNilOrTable                       // setmetatable's second: "nil or table expected"
	checkOptionalInt                      // luaL_optint: nil, none or a number
)

// baseArgChecks are the checks of the base functions that keep gopher-lua's
// code.
var baseArgChecks = map[string][]baseCheck{
	"getmetatable": {checkAny},
	"next":         {checkTable},
	"pairs":        {checkTable},
	"ipairs":       {checkTable},
	"rawequal":     {checkAny, checkAny},
	"rawget":       {checkTable, checkAny},
	"rawset":       {checkTable, checkAny, checkAny},
	"setmetatable": {checkTable, checkNilOrTable},
	"tostring":     {checkAny},
	"type":         {checkAny},
	"pcall":        {checkAny},
	"error":        {0, checkOptionalInt},
}

// checkBaseArgs puts the checks of baseArgChecks in front of the base
// functions the state has, and adds gcinfo.
func (rt *Runtime) checkBaseArgs() {
	L := rt.L
	for name, checks := range baseArgChecks {
		fn, ok := L.GetGlobal(name).(*lua.LFunction)
		if !ok || !fn.IsG {
			continue
		}
		f, inner, checks := fname{name: name}, fn.GFunction, checks
		// gopher-lua's pairs and ipairs find their iterator in an upvalue,
		// which the wrapper, the closure running, has to carry.
		upvalues := make([]lua.LValue, len(fn.Upvalues))
		for i, up := range fn.Upvalues {
			upvalues[i] = up.Value()
		}
		L.SetGlobal(name, L.NewClosure(func(L *lua.LState) int {
			for i, c := range checks {
				checkBaseArg(L, i+1, f, c)
			}
			return inner(L)
		}, upvalues...))
	}
	if L.GetGlobal("collectgarbage") != lua.LNil {
		L.SetGlobal("gcinfo", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LNumber(heapInUse() / 1024)) // whole KB, as lua_getgccount
			return 1
		}))
	}
}

func checkBaseArg(L *lua.LState, n int, f fname, c baseCheck) {
	v := L.Get(n)
	switch c {
	case checkAny:
		if n > L.GetTop() {
			argError(L, n, f, "value expected")
		}
	case checkTable:
		if _, ok := v.(*lua.LTable); !ok {
			typeError(L, n, f, "table")
		}
	case checkNilOrTable:
		if _, ok := v.(*lua.LTable); !ok && (v != lua.LNil || n > L.GetTop()) {
			argError(L, n, f, "nil or table expected")
		}
	case checkOptionalInt:
		if _, ok := v.(lua.LString); ok { // gopher-lua's functions take only numbers
			L.Replace(n, lua.LNumber(luaIntegerArg(L, n, f)))
		} else if v != lua.LNil {
			luaIntegerArg(L, n, f)
		}
	}
}
