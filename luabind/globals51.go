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
// package.loadlib answers as the loadlib of a Lua 5.1 built without
// dynamic libraries does (nil, "dynamic libraries not enabled; check your
// Lua installation", "absent"), where gopher-lua's raised "loadlib is not
// supported".

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
		if loadlib, ok := pkg.RawGetString("loadlib").(*lua.LFunction); ok && loadlib.IsG {
			pkg.RawSetString("loadlib", L.NewFunction(noLoadlib))
		}
		if loaded, ok := L.GetField(L.Get(lua.RegistryIndex), "_LOADED").(*lua.LTable); ok && loaded.RawGetString("package") == lua.LNil {
			loaded.RawSetString("package", pkg)
		}
	}
}

// noLoadlib is package.loadlib(path, funcname) with no dynamic libraries.
func noLoadlib(L *lua.LState) int {
	checkStringArg(L, 1, fname{name: "loadlib"})
	checkStringArg(L, 2, fname{name: "loadlib"})
	L.Push(lua.LNil)
	L.Push(lua.LString("dynamic libraries not enabled; check your Lua installation"))
	L.Push(lua.LString("absent"))
	return 3
}
