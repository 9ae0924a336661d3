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
	// fn carries impl too, in an upvalue past its own (a Go function's
	// upvalues are only read by the function itself, by index), so that the
	// VM finds it on fn without the two map lookups of markOf and
	// fastIndex: a sixth of a Deferred's chain step in W13.
	if mark := fastIndexMarkOf(fn); mark != nil {
		mark.impl, mark.global = impl, L.G
		return
	}
	carrier := L.NewClosure(nil, &fastIndexMark{impl: impl, global: L.G})
	fn.Upvalues = append(fn.Upvalues, carrier.Upvalues[0])
}

// fastIndexMark is the value of the upvalue SetFastIndex adds to a Go
// function: a Lua value of a type only this package makes, so no other
// upvalue can pass for it. impl is for the states of global only (the
// last Global SetFastIndex registered fn on; others use their map).
type fastIndexMark struct {
	impl   FastIndex
	global *lua.Global
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
// gopher-lua's handler.
func opIndexString(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	obj := register(s, argB(inst))
	t, ok := obj.(*lua.LTable)
	if !ok {
		return opIndexRead(L, inst, bf)
	}
	if mt, ok := t.Metatable.(*lua.LTable); ok && argC(inst)&rkConstant != 0 {
		if key, ok := s.currentFrame.Fn.Proto.Constants[argC(inst)&^rkConstant].(lua.LString); ok {
			if indexedInPlace(L, s, inst, t, mt, string(key)) {
				return 0
			}
		}
	}
	return original[opcodeOf(inst)](L, inst, bf)
}

// indexedInPlace does the lookup of t[key] when gopher-lua would find it
// without a metamethod, in the table that is t's __index (an object's
// class), or by calling a function SetFastIndex registered whose impl has
// the answer. Then it writes the registers as gopher-lua's handler does and
// reports true; else it reports false, having written nothing, for
// gopher-lua's handler to do it all.
func indexedInPlace(L *lua.LState, s *vmState, inst uint32, t, mt *lua.LTable, key string) bool {
	a := s.currentFrame.LocalBase + argA(inst)
	last := a // the last register written: SELF writes R(A+1) too
	if opcodeOf(inst) == lua.OP_SELF {
		last++
	}
	// A frame's registers are within the stack gopher-lua sized for it;
	// growing it is gopher-lua's business.
	if last >= len(s.reg.array) {
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
	s.reg.array[a] = v
	if last > a {
		s.reg.array[last] = t
	}
	if last >= s.reg.top {
		s.reg.top = last + 1
	}
	return true
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
