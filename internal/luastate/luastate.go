// Package luastate is the one place where loopscript reaches into
// gopher-lua's private state. gopher-lua v1.1.2 has no exported way to do
// what Lua 5.1's own C API does when an error unwinds frames (close their
// open upvalues, as luaF_close does), nor to tell how a coroutine was
// resumed; the functions here do it by reading and writing the pinned
// version's unexported fields, found by reflection once. It also replaces
// the VM's handlers of the instructions that raise type errors, so that
// states marked with MarkLua51 raise Lua 5.1's messages and write numbers
// in `..` as Lua 5.1 does (see vmpatch.go).
//
// Every function checks Supported first and does nothing (or reports false)
// when the layout is not the one this package was written for, so a
// different gopher-lua cannot be corrupted silently; TestPinnedVersion fails
// loudly on any version but the pinned one.
package luastate

import (
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Module and Version are the gopher-lua this package was written against.
const (
	Module  = "github.com/yuin/gopher-lua"
	Version = "v1.1.2"
)

// layout holds the offsets of the private fields used here.
type layout struct {
	hasErrorFunc uintptr // LState.hasErrorFunc bool
	wrapped      uintptr // LState.wrapped bool
	uvcache      uintptr // LState.uvcache *Upvalue
	reg          uintptr // LState.reg *registry
	regTop       uintptr // registry.top int
	regArray     uintptr // registry.array []LValue

	uvNext   uintptr // Upvalue.next *Upvalue
	uvIndex  uintptr // Upvalue.index int
	uvValue  uintptr // Upvalue.value LValue
	uvClosed uintptr // Upvalue.closed bool
}

// lay is found once, at start-up: the functions below run on every
// protected call, where even a sync.Once costs.
var lay, layErr = findLayout()

func theLayout() (layout, error) { return lay, layErr }

func findLayout() (layout, error) {
	var l layout
	var errs []error
	field := func(t reflect.Type, name string, want reflect.Kind, dst *uintptr) reflect.Type {
		f, ok := t.FieldByName(name)
		if !ok {
			errs = append(errs, fmt.Errorf("%s has no field %s", t, name))
			return nil
		}
		if f.Type.Kind() != want {
			errs = append(errs, fmt.Errorf("%s.%s is a %s, not a %s", t, name, f.Type.Kind(), want))
			return nil
		}
		*dst = f.Offset
		return f.Type
	}
	state := reflect.TypeFor[lua.LState]()
	field(state, "hasErrorFunc", reflect.Bool, &l.hasErrorFunc)
	field(state, "wrapped", reflect.Bool, &l.wrapped)
	if t := field(state, "uvcache", reflect.Pointer, &l.uvcache); t != nil && t != reflect.TypeFor[*lua.Upvalue]() {
		errs = append(errs, fmt.Errorf("LState.uvcache is a %s", t))
	}
	if t := field(state, "reg", reflect.Pointer, &l.reg); t != nil {
		reg := t.Elem()
		field(reg, "top", reflect.Int, &l.regTop)
		if t := field(reg, "array", reflect.Slice, &l.regArray); t != nil && t != reflect.TypeFor[[]lua.LValue]() {
			errs = append(errs, fmt.Errorf("registry.array is a %s", t))
		}
	}
	uv := reflect.TypeFor[lua.Upvalue]()
	if t := field(uv, "next", reflect.Pointer, &l.uvNext); t != nil && t != reflect.TypeFor[*lua.Upvalue]() {
		errs = append(errs, fmt.Errorf("Upvalue.next is a %s", t))
	}
	field(uv, "index", reflect.Int, &l.uvIndex)
	if t := field(uv, "value", reflect.Interface, &l.uvValue); t != nil && t != reflect.TypeFor[lua.LValue]() {
		errs = append(errs, fmt.Errorf("Upvalue.value is a %s", t))
	}
	field(uv, "closed", reflect.Bool, &l.uvClosed)
	if err := errors.Join(errs...); err != nil {
		return layout{}, fmt.Errorf("luastate: gopher-lua's private layout is not %s's: %w", Version, err)
	}
	return l, nil
}

// Supported reports nil when the linked gopher-lua has the private layout
// this package relies on, else what differs.
func Supported() error {
	_, err := theLayout()
	return err
}

// LinkedVersion is the version of gopher-lua in the running binary's build
// information, or "" when the binary has none (a binary built without
// module support).
func LinkedVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, m := range info.Deps {
		if m.Path == Module {
			if m.Replace != nil {
				return m.Replace.Version
			}
			return m.Version
		}
	}
	return ""
}

func at[T any](base unsafe.Pointer, off uintptr) *T { return (*T)(unsafe.Add(base, off)) }

// ErrorFuncActive reports L's "error function active" flag. While it is set,
// gopher-lua closes no upvalues when an error is raised; while it is clear,
// it closes the upvalues of every frame of L (gopher-lua issue 448), which
// is right only when the error will end the whole thread.
func ErrorFuncActive(L *lua.LState) bool {
	l, err := theLayout()
	return err == nil && *at[bool](unsafe.Pointer(L), l.hasErrorFunc)
}

// SetErrorFuncActive sets L's "error function active" flag. gopher-lua's
// PCall clears it on the way out whatever it was, so callers restore it.
func SetErrorFuncActive(L *lua.LState, on bool) {
	if l, err := theLayout(); err == nil {
		*at[bool](unsafe.Pointer(L), l.hasErrorFunc) = on
	}
}

// Top is the absolute index of the first free slot of L's value stack: the
// slot a Push would fill. Upvalue positions count in the same units.
func Top(L *lua.LState) int {
	l, err := theLayout()
	if err != nil {
		return 0
	}
	reg := *at[unsafe.Pointer](unsafe.Pointer(L), l.reg)
	return *at[int](reg, l.regTop)
}

// NilAboveTop makes the n value-stack slots above L's top hold Lua's nil
// rather than Go's. gopher-lua clears the slots a pop frees with Go's nil,
// and a coroutine resumed with fewer values than its yield is assigned to
// reads the missing ones from those slots: a Go nil there crashed the VM.
func NilAboveTop(L *lua.LState, n int) {
	l, err := theLayout()
	if err != nil {
		return
	}
	reg := *at[unsafe.Pointer](unsafe.Pointer(L), l.reg)
	top := *at[int](reg, l.regTop)
	array := *at[[]lua.LValue](reg, l.regArray)
	for i := top; i < len(array) && i < top+n; i++ {
		if array[i] == nil {
			array[i] = lua.LNil
		}
	}
}

// CloseUpvalues closes the open upvalues of L that refer to value-stack
// slots at absolute index from and above, as Lua's luaF_close does when an
// error unwinds the frames that own those slots: each keeps the value its
// slot holds now, and closures that share it go on sharing it. It must run
// before the slots are reused or cleared. A slot that was already cleared
// (gopher-lua clears the stack above a caught error) closes as nil.
func CloseUpvalues(L *lua.LState, from int) {
	l, err := theLayout()
	if err != nil {
		return
	}
	head := at[*lua.Upvalue](unsafe.Pointer(L), l.uvcache)
	// The list is sorted by slot, lowest first (see gopher-lua's
	// findUpvalue): cut it at the first upvalue at or above from.
	var prev *lua.Upvalue
	uv := *head
	for uv != nil && *at[int](unsafe.Pointer(uv), l.uvIndex) < from {
		prev, uv = uv, *at[*lua.Upvalue](unsafe.Pointer(uv), l.uvNext)
	}
	if uv == nil {
		return
	}
	if prev == nil {
		*head = nil
	} else {
		*at[*lua.Upvalue](unsafe.Pointer(prev), l.uvNext) = nil
	}
	for uv != nil {
		next := *at[*lua.Upvalue](unsafe.Pointer(uv), l.uvNext)
		uv.Close()
		if v := at[lua.LValue](unsafe.Pointer(uv), l.uvValue); *v == nil {
			*v = lua.LNil
		}
		*at[*lua.Upvalue](unsafe.Pointer(uv), l.uvNext) = nil
		uv = next
	}
}

// OpenUpvalues is the number of open upvalues of L at absolute index from
// and above. It is for tests.
func OpenUpvalues(L *lua.LState, from int) int {
	l, err := theLayout()
	if err != nil {
		return 0
	}
	n := 0
	for uv := *at[*lua.Upvalue](unsafe.Pointer(L), l.uvcache); uv != nil; uv = *at[*lua.Upvalue](unsafe.Pointer(uv), l.uvNext) {
		if *at[int](unsafe.Pointer(uv), l.uvIndex) >= from {
			n++
		}
	}
	return n
}

// Wrapped reports whether th returns from a resume as a coroutine.wrap'ped
// function does (its results alone, errors raised in the resumer) rather
// than as coroutine.resume does (true or false first).
func Wrapped(th *lua.LState) bool {
	l, err := theLayout()
	return err == nil && *at[bool](unsafe.Pointer(th), l.wrapped)
}

// SetWrapped sets how th hands back its results when it next yields, returns
// or fails. gopher-lua marks a thread once, when coroutine.wrap creates it,
// so coroutine.resume on that thread (the thread of a wrapped function,
// found with coroutine.running) lost its leading true; setting it before
// each resume makes every resume answer as the function that resumed it.
func SetWrapped(th *lua.LState, wrapped bool) {
	if l, err := theLayout(); err == nil {
		*at[bool](unsafe.Pointer(th), l.wrapped) = wrapped
	}
}
