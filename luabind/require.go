package luabind

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// require as Lua 5.1's ll_require (loadlib.c): package.loaded[name] when
// it is set; else each function of package.loaders (read from the package
// table at each call, so a script may replace it) is called with the name
// until one returns a function, the strings the others return being joined
// into "module 'NAME' not found:" followed by them; the function found runs
// with the name, and what it returns, or true, becomes package.loaded[name].
// While it runs, package.loaded[name] holds a sentinel, and a require of
// the module meanwhile, or after it failed, is "loop or previous error
// loading module 'NAME'". gopher-lua's said "module NAME not found:" with
// ", " at the end, read the loaders of the state's opening, and kept what
// the module stored in package.loaded[name] over what it returned.
func newRequire(L *lua.LState, pkg *lua.LTable) lua.LGFunction {
	sentinel := L.NewUserData()
	f := fname{name: "require"}
	return func(L *lua.LState) int {
		name := checkStringArg(L, 1, f)
		loaded, ok := L.GetField(L.Get(lua.RegistryIndex), "_LOADED").(*lua.LTable)
		if !ok {
			L.RaiseError("'package.loaded' must be a table")
		}
		if v := loaded.RawGetString(name); lua.LVAsBool(v) {
			if v == sentinel {
				L.RaiseError("loop or previous error loading module '%s'", name)
			}
			L.Push(v)
			return 1
		}
		loaders, ok := pkg.RawGetString("loaders").(*lua.LTable)
		if !ok {
			L.RaiseError("'package.loaders' must be a table")
		}
		var notFound []byte
		var module lua.LValue
		for i := 1; module == nil; i++ {
			loader := loaders.RawGetInt(i)
			if loader == lua.LNil {
				L.RaiseError("module '%s' not found:%s", name, notFound)
			}
			L.Push(loader)
			L.Push(lua.LString(name))
			L.Call(1, 1)
			switch v := L.Get(-1).(type) {
			case *lua.LFunction:
				module = v
			case lua.LString, lua.LNumber:
				notFound = append(notFound, lua.LVAsString(v)...)
			}
			L.Pop(1)
		}
		loaded.RawSetString(name, sentinel)
		L.Push(module)
		L.Push(lua.LString(name))
		L.Call(1, 1)
		if v := L.Get(-1); v != lua.LNil {
			loaded.RawSetString(name, v)
		}
		L.Pop(1)
		v := loaded.RawGetString(name)
		if v == sentinel {
			v = lua.LTrue
			loaded.RawSetString(name, v)
		}
		L.Push(v)
		return 1
	}
}

// searchPreload is require's first searcher, Lua 5.1's loader_preload:
// package.preload[name], or "\n\tno field package.preload['NAME']".
func searchPreload(L *lua.LState) int {
	name := checkStringArg(L, 1, fname{name: "require"})
	pkg, _ := L.GetGlobal("package").(*lua.LTable)
	var preload *lua.LTable
	if pkg != nil {
		preload, _ = pkg.RawGetString("preload").(*lua.LTable)
	}
	if preload == nil {
		L.RaiseError("'package.preload' must be a table")
	}
	if v := L.GetField(preload, name); v != lua.LNil {
		L.Push(v)
		return 1
	}
	L.Push(lua.LString(fmt.Sprintf("\n\tno field package.preload['%s']", name)))
	return 1
}
