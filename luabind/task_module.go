package luabind

import (
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// luaLoopingCall is the userdata behind task.looping_call.
type luaLoopingCall struct {
	lc      *reactor.LoopingCall
	started bool // lc.interval is nil until the first start, as in Twisted
}

const loopingCallType = "LoopingCall"

var (
	fnLoopingCall          = fname{name: "looping_call"}
	fnLoopingCallWithCount = fname{name: "looping_call_with_count"}
	fnStart                = fname{name: "start", method: true}
	fnStop                 = fname{name: "stop", method: true}
	fnDeferLater           = fname{name: "defer_later"}
)

// taskModule is require("task"), a strict, read-only module, built on the
// Module interface as a host's plugins are.
type taskModule struct{ rt *Runtime }

func (m taskModule) Open(env *Env) (lua.LValue, error) {
	rt, L := m.rt, env.LState()
	mod := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"looping_call":            rt.luaLoopingCall,
		"looping_call_with_count": rt.luaLoopingCallWithCount,
		"clock":                   rt.luaNewClock,
		"defer_later":             rt.luaDeferLater,
	})
	strictModule(L, "task", mod, nil)
	return mod, nil
}

// task.looping_call(fn, ...): fn(...) every interval.
func (rt *Runtime) luaLoopingCall(L *lua.LState) int {
	fn := rt.loopingFunc(L, 1, fnLoopingCall)
	return rt.pushLoopingCall(L, rt.checkReactor(L), fn)
}

// task.looping_call_with_count(fn): fn(count), count being the number of
// intervals since the previous call.
func (rt *Runtime) luaLoopingCallWithCount(L *lua.LState) int {
	fn := rt.loopingFuncWithCount(L, 1, fnLoopingCallWithCount)
	return rt.pushLoopingCall(L, rt.checkReactor(L), fn)
}

// loopingFunc checks the arguments of a looping_call, the function at stack
// index first and the arguments to pass it after, and returns what the
// LoopingCall is to call: fn(...).
func (rt *Runtime) loopingFunc(L *lua.LState, first int, f fname) func(count int) error {
	fn := checkCallable(L, first, f)
	args := restArgs(L, first+1)
	return func(int) error { return rt.call(KindLooping, fn, args) }
}

// loopingFuncWithCount is loopingFunc for a looping_call_with_count, whose
// function takes the count alone: fn(count).
func (rt *Runtime) loopingFuncWithCount(L *lua.LState, first int, f fname) func(count int) error {
	fn := checkCallable(L, first, f)
	args := make([]lua.LValue, 1)
	return func(count int) error {
		args[0] = lua.LNumber(count)
		return rt.call(KindLooping, fn, args)
	}
}

// pushLoopingCall pushes a stopped LoopingCall calling fn, scheduled on s:
// the reactor, or a task.clock().
func (rt *Runtime) pushLoopingCall(L *lua.LState, s reactor.Scheduler, fn func(count int) error) int {
	ud := L.NewUserData()
	ud.Value = &luaLoopingCall{lc: reactor.NewLoopingCall(s, fn)}
	ud.Metatable = rt.loopingCallMetatable()
	L.Push(ud)
	return 1
}

func (rt *Runtime) newLoopingCallMeta() *lua.LTable {
	L := rt.L
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"start": lcStart,
		"stop":  lcStop,
	})
	meta := L.NewTable()
	// running and interval are read live on every access.
	meta.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		c := checkLoopingCall(L, fname{name: "__index"})
		switch lua.LVAsString(L.Get(2)) {
		case "running":
			L.Push(lua.LBool(c.lc.Running()))
		case "interval":
			if c.started {
				L.Push(lua.LNumber(c.lc.Interval().Seconds()))
			} else {
				L.Push(lua.LNil)
			}
		default:
			m := methods.RawGet(L.Get(2))
			if m == lua.LNil {
				raiseNoField(L, loopingCallType, L.Get(2), append(tableNames(methods), "running", "interval"))
			}
			L.Push(m)
		}
		return 1
	}))
	meta.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		c := checkLoopingCall(L, fname{name: "__tostring"})
		state := "stopped"
		if c.lc.Running() {
			state = "running every " + lua.LNumber(c.lc.Interval().Seconds()).String() + " s"
		}
		L.Push(lua.LString("LoopingCall(" + state + ")"))
		return 1
	}))
	meta.RawSetString("__metatable", lua.LString(loopingCallType))
	return meta
}

func checkLoopingCall(L *lua.LState, f fname) *luaLoopingCall {
	return checkSelf[luaLoopingCall](L, f, loopingCallType)
}

// lc:start(interval, now): now defaults to true, so the first call happens
// inside start, as in Twisted. Returns lc.
func lcStart(L *lua.LState) int {
	c := checkLoopingCall(L, fnStart)
	interval := checkSeconds(L, 2, fnStart)
	now := L.Get(3) == lua.LNil || lua.LVAsBool(L.Get(3))
	self := L.Get(1)
	c.started = true
	if err := c.lc.Start(interval, now); err != nil {
		raise(L, err)
	}
	L.Push(self)
	return 1
}

func lcStop(L *lua.LState) int {
	c := checkLoopingCall(L, fnStop)
	if err := c.lc.Stop(); err != nil {
		raise(L, err)
	}
	return 0
}

// task.defer_later([clock,] seconds, fn, ...) -> Deferred, as Twisted's
// deferLater: after seconds on the reactor (or on clock, a task.clock()),
// the Deferred fires and its first callback calls fn(...), so it fires with
// fn's result (a Deferred fn returns is chained) or fails with its error and
// traceback. Cancelling it before then cancels the call, and it fails with
// CancelledError.
func (rt *Runtime) luaDeferLater(L *lua.LState) int {
	var s scheduler
	first := 1
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if c, ok := ud.Value.(*luaClock); ok {
			s, first = c.m, 2
		}
	}
	delay := checkSeconds(L, first, fnDeferLater)
	fn := checkCallable(L, first+1, fnDeferLater)
	args := restArgs(L, first+2)
	if s == nil {
		s = rt.checkReactor(L)
	}
	defer_ := rt.embeddedModule("defer")
	var call *luaCall
	canceller := L.NewFunction(func(L *lua.LState) int {
		if call.dc.Active() {
			call.dc.Cancel()
		}
		return 0
	})
	L.Push(L.GetField(defer_, "Deferred"))
	L.Push(canceller)
	L.Call(1, 1)
	d := L.Get(-1)
	L.Pop(1)
	// fn's frames are the traceback of its error: this Go frame, called
	// from defer.lua's chain, is left out of it with the chain's.
	run := L.NewFunction(func(L *lua.LState) int {
		L.SetTop(0)
		L.Push(fn)
		for _, a := range args {
			L.Push(a)
		}
		L.Call(len(args), 1)
		return 1
	})
	L.Push(L.GetField(d, "add_callback"))
	L.Push(d)
	L.Push(run)
	L.Call(2, 0)
	call = rt.newLuaCall(L.GetField(d, "callback"), []lua.LValue{d})
	s.ScheduleCall(&call.dc, delay, call)
	L.Push(d)
	return 1
}
