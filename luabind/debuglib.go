package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// replaceTraceback swaps gopher-lua's debug.traceback for one in the format
// of loopscript's error reports: Go functions as [C], callbacks by name, the
// runner plumbing hidden. Scripts printing their stack from a callback (the
// tutorial's stack.py) then see what reference Lua would show.
func (rt *Runtime) replaceTraceback() {
	debug, ok := rt.L.GetGlobal("debug").(*lua.LTable)
	if !ok {
		return // no debug library in this state (a sandbox, say)
	}
	debug.RawSetString("traceback", rt.L.NewFunction(rt.luaTraceback))
	if getinfo, ok := debug.RawGetString("getinfo").(*lua.LFunction); ok && getinfo.IsG {
		debug.RawSetString("getinfo", rt.L.NewFunction(lua51GetInfo(getinfo.GFunction)))
	}
}

// lua51GetInfo wraps gopher-lua's debug.getinfo so that its table has
// Lua 5.1's short_src (the source as messages show it, which source is
// too: see the README), and describes a Go function as Lua 5.1 describes a
// C function: source "=[C]", short_src "[C]", linedefined and
// lastlinedefined -1; a chunk's what is "main". gopher-lua's had no
// short_src, gave a Go function the source "" and the lines 0, and called
// a chunk "Lua".
func lua51GetInfo(getinfo lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		n := getinfo(L)
		info, ok := L.Get(-1).(*lua.LTable)
		if n != 1 || !ok {
			return n
		}
		if fn, ok := info.RawGetString("func").(*lua.LFunction); ok && fn.IsG {
			info.RawSetString("source", lua.LString("=[C]"))
			info.RawSetString("short_src", lua.LString("[C]"))
			info.RawSetString("linedefined", lua.LNumber(-1))
			info.RawSetString("lastlinedefined", lua.LNumber(-1))
		} else if src, ok := info.RawGetString("source").(lua.LString); ok {
			info.RawSetString("short_src", src)
			if info.RawGetString("what") == lua.LString("Lua") && info.RawGetString("linedefined") == lua.LNumber(0) {
				info.RawSetString("what", lua.LString("main")) // a chunk, as ldebug.c names it
			}
		}
		return 1
	}
}

// debug.traceback([thread,] [message [, level]]), as in Lua 5.1: a message
// given that is neither a string nor a number, nil included, is returned
// untouched; with no message at all the traceback stands alone.
func (rt *Runtime) luaTraceback(L *lua.LState) int {
	target, arg, level := L, 1, 1
	if co, ok := L.Get(1).(*lua.LState); ok {
		target, arg, level = co, 2, 0
	}
	msg, hasMsg := L.Get(arg), L.GetTop() >= arg
	if hasMsg && msg.Type() != lua.LTString && msg.Type() != lua.LTNumber {
		L.Push(msg)
		return 1
	}
	if n, ok := L.Get(arg + 1).(lua.LNumber); ok {
		level = int(n)
	}
	text := rt.traceback(target, level)
	if hasMsg {
		text = lua.LVAsString(msg) + "\n" + text
	}
	L.Push(lua.LString(text))
	return 1
}
