package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// callMethod calls obj:name(args...) for the reactor, as a callback: traced,
// under the callback limits, its error reported once. An object without
// the method is not called (the protocol classes define every method, so
// this is an object the script made itself); a method that is not a
// function is reported as Lua words a call of one. The error, if any, is
// returned (already reported) so the transport can close its connection.
func (rt *Runtime) callMethod(obj lua.LValue, name string, args ...lua.LValue) error {
	m, err := rt.lookupMethod(obj, name)
	if err != nil {
		rt.report(err)
		return err
	}
	if m == lua.LNil {
		return nil
	}
	if !IsCallable(rt.L, m) {
		err := &CallbackError{
			Function: "method '" + name + "'",
			Message:  "attempt to call method '" + name + "' (a " + m.Type().String() + " value)",
			value:    lua.LString("attempt to call method '" + name + "' (a " + m.Type().String() + " value)"),
		}
		rt.report(err)
		return err
	}
	all := make([]lua.LValue, 0, 1+len(args))
	all = append(all, obj)
	all = append(all, args...)
	return rt.call(KindIO, m, all)
}

// lookupMethod is obj[name], following __index tables without running any
// Lua; an __index function runs in protected mode, and its error comes back.
func (rt *Runtime) lookupMethod(obj lua.LValue, name string) (lua.LValue, *CallbackError) {
	L := rt.L
	v := obj
	for range 100 { // a loop of __index tables is Lua's "loop in gettable"
		t, ok := v.(*lua.LTable)
		if !ok {
			break
		}
		if m := t.RawGetString(name); m != lua.LNil {
			return m, nil
		}
		mt, ok := t.Metatable.(*lua.LTable)
		if !ok {
			return lua.LNil, nil
		}
		idx := mt.RawGetString("__index")
		if idx == lua.LNil {
			return lua.LNil, nil
		}
		if _, ok := idx.(*lua.LTable); !ok {
			break
		}
		v = idx
	}
	if obj.Type() != lua.LTTable && obj.Type() != lua.LTUserData {
		msg := "attempt to index a " + obj.Type().String() + " value (method '" + name + "')"
		return lua.LNil, &CallbackError{Function: "method '" + name + "'", Message: msg, value: lua.LString(msg)}
	}
	// An __index function, or a loop: let Lua look it up, under protection.
	L.Push(L.NewFunction(func(L *lua.LState) int {
		L.Push(L.GetField(L.Get(1), name))
		return 1
	}))
	L.Push(obj)
	if apiErr := rt.pcall(L, 1, 1); apiErr != nil {
		msg := rt.errorText(L, apiErr.Object)
		return lua.LNil, &CallbackError{Function: "method '" + name + "'", Message: msg, value: apiErr.Object}
	}
	m := L.Get(-1)
	L.Pop(1)
	return m, nil
}
