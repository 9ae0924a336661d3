package luabind

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua v1.1.2 (gopher-lua issue 448): when an error is raised and no
// message handler is active, it closes the open upvalues of EVERY frame on
// the stack, including the frames below the pcall that will catch the error.
// A local of the main chunk shared with callbacks is then cut in two: after
//
//	local x; local f = function() pcall(error, "e"); x = 1 end; f(); print(x)
//
// the script prints nil. While a handler is active (its private flag
// hasErrorFunc is set) it closes nothing, which is right for every frame
// that survives the error. PCall clears the flag on the way out, so nested
// protected calls lose it for the rest of the outer call.
//
// loopscript keeps the flag set for as long as a callback or chunk runs, and
// restores it after each pcall and xpcall. There is no exported way to do
// that, hence the reflection on the pinned version's private field; if a
// future gopher-lua renames it, these functions do nothing and
// TestUpvaluesSurviveCaughtErrors fails.

func errorFuncFlag(L *lua.LState) (reflect.Value, bool) {
	f := reflect.ValueOf(L).Elem().FieldByName("hasErrorFunc")
	if !f.IsValid() || f.Kind() != reflect.Bool {
		return reflect.Value{}, false
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), true
}

func errorFuncActive(L *lua.LState) bool {
	f, ok := errorFuncFlag(L)
	return ok && f.Bool()
}

func setErrorFuncActive(L *lua.LState, on bool) {
	if f, ok := errorFuncFlag(L); ok {
		f.SetBool(on)
	}
}

// keepUpvaluesAcrossPCall wraps the base library's pcall and xpcall so the
// flag they clear on return is restored.
func (rt *Runtime) keepUpvaluesAcrossPCall() {
	for _, name := range []string{"pcall", "xpcall"} {
		orig, ok := rt.L.GetGlobal(name).(*lua.LFunction)
		if !ok || !orig.IsG {
			continue
		}
		rt.L.SetGlobal(name, rt.L.NewFunction(func(L *lua.LState) int {
			outer := errorFuncActive(L)
			n := orig.GFunction(L)
			setErrorFuncActive(L, outer)
			return n
		}))
	}
}
