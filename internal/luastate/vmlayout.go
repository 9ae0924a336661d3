package luastate

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// The VM's instruction handlers run for every instruction, where reading a
// field through an offset found at run time costs a load more than a field
// the compiler knows. So the few private structures they read are mirrored
// here, field for field, and vmLayoutErr says whether each mirror matches the
// linked gopher-lua's type exactly (names, offsets, sizes): only then does
// anything read memory through them.

// vmState mirrors the prefix of lua.LState up to its current call frame.
type vmState struct {
	G            *lua.Global
	Parent       *lua.LState
	Env          *lua.LTable
	Panic        func(*lua.LState)
	Dead         bool
	Options      lua.Options
	stop         int32
	reg          *vmRegistry
	stack        interface{ Sp() int } // an interface value: two words, as gopher-lua's callFrameStack
	alloc        unsafe.Pointer
	currentFrame *vmFrame
}

// vmFrame mirrors gopher-lua's callFrame.
type vmFrame struct {
	Idx        int
	Fn         *lua.LFunction
	Parent     *vmFrame
	Pc         int // the next instruction's index: the running one is Pc-1
	Base       int
	LocalBase  int // the absolute stack index of register 0
	ReturnBase int
	NArgs      int
	NRet       int
	TailCall   int
}

// vmRegistry mirrors the prefix of gopher-lua's registry: the value stack
// and the allocator that boxes the numbers put on it.
type vmRegistry struct {
	array   []lua.LValue
	top     int
	growBy  int
	maxSize int
	alloc   unsafe.Pointer
}

// vmGlobal mirrors the prefix of lua.Global up to the metatables of the
// types that are neither tables nor userdata.
type vmGlobal struct {
	MainThread    *lua.LState
	CurrentThread *lua.LState
	Registry      *lua.LTable
	Global        *lua.LTable
	builtinMts    map[int]lua.LValue
}

var vmLayoutErr = checkVMLayout()

func checkVMLayout() error {
	state := reflect.TypeFor[lua.LState]()
	var errs []error
	errs = append(errs, mirrors(reflect.TypeFor[vmState](), state, false))
	if f, ok := state.FieldByName("currentFrame"); ok && f.Type.Kind() == reflect.Pointer {
		errs = append(errs, mirrors(reflect.TypeFor[vmFrame](), f.Type.Elem(), true))
	}
	if f, ok := state.FieldByName("reg"); ok && f.Type.Kind() == reflect.Pointer {
		errs = append(errs, mirrors(reflect.TypeFor[vmRegistry](), f.Type.Elem(), false))
	}
	errs = append(errs, mirrors(reflect.TypeFor[vmGlobal](), reflect.TypeFor[lua.Global](), false))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("luastate: gopher-lua's VM structures are not %s's: %w", Version, err)
	}
	return nil
}

// mirrors reports how mirror differs from the first fields of real: every
// field of mirror must be there, in order, with the same name, offset, size
// and kind (a field of a private type is mirrored by kind and size).
// whole also requires the two to have the same size.
func mirrors(mirror, real reflect.Type, whole bool) error {
	if real.Kind() != reflect.Struct {
		return fmt.Errorf("%s is not a struct", real)
	}
	if whole && (mirror.Size() != real.Size() || mirror.NumField() != real.NumField()) {
		return fmt.Errorf("%s is %d bytes in %d fields, its mirror %d in %d", real, real.Size(), real.NumField(), mirror.Size(), mirror.NumField())
	}
	if mirror.NumField() > real.NumField() {
		return fmt.Errorf("%s has %d fields, fewer than %d", real, real.NumField(), mirror.NumField())
	}
	var errs []error
	for i := range mirror.NumField() {
		m, r := mirror.Field(i), real.Field(i)
		if m.Name != r.Name || m.Offset != r.Offset || m.Type.Size() != r.Type.Size() || !sameKind(m.Type, r.Type) {
			errs = append(errs, fmt.Errorf("%s field %d is %s %s at %d, not %s %s at %d", real, i, r.Name, r.Type, r.Offset, m.Name, m.Type, m.Offset))
			continue
		}
		// A type the mirror can name must be the very type; only a field
		// of gopher-lua's private types is mirrored by kind and size.
		if m.Type != r.Type && !private(r.Type) {
			errs = append(errs, fmt.Errorf("%s.%s is a %s, not a %s", real, r.Name, r.Type, m.Type))
		}
	}
	return errors.Join(errs...)
}

// sameKind: an unsafe.Pointer mirrors a pointer to a private type.
func sameKind(mirror, real reflect.Type) bool {
	return mirror.Kind() == real.Kind() || mirror.Kind() == reflect.UnsafePointer && real.Kind() == reflect.Pointer && private(real)
}

// private reports whether t is, or points to, a type gopher-lua does not
// export.
func private(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name() != "" && t.PkgPath() == Module && t.Name()[0] >= 'a' && t.Name()[0] <= 'z'
}

func stateOf(L *lua.LState) *vmState { return (*vmState)(unsafe.Pointer(L)) }

// rawMetatable is v's metatable as the VM finds it for a metamethod, ignoring
// a __metatable field (gopher-lua's metatable(v, true)); nil when it has none.
func rawMetatable(L *lua.LState, v lua.LValue) *lua.LTable {
	var mt lua.LValue
	switch o := v.(type) {
	case *lua.LTable:
		mt = o.Metatable
	case *lua.LUserData:
		mt = o.Metatable
	default:
		mt = (*vmGlobal)(unsafe.Pointer(L.G)).builtinMts[int(v.Type())]
	}
	t, _ := mt.(*lua.LTable)
	return t
}

// metamethod is v's metamethod event, or nil.
func metamethod(L *lua.LState, v lua.LValue, event string) lua.LValue {
	if mt := rawMetatable(L, v); mt != nil {
		return mt.RawGetString(event)
	}
	return lua.LNil
}
