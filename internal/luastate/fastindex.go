package luastate

import (
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// FastIndex does the work of an __index Go function for a string key when
// it can: it returns obj[key] as the function would find it, or Go's nil
// when it has no answer, and then the VM calls the function. It must not
// raise: an error raised by the function itself, from its own call frame,
// reads and is traced back as it always was. It runs on the state's own
// goroutine.
type FastIndex func(L *lua.LState, obj *lua.LTable, key string) lua.LValue

// FastUserdataIndex is FastIndex for a userdata: it returns ud[key] as the
// __index Go function would find it, or Go's nil when it has no answer (then
// the VM calls the function). The same rules hold: it must not raise, and
// it runs on the state's own goroutine.
type FastUserdataIndex func(L *lua.LState, ud *lua.LUserData, key string) lua.LValue

// SetFastIndex makes the marked states of L's Global run impl in place of a
// call of fn when `t.name` or `t:name(...)` (a constant string key) misses
// in a table t whose metatable's __index is fn. The VM then boxes no key and
// pushes no call frame for the lookup. Other lookups (a key in a variable,
// Go code's L.GetField, an unmarked state) still call fn, and so does one
// impl has no answer for. It does nothing on a state MarkLua51 did not mark.
func SetFastIndex(L *lua.LState, fn *lua.LFunction, impl FastIndex) {
	m := markOf(L)
	if m == nil {
		return
	}
	if m.fastIndex == nil {
		m.fastIndex = map[*lua.LFunction]FastIndex{}
	}
	m.fastIndex[fn] = impl
	if !fn.IsG {
		return
	}
	// fn carries impl too, so that the VM finds it on fn without the two
	// map lookups of markOf and fastIndex: a sixth of a Deferred's chain
	// step in W13.
	markFunction(L, fn).impl = impl
}

// SetFastUserdataIndex makes the marked states of L's Global run impl in
// place of a call of fn when `u.name` or `u:name(...)` (a constant string
// key) indexes a userdata u whose metatable's __index is fn, a Go function.
// As with SetFastIndex, the VM then boxes no key and pushes no call frame,
// and every other lookup still calls fn. impl is kept on fn only, for the
// last Global fn was registered on: the states of another call fn as
// gopher-lua does. It does nothing on a state MarkLua51 did not mark, or
// for a function written in Lua.
func SetFastUserdataIndex(L *lua.LState, fn *lua.LFunction, impl FastUserdataIndex) {
	if markOf(L) == nil || !fn.IsG {
		return
	}
	markFunction(L, fn).userdata = impl
}

// markFunction is the mark of fn, a Go function, for L's Global: made, or
// moved from another Global with what L's Global registered for tables.
func markFunction(L *lua.LState, fn *lua.LFunction) *fastIndexMark {
	mark := fastIndexMarkOf(fn)
	if mark == nil {
		// The mark is an upvalue past fn's own: a Go function's upvalues
		// are only read by the function itself, by index.
		mark = &fastIndexMark{global: L.G}
		carrier := L.NewClosure(nil, mark)
		fn.Upvalues = append(fn.Upvalues, carrier.Upvalues[0])
	}
	if mark.global != L.G {
		*mark = fastIndexMark{global: L.G}
	}
	if m := markOf(L); m != nil && mark.impl == nil {
		mark.impl = m.fastIndex[fn]
	}
	return mark
}

// fastIndexMark is the value of the upvalue SetFastIndex adds to a Go
// function: a Lua value of a type only this package makes, so no other
// upvalue can pass for it. impl and userdata are for the states of global
// only (the last Global fn was registered on; others use their map for
// tables, and call fn for userdata).
type fastIndexMark struct {
	impl     FastIndex
	userdata FastUserdataIndex
	global   *lua.Global
}

func (*fastIndexMark) String() string       { return "fast index" }
func (*fastIndexMark) Type() lua.LValueType { return lua.LTUserData }

// fastIndexMarkOf is the mark SetFastIndex gave fn, or nil.
func fastIndexMarkOf(fn *lua.LFunction) *fastIndexMark {
	if n := len(fn.Upvalues); n > 0 {
		mark, _ := fn.Upvalues[n-1].Value().(*fastIndexMark)
		return mark
	}
	return nil
}

// opIndexString is GETTABLEKS and SELF: R(B) is indexed with RK(C), a
// string. A table with no metatable costs two type checks more than
// gopher-lua's handler, any other value but a userdata one.
func opIndexString(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	switch obj := register(s, argB(inst)).(type) {
	case *lua.LTable:
		if mt, ok := obj.Metatable.(*lua.LTable); ok {
			if argC(inst)&rkConstant != 0 {
				if key, ok := s.currentFrame.Fn.Proto.Constants[argC(inst)&^rkConstant].(lua.LString); ok {
					if indexedInPlace(L, s, inst, obj, mt, string(key)) {
						return 0
					}
				}
			}
			// gopher-lua's handler may call an __index function.
			if callStackAtLimit(L, s) && indexCalls(L, obj, rk(s, argC(inst))) {
				L.RaiseError("stack overflow")
			}
		}
		return original[opcodeOf(inst)](L, inst, bf)
	case *lua.LUserData:
		if userdataIndexedInPlace(L, s, inst, obj) {
			return 0
		}
	}
	return opIndexRead(L, inst, bf)
}

// indexedInPlace does the lookup of t[key] when gopher-lua would find it
// without a metamethod, in the table that is t's __index (an object's
// class), or by calling a function SetFastIndex registered whose impl has
// the answer. Then it writes the registers as gopher-lua's handler does and
// reports true; else it reports false, having written nothing, for
// gopher-lua's handler to do it all.
func indexedInPlace(L *lua.LState, s *vmState, inst uint32, t, mt *lua.LTable, key string) bool {
	if !registersFit(s, inst) {
		return false
	}
	v := t.RawGetString(key)
	if isNilValue(v) {
		switch index := mt.RawGetString("__index").(type) {
		case *lua.LTable:
			// A class: gopher-lua's next step is a raw get in it, and the
			// lookup goes on past it only when that misses.
			if v = index.RawGetString(key); isNilValue(v) {
				return false
			}
		case *lua.LFunction:
			if !index.IsG {
				return false
			}
			impl := fastIndexImpl(L, index)
			if impl == nil {
				return false
			}
			if v = impl(L, t, key); v == nil {
				return false
			}
		default:
			return false
		}
	}
	setIndexed(s, inst, v, t)
	return true
}

// userdataIndexedInPlace does the lookup of ud[key], a constant key, when
// ud's metatable's __index is a Go function SetFastUserdataIndex registered
// for L's Global and its impl has the answer: it writes the registers as
// gopher-lua's handler does and reports true. Else it reports false, having
// written nothing. gopher-lua reads a userdata's __index raw, as here.
func userdataIndexedInPlace(L *lua.LState, s *vmState, inst uint32, ud *lua.LUserData) bool {
	mt, ok := ud.Metatable.(*lua.LTable)
	if !ok || argC(inst)&rkConstant == 0 {
		return false
	}
	key, ok := s.currentFrame.Fn.Proto.Constants[argC(inst)&^rkConstant].(lua.LString)
	if !ok {
		return false
	}
	index, ok := mt.RawGetString("__index").(*lua.LFunction)
	if !ok || !index.IsG {
		return false
	}
	mark := fastIndexMarkOf(index)
	if mark == nil || mark.global != L.G || mark.userdata == nil || !registersFit(s, inst) {
		return false
	}
	v := mark.userdata(L, ud, string(key))
	if v == nil {
		return false
	}
	setIndexed(s, inst, v, ud)
	return true
}

// registersFit reports whether the registers inst writes are within the
// stack gopher-lua sized for the frame; growing it is gopher-lua's
// business.
func registersFit(s *vmState, inst uint32) bool {
	last := s.currentFrame.LocalBase + argA(inst)
	if opcodeOf(inst) == lua.OP_SELF {
		last++
	}
	return last < len(s.reg.array)
}

// setIndexed writes what gopher-lua's handler writes for inst: R(A) = v,
// and for SELF R(A+1) = self, the object indexed.
func setIndexed(s *vmState, inst uint32, v, self lua.LValue) {
	a := s.currentFrame.LocalBase + argA(inst)
	last := a
	s.reg.array[a] = v
	if opcodeOf(inst) == lua.OP_SELF {
		last++
		s.reg.array[last] = self
	}
	if last >= s.reg.top {
		s.reg.top = last + 1
	}
}

// fastIndexImpl is what SetFastIndex registered for fn in L's Global, or
// nil: found on fn itself when it carries its mark, which only SetFastIndex
// on a marked state gives it.
func fastIndexImpl(L *lua.LState, fn *lua.LFunction) FastIndex {
	if mark := fastIndexMarkOf(fn); mark != nil && mark.global == L.G {
		return mark.impl
	}
	m := markOf(L)
	if m == nil {
		return nil
	}
	return m.fastIndex[fn]
}

// isNilValue reports whether v is Lua's nil by its dynamic type: comparing
// v with lua.LNil, two interfaces, is a call into the Go runtime.
func isNilValue(v lua.LValue) bool {
	_, ok := v.(*lua.LNilType)
	return ok
}
