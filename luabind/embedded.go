package luabind

import (
	"bytes"
	"embed"

	lua "github.com/yuin/gopher-lua"
)

// The modules written in Lua (lua/*.lua) are compiled from the binary, each
// the first time it is required, and run in a private environment: the base
// functions and libraries as they were when the state was opened. A script
// that later replaces setmetatable or error, or a sandbox that removes a
// library from the globals, changes nothing for them.

//go:embed lua/*.lua
var luaSources embed.FS

// embeddedGlobals are the globals a Lua module of luabind may use.
var embeddedGlobals = []string{
	"assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall",
	"rawequal", "rawget", "rawset", "require", "select", "setmetatable",
	"tonumber", "tostring", "type", "unpack", "xpcall",
	"math", "string", "table",
}

// snapshotGlobals records the globals embedded modules see; Open calls it
// once it has replaced what it replaces (tostring, pcall, ...).
func (rt *Runtime) snapshotGlobals() {
	L := rt.L
	env := L.NewTable()
	for _, name := range embeddedGlobals {
		v := L.GetGlobal(name)
		if t, ok := v.(*lua.LTable); ok {
			// A copy, so a script's string.x = f does not reach us.
			c := L.NewTable()
			t.ForEach(func(k, v lua.LValue) { c.RawSet(k, v) })
			v = c
		}
		env.RawSetString(name, v)
	}
	rt.embeddedEnv = env
}

// embeddedCore makes the Go helpers of an embedded module that needs some,
// handed to the module's chunk as its argument (local core = ...), so that
// no script can reach them; nil for the others.
func (rt *Runtime) embeddedCore(name string) *lua.LTable {
	switch name {
	case "defer":
		return rt.deferCore()
	case "log":
		return rt.logCore()
	case "utils":
		return rt.L.SetFuncs(rt.L.NewTable(), map[string]lua.LGFunction{"repr": luaPythonRepr})
	case "protocol":
		core := rt.L.NewTable()
		core.RawSetString("new_instance", rt.L.NewFunction(newInstance))
		core.RawSetString("process_defaults", rt.L.NewFunction(rt.keepProcessDefaults))
		core.RawSetString("stream_defaults", rt.L.NewFunction(rt.keepStreamDefaults))
		return core
	}
	return nil
}

// newInstance(cls) is setmetatable({}, cls) with room for a few fields:
// gopher-lua gives a table room for 32 string keys at the first one, about
// 1 KiB, and a protocol instance per connection has a handful
// (transport, connected, factory and the protocol's own).
func newInstance(L *lua.LState) int {
	t := L.CreateTable(0, instanceFields)
	t.Metatable = L.Get(1)
	L.Push(t)
	return 1
}

// instanceFields is the room newInstance gives.
const instanceFields = 8

// embeddedModule returns the value of the Lua module name (lua/NAME.lua),
// running its chunk the first time. The same value is what require(name)
// returns, so Go and scripts share the module's classes.
func (rt *Runtime) embeddedModule(name string) lua.LValue {
	if v, ok := rt.embedded[name]; ok {
		return v
	}
	L := rt.L
	src, err := luaSources.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic("luabind: no embedded module " + name) // a build without the file
	}
	fn, err := L.Load(bytes.NewReader(src), "=loopscript/"+name+".lua")
	if err != nil {
		panic("luabind: embedded module " + name + ": " + err.Error())
	}
	env := L.NewTable()
	rt.embeddedEnv.ForEach(func(k, v lua.LValue) { env.RawSet(k, v) })
	fn.Env = env
	L.Push(fn)
	nargs := 0
	if core := rt.embeddedCore(name); core != nil {
		L.Push(core) // the chunk's "...": its Go helpers
		nargs = 1
	}
	L.Call(nargs, 1) // an error here is a bug in lua/NAME.lua: let it surface
	mod := L.Get(-1)
	L.Pop(1)
	if t, ok := mod.(*lua.LTable); ok && t.Metatable == lua.LNil {
		strictModule(L, name, t, nil)
	}
	if rt.embedded == nil {
		rt.embedded = map[string]lua.LValue{}
	}
	rt.embedded[name] = mod
	return mod
}

// embeddedLoader is the require loader of an embedded module, a Module as a
// host's plugins are. A module table is strict and read-only, as the modules
// written in Go are.
func (rt *Runtime) embeddedLoader(name string) lua.LGFunction {
	return rt.moduleLoader(name, embeddedLuaModule{rt})
}

// embeddedLuaModule opens the embedded module its Env names.
type embeddedLuaModule struct{ rt *Runtime }

func (m embeddedLuaModule) Open(env *Env) (lua.LValue, error) {
	return m.rt.embeddedModule(env.Name()), nil
}
