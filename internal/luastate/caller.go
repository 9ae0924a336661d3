package luastate

import (
	lua "github.com/yuin/gopher-lua"
)

// CalledAsMethod reports whether the Go function running in L was called
// with the colon syntax (s:rep(3)), as Lua 5.1's luaL_argerror finds out
// before it numbers a bad argument: the calling Lua function's current
// instruction is a call whose function came from a SELF. It reports false
// when the caller is Go code (pcall(f, ...)), a metamethod, or when the
// VM's layout is not the one this package knows.
func CalledAsMethod(L *lua.LState) bool {
	if vmLayoutErr != nil || Supported() != nil {
		return false
	}
	frame := stateOf(L).currentFrame
	if frame == nil || frame.Fn == nil || !frame.Fn.IsG || frame.Parent == nil {
		return false
	}
	caller := frame.Parent
	if caller.Fn == nil || caller.Fn.IsG || caller.Fn.Proto == nil {
		return false
	}
	p, pc := caller.Fn.Proto, caller.Pc-1
	if pc < 0 || pc >= len(p.Code) {
		return false
	}
	inst := p.Code[pc]
	if op := opcodeOf(inst); op != lua.OP_CALL && op != lua.OP_TAILCALL {
		return false
	}
	kind, _ := objectName(p, pc, argA(inst))
	return kind == "method"
}
