package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// getfenv and setfenv as Lua 5.1's lbaselib.c has them. A level is a C int
// counted as Lua counts it (0 is getfenv itself, 1 its caller; luabind's
// runners take no level), and one past the stack is "bad argument #1 to
// 'getfenv' (invalid level)", a negative one "level must be non-negative",
// where gopher-lua's answered the globals. setfenv takes a table only and
// refuses a Go function with Lua's words. gopher-lua's own functions still
// do the two things only they can: read and set the thread's environment
// (level 0, and a Go function's environment, which is the thread's).

var (
	fnGetfenv = fname{name: "getfenv"}
	fnSetfenv = fname{name: "setfenv"}
)

// replaceFenv puts the functions above in the globals, where the state has
// gopher-lua's.
func (rt *Runtime) replaceFenv() {
	L := rt.L
	get, gok := L.GetGlobal("getfenv").(*lua.LFunction)
	set, sok := L.GetGlobal("setfenv").(*lua.LFunction)
	if gok && get.IsG {
		threadEnv := get.GFunction
		L.SetGlobal("getfenv", L.NewFunction(func(L *lua.LState) int {
			fn, _ := rt.fenvFunction(L, fnGetfenv, true)
			if f, ok := fn.(*lua.LFunction); ok && !f.IsG {
				L.Push(f.Env)
				return 1
			}
			L.SetTop(0)
			L.Push(lua.LNumber(0))
			return threadEnv(L)
		}))
	}
	if sok && set.IsG {
		setThreadEnv := set.GFunction
		L.SetGlobal("setfenv", L.NewFunction(func(L *lua.LState) int {
			env, ok := L.Get(2).(*lua.LTable)
			if !ok {
				typeError(L, 2, fnSetfenv, "table")
			}
			fn, level := rt.fenvFunction(L, fnSetfenv, false)
			if level == 0 {
				L.SetTop(0)
				L.Push(lua.LNumber(0))
				L.Push(env)
				return setThreadEnv(L)
			}
			f, ok := fn.(*lua.LFunction)
			if !ok || f.IsG {
				L.RaiseError("'setfenv' cannot change environment of given object")
			}
			f.Env = env
			L.Push(f)
			return 1
		}))
	}
}

// fenvFunction is lbaselib.c's getfunc: the function argument 1 is, or the
// one at the level argument 1 gives (1 when opt and it is absent), with the
// level; -1 for a function given.
func (rt *Runtime) fenvFunction(L *lua.LState, f fname, opt bool) (lua.LValue, int) {
	if fn, ok := L.Get(1).(*lua.LFunction); ok {
		return fn, -1
	}
	var level int32
	if opt {
		level = int32(luaOptIntegerArg(L, 1, f, 1))
	} else {
		level = int32(luaIntegerArg(L, 1, f))
	}
	if level < 0 {
		argError(L, 1, f, "level must be non-negative")
	}
	fn, ok := rt.levelFunction(L, int(level))
	if !ok {
		argError(L, 1, f, "invalid level")
	}
	return fn, int(level)
}

// levelFunction is the function running level levels up the stack, as
// Lua 5.1's lua_getstack counts them (0 is the running Go function,
// luabind's runners are left out); false past the bottom.
func (rt *Runtime) levelFunction(L *lua.LState, level int) (lua.LValue, bool) {
	for i, seen := 0, 0; ; i++ {
		dbg, ok := L.GetStack(i)
		if !ok {
			return nil, false
		}
		fn, err := L.GetInfo("f", dbg, lua.LNil)
		if err != nil {
			return nil, false
		}
		if i > 0 && rt.isRunner(fn) {
			continue
		}
		if seen == level {
			return fn, true
		}
		seen++
	}
}
