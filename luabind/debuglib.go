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
