package luabind

import (
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// installSite describes the code that is installing the default reactor
// now, for the error a later install of another kind gets: the function the
// innermost Lua line called and that line, `require("reactor") at x.lua:3`
// or "looping_call at x.lua:5". It is "" when neither is known (a Go caller).
func (rt *Runtime) installSite() string {
	L := rt.L
	level, at := luaFrame(L)
	if caller, ok := L.GetStack(1); ok {
		f, _ := L.GetInfo("f", caller, lua.LNil)
		if name, isName := L.Get(1).(lua.LString); isName && f == L.GetGlobal("require") {
			// The running Go function is a loader that require called, and
			// require passes loaders the module's name.
			return `require("` + string(name) + `")` + at
		}
	}
	if level == 0 {
		return ""
	}
	callee, _ := L.GetStack(level - 1)
	if _, err := L.GetInfo("n", callee, lua.LNil); err == nil && plainName(callee.Name) {
		return callee.Name + at
	}
	return "code" + at
}

// luaFrame finds the innermost Lua function calling the running Go
// function: its level on the stack and " at FILE:LINE" of the line
// running; 0 and "" if no Lua function is on the stack.
func luaFrame(L *lua.LState) (level int, at string) {
	for level = 1; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return 0, ""
		}
		f, err := L.GetInfo("Slf", dbg, lua.LNil)
		if fn, isFn := f.(*lua.LFunction); err == nil && isFn && !fn.IsG {
			return level, " at " + dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine)
		}
	}
}

// plainName reports whether a frame name from gopher-lua is a real name
// rather than a placeholder such as "(anonymous)" or "<x.lua:3>".
func plainName(name string) bool { return name != "" && name[0] != '(' && name[0] != '<' }
