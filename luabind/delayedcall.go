package luabind

import (
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// luaCall is a Lua function scheduled by call_later, with all that goes with
// it in one allocation: the userdata the script holds (whose Value is the
// luaCall), the reactor's DelayedCall, and the function and its arguments.
// It is the DelayedCall's Runner. A script can schedule a million timers, so
// this saves three allocations per timer, and its size is kept at exactly
// 112 bytes, a Go size class, so that no space is lost to rounding up. The
// garbage collector marks every pending timer at every cycle, and its work
// is per pointer word: a luaCall has seven.
type luaCall struct {
	ud lua.LUserData
	dc reactor.DelayedCall
	rt *Runtime
	// work is the function (a lua.LValue) when there are no extra arguments,
	// the common case, and otherwise a *[]lua.LValue holding the function
	// and then its arguments; nil once the call has run or was cancelled.
	// One field for both keeps the struct in its size class.
	work any
}

// newLuaCall returns a luaCall for fn(args...) whose userdata is ready to be
// pushed, as L.NewUserData would make it, with the DelayedCall metatable.
func (rt *Runtime) newLuaCall(fn lua.LValue, args []lua.LValue) *luaCall {
	if len(args) > 0 {
		return rt.newLuaCallWithArgs(append(append(make([]lua.LValue, 0, 1+len(args)), fn), args...))
	}
	c := &luaCall{rt: rt, work: fn}
	c.ud = lua.LUserData{Value: c, Env: rt.L.Env, Metatable: rt.delayedCallMetatable()}
	return c
}

// newLuaCallWithArgs is newLuaCall for callee[0](callee[1:]...), which
// keeps callee.
func (rt *Runtime) newLuaCallWithArgs(callee []lua.LValue) *luaCall {
	c := &luaCall{rt: rt, work: &callee}
	c.ud = lua.LUserData{Value: c, Env: rt.L.Env, Metatable: rt.delayedCallMetatable()}
	return c
}

// function is the Lua function the call runs, nil once it has run or was
// cancelled.
func (c *luaCall) function() lua.LValue {
	switch w := c.work.(type) {
	case *[]lua.LValue:
		return (*w)[0]
	case lua.LValue:
		return w
	}
	return nil
}

// Run runs the call for the reactor.
func (c *luaCall) Run() {
	work := c.work
	// The call is over once it has run: drop the references so a script that
	// keeps the DelayedCall does not keep the function's upvalues alive.
	c.work = nil
	if callee, ok := work.(*[]lua.LValue); ok {
		c.rt.call(KindLater, (*callee)[0], (*callee)[1:])
	} else {
		c.rt.call(KindLater, work.(lua.LValue), nil)
	}
}

const delayedCallType = "DelayedCall"

func (rt *Runtime) newDelayedCallMeta() *lua.LTable {
	L := rt.L
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"cancel":   dcCancel,
		"reset":    dcReset,
		"delay":    dcDelay,
		"active":   dcActive,
		"get_time": dcGetTime,
	})
	strictMethods(L, delayedCallType, methods)
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	meta.RawSetString("__tostring", L.NewFunction(rt.dcToString))
	meta.RawSetString("__metatable", lua.LString(delayedCallType))
	return meta
}

func checkDelayedCall(L *lua.LState, f fname) *luaCall {
	return checkSelf[luaCall](L, f, delayedCallType)
}

var (
	fnCancel  = fname{name: "cancel", method: true}
	fnReset   = fname{name: "reset", method: true}
	fnDelay   = fname{name: "delay", method: true}
	fnActive  = fname{name: "active", method: true}
	fnGetTime = fname{name: "get_time", method: true}
)

func dcCancel(L *lua.LState) int {
	c := checkDelayedCall(L, fnCancel)
	if err := c.dc.Cancel(); err != nil {
		raise(L, err)
	}
	c.work = nil
	return 0
}

func dcReset(L *lua.LState) int {
	c := checkDelayedCall(L, fnReset)
	if err := c.dc.Reset(checkSeconds(L, 2, fnReset)); err != nil {
		raise(L, err)
	}
	return 0
}

func dcDelay(L *lua.LState) int {
	c := checkDelayedCall(L, fnDelay)
	if err := c.dc.Delay(checkSeconds(L, 2, fnDelay)); err != nil {
		raise(L, err)
	}
	return 0
}

func dcActive(L *lua.LState) int {
	L.Push(lua.LBool(checkDelayedCall(L, fnActive).dc.Active()))
	return 1
}

func dcGetTime(L *lua.LState) int {
	L.Push(lua.LNumber(checkDelayedCall(L, fnGetTime).dc.Time().Seconds()))
	return 1
}

func (rt *Runtime) dcToString(L *lua.LState) int {
	c := checkDelayedCall(L, fname{name: "__tostring"})
	s := c.dc.String()
	if fn := c.function(); fn != nil {
		s += ": " + withDefined(rt.describe(L, fn))
	}
	L.Push(lua.LString(s))
	return 1
}
