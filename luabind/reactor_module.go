package luabind

import (
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// raise turns a Go error into a Lua error at the caller's line.
func raise(L *lua.LState, err error) {
	L.RaiseError("%s", err.Error())
}

// checkReactor is rt.Reactor() for Lua: it raises the error as a Lua error.
func (rt *Runtime) checkReactor(L *lua.LState) *reactor.Reactor {
	r, err := rt.Reactor()
	if err != nil {
		raise(L, err)
	}
	return r
}

// reactorModule is require("reactor"): opening it installs the default
// reactor unless one was installed already; its value is the module table,
// strict and read-only. An install that fails raises its error as it is
// ("reactor already installed (...)"), not wrapped as a loading error.
type reactorModule struct{ rt *Runtime }

func (m reactorModule) Open(env *Env) (lua.LValue, error) {
	rt, L := m.rt, env.LState()
	r := rt.checkReactor(L)
	mod := L.NewTable()
	L.SetFuncs(mod, map[string]lua.LGFunction{
		"run":                         rt.luaRun,
		"stop":                        rt.luaStop,
		"call_when_running":           rt.luaCallWhenRunning,
		"call_later":                  rt.luaCallLater,
		"seconds":                     rt.luaSeconds,
		"add_system_event_trigger":    rt.luaAddTrigger,
		"remove_system_event_trigger": rt.luaRemoveTrigger,
	})
	// The I/O functions, each group in its own file.
	for _, group := range []map[string]lua.LGFunction{
		rt.tcpFunctions(), rt.udpFunctions(), rt.processFunctions(), rt.watcherFunctions(),
	} {
		L.SetFuncs(mod, group)
	}
	mod.RawSetString("name", lua.LString(r.Name()))
	// running is read on every access: a copied field would go stale the
	// moment the reactor starts. The module is strict and read-only (see
	// strict.go), so an assignment cannot hide it either.
	strictModule(L, "reactor", mod, map[string]func() lua.LValue{
		"running": func() lua.LValue { return lua.LBool(r.Running()) },
	})
	return mod, nil
}

// installerModule is require("epollreactor") and its siblings, whose
// install() is a no-op when the reactor of its kind is installed already.
func (rt *Runtime) installerModule(kind string) Module {
	return ModuleFunc(func(env *Env) (lua.LValue, error) {
		L := env.LState()
		mod := L.NewTable()
		by := `require("` + kind + `reactor").install()`
		mod.RawSetString("install", L.NewFunction(func(L *lua.LState) int {
			_, at := luaFrame(L)
			if err := rt.InstallBy(kind, by+at); err != nil {
				raise(L, err)
			}
			return 0
		}))
		strictModule(L, kind+"reactor", mod, nil)
		return mod, nil
	})
}

func (rt *Runtime) luaRun(L *lua.LState) int {
	if rt.suspendScript(L) {
		return L.Yield()
	}
	leave := rt.enterLoop()
	outer := rt.loopDepth
	rt.loopDepth = len(rt.catches)
	err := rt.r.Run()
	rt.loopDepth = outer
	leave()
	rt.raiseExit(L) // a callback called os.exit: the script ends here
	if err != nil {
		raise(L, err)
	}
	return 0
}

func (rt *Runtime) luaStop(L *lua.LState) int {
	if rt.resumeScript() {
		return 0
	}
	if err := rt.r.Stop(); err != nil {
		raise(L, err)
	}
	return 0
}

var (
	fnCallWhenRunning = fname{name: "call_when_running"}
	fnCallLater       = fname{name: "call_later"}
	fnAddTrigger      = fname{name: "add_system_event_trigger"}
	fnRemoveTrigger   = fname{name: "remove_system_event_trigger"}
)

func (rt *Runtime) luaCallWhenRunning(L *lua.LState) int {
	fn := checkCallable(L, 1, fnCallWhenRunning)
	args := restArgs(L, 2)
	if rt.r.Running() {
		// As in Twisted: already running means a plain call, whose errors
		// reach the caller.
		L.Push(fn)
		for _, a := range args {
			L.Push(a)
		}
		L.Call(len(args), 0)
		return 0
	}
	rt.r.CallWhenRunning(func() { rt.call(KindRunning, fn, args) })
	return 0
}

func (rt *Runtime) luaCallLater(L *lua.LState) int {
	return rt.pushCallLater(L, rt.r, 1, fnCallLater)
}

// scheduler is what call_later schedules on: the reactor, or a task.clock().
type scheduler interface {
	ScheduleCall(c *reactor.DelayedCall, d time.Duration, run reactor.Runner)
}

// pushCallLater does call_later(seconds, fn, ...) on s, its arguments
// starting at stack index first, and pushes the DelayedCall.
func (rt *Runtime) pushCallLater(L *lua.LState, s scheduler, first int, f fname) int {
	d := checkSeconds(L, first, f)
	fn := checkCallable(L, first+1, f)
	var c *luaCall
	if L.GetTop() <= first+1 {
		c = rt.newLuaCall(fn, nil)
	} else {
		c = rt.newLuaCallWithArgs(restArgs(L, first+1)) // the function, then its arguments
	}
	s.ScheduleCall(&c.dc, d, c)
	L.Push(&c.ud)
	return 1
}

func (rt *Runtime) luaSeconds(L *lua.LState) int {
	L.Push(lua.LNumber(rt.r.Seconds()))
	return 1
}

func (rt *Runtime) luaAddTrigger(L *lua.LState) int {
	phase, err := reactor.ParsePhase(checkString(L, 1, fnAddTrigger))
	if err != nil {
		argError(L, 1, fnAddTrigger, err.Error())
	}
	event := checkString(L, 2, fnAddTrigger)
	fn := checkCallable(L, 3, fnAddTrigger)
	args := restArgs(L, 4)
	id, err := rt.r.AddSystemEventTrigger(phase, event, func() { rt.call(KindTrigger, fn, args) })
	if err != nil {
		argError(L, 2, fnAddTrigger, err.Error())
	}
	L.Push(lua.LNumber(id))
	return 1
}

func (rt *Runtime) luaRemoveTrigger(L *lua.LState) int {
	n, ok := L.Get(1).(lua.LNumber)
	if !ok {
		typeError(L, 1, fnRemoveTrigger, "number")
	}
	if err := rt.r.RemoveSystemEventTrigger(reactor.TriggerID(n)); err != nil {
		raise(L, err)
	}
	return 0
}
