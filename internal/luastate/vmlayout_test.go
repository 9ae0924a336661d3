package luastate

import (
	"reflect"
	"testing"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

func TestVMLayout(t *testing.T) {
	if vmLayoutErr != nil {
		t.Fatal(vmLayoutErr)
	}
	if err := Lua51VM(); err != nil {
		t.Fatal(err)
	}
}

// TestMirrorsRefuses: a mirror that differs from gopher-lua's structure in
// a name, an order, a type or a size is refused, so nothing is installed.
func TestMirrorsRefuses(t *testing.T) {
	frame := reflect.TypeFor[vmFrame]()
	if f, ok := reflect.TypeFor[lua.LState]().FieldByName("currentFrame"); ok {
		frame = f.Type.Elem()
	}
	type renamed struct {
		Idx int
		Fn  *lua.LFunction
		Up  *vmFrame
	}
	type reordered struct {
		Fn  *lua.LFunction
		Idx int
	}
	type retyped struct {
		Idx int
		Fn  *lua.LTable
	}
	type short struct {
		Idx int
		Fn  *lua.LFunction
	}
	type wrongExported struct {
		G      *lua.LState
		Parent *lua.LState
	}
	type privateAsUnsafe struct {
		G            *lua.Global
		Parent       *lua.LState
		Env          *lua.LTable
		Panic        func(*lua.LState)
		Dead         bool
		Options      lua.Options
		stop         int32
		reg          unsafe.Pointer
		stack        interface{ Sp() int }
		alloc        unsafe.Pointer
		currentFrame *vmFrame
	}
	for _, c := range []struct {
		name         string
		mirror, real reflect.Type
		whole, ok    bool
	}{
		{"the frame", reflect.TypeFor[vmFrame](), frame, true, true},
		{"a renamed field", reflect.TypeFor[renamed](), frame, false, false},
		{"reordered fields", reflect.TypeFor[reordered](), frame, false, false},
		{"a pointer to another exported type", reflect.TypeFor[retyped](), frame, false, false},
		{"a prefix, when the whole is asked for", reflect.TypeFor[short](), frame, true, false},
		{"a prefix", reflect.TypeFor[short](), frame, false, true},
		{"another exported type", reflect.TypeFor[wrongExported](), reflect.TypeFor[lua.LState](), false, false},
		{"private pointers as unsafe.Pointer", reflect.TypeFor[privateAsUnsafe](), reflect.TypeFor[lua.LState](), false, true},
	} {
		if err := mirrors(c.mirror, c.real, c.whole); (err == nil) != c.ok {
			t.Errorf("%s: mirrors = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}
