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
// 128 bytes, a Go size class, so that no space is lost to rounding up.
type luaCall struct {
	ud   lua.LUserData
	dc   reactor.DelayedCall
	rt   *Runtime
	fn   lua.LValue
	args *[]lua.LValue // extra arguments; nil for none, the common case
}

// newLuaCall returns a luaCall for fn(args...) whose userdata is ready to be
// pushed, as L.NewUserData would make it, with the DelayedCall metatable.
func (rt *Runtime) newLuaCall(fn lua.LValue, args []lua.LValue) *luaCall {
	c := &luaCall{rt: rt, fn: fn}
	if len(args) > 0 {
		extra := args // allocated here, only when there are extra arguments
		c.args = &extra
	}
	c.ud = lua.LUserData{Value: c, Env: rt.L.Env, Metatable: rt.delayedCallMetatable()}
	return c
}

// Run runs the call for the reactor.
func (c *luaCall) Run() {
	fn, args := c.fn, c.args
	// The call is over once it has run: drop the references so a script that
	// keeps the DelayedCall does not keep the function's upvalues alive.
	c.fn, c.args = nil, nil
	if args != nil {
		c.rt.call(KindLater, fn, *args)
	} else {
		c.rt.call(KindLater, fn, nil)
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
	c.fn, c.args = nil, nil
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
	if c.fn != nil {
		s += ": " + withDefined(rt.describe(L, c.fn))
	}
	L.Push(lua.LString(s))
	return 1
}
