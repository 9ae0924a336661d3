package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// The names a script finds are Lua 5.1's: gopher-lua's extra globals
// (_GOPHER_LUA_VERSION, _printregs) are removed, strings get a
// metatable of their own, {__index = string}, where gopher-lua made the
// string table its own metatable (so that pairs(string) listed __index),
// and package.loaded.package is the package table, as loadlib.c sets it.
// os.setenv, gopher-lua's, stays: its own test suite (os.lua) uses it.

// lua51Names makes the globals and libraries above Lua 5.1's, for the
// libraries the state has.
func (rt *Runtime) lua51Names() {
	L := rt.L
	L.SetGlobal("_GOPHER_LUA_VERSION", lua.LNil)
	L.SetGlobal("_printregs", lua.LNil)
	if str, ok := L.GetGlobal("string").(*lua.LTable); ok && L.GetMetatable(lua.LString("")) == str {
		str.RawSetString("__index", lua.LNil)
		mt := L.NewTable()
		mt.RawSetString("__index", str)
		L.SetMetatable(lua.LString(""), mt)
	}
	if pkg, ok := L.GetGlobal("package").(*lua.LTable); ok {
		if loaded, ok := L.GetField(L.Get(lua.RegistryIndex), "_LOADED").(*lua.LTable); ok && loaded.RawGetString("package") == lua.LNil {
			loaded.RawSetString("package", pkg)
		}
	}
}
