package luabind

import (
	"reflect"
	"sync"
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
// that survives the error, and wrong for the frames the error ends: a
// closure made in one of them and kept past the catching pcall stays open
// on a stack slot that later code reuses. Closing just the dead frames'
// upvalues would take more of gopher-lua's private state; not done. PCall clears the flag on the way out, so nested
// protected calls lose it for the rest of the outer call.
//
// loopscript keeps the flag set for as long as a callback or chunk runs, and
// restores it after each pcall and xpcall, the script's and its own (every
// protected call luabind makes goes through pcall below). There is no exported way to do
// that, hence the reflection on the pinned version's private field; if a
// future gopher-lua renames it, these functions do nothing and
// TestUpvaluesSurviveCaughtErrors fails.

// hasErrorFuncOffset is where that field lies in an LState. Looking it up by
// name took a fifth of the time of a whole callback, three times per
// callback, so it is looked up once.
var hasErrorFuncOffset = sync.OnceValues(func() (uintptr, bool) {
	f, ok := reflect.TypeFor[lua.LState]().FieldByName("hasErrorFunc")
	if !ok || f.Type.Kind() != reflect.Bool {
		return 0, false
	}
	return f.Offset, true
})

// errorFuncFlag points to L's hasErrorFunc, or is nil if there is none.
func errorFuncFlag(L *lua.LState) *bool {
	off, ok := hasErrorFuncOffset()
	if !ok {
		return nil
	}
	return (*bool)(unsafe.Add(unsafe.Pointer(L), off))
}

func errorFuncActive(L *lua.LState) bool {
	f := errorFuncFlag(L)
	return f != nil && *f
}

func setErrorFuncActive(L *lua.LState, on bool) {
	if f := errorFuncFlag(L); f != nil {
		*f = on
	}
}

// pcall is L.PCall(nargs, nret, nil) for luabind's own Go code. It leaves the
// flag as it found it: the Lua code below the call, still running, would
// otherwise lose it.
//
// Its error is L.PCall's with its type: in the pinned gopher-lua every error
// PCall returns is an *lua.ApiError (a Lua error, or a Go panic it wraps).
func pcall(L *lua.LState, nargs, nret int) *lua.ApiError {
	outer := errorFuncActive(L)
	err := L.PCall(nargs, nret, nil)
	setErrorFuncActive(L, outer)
	if err == nil {
		return nil
	}
	return err.(*lua.ApiError)
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
