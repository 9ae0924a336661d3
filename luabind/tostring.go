package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1 writes numbers with "%.14g" (LUAI_NUMFFORMAT): 1/3 is
// 0.33333333333333 and 1e15 is 1e+15. gopher-lua writes the shortest text
// that reads back (0.3333333333333333, 1000000000000000). tostring, print,
// io.write, file:write and string.format's %s are Lua 5.1's here, and so
// are the library functions given a number for a string (strcoerce.go) and
// the VM's `..` (internal/luastate).

// ToString is Lua 5.1's tostring(v): through __tostring when v has one,
// numbers with "%.14g", everything else as gopher-lua names it.
func ToString(L *lua.LState, v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok && L.GetMetaField(v, "__tostring") == lua.LNil {
		return lua51NumberString(float64(n))
	}
	return L.ToStringMeta(v).String()
}

// luaToString is the base library's tostring(v).
func luaToString(L *lua.LState) int {
	if L.GetTop() == 0 {
		argError(L, 1, fname{name: "tostring"}, "value expected")
	}
	v := L.Get(1)
	if mm := L.GetMetaField(v, "__tostring"); mm != lua.LNil {
		L.Push(mm) // its result as it is, even if not a string, as in Lua 5.1
		L.Push(v)
		L.Call(1, 1)
		return 1
	}
	L.Push(lua.LString(ToString(L, v)))
	return 1
}

// valueText is the text io's write functions give a string or a number.
func valueText(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return lua51NumberString(float64(n))
	}
	return lua.LVAsString(v)
}
