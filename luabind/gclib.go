package luabind

import (
	"runtime"

	lua "github.com/yuin/gopher-lua"
)

// collectgarbage([opt [, arg]]) is Lua 5.1's, over Go's collector, which
// the Lua state shares with the whole process: "collect" (the default)
// and "step" run a full collection, "count" is the memory in use in KB
// (Go's live heap objects, a fraction included), "setpause" and
// "setstepmul" remember their value and return the one before (200 at
// first, as in Lua) without tuning anything, and "stop" and "restart" do
// nothing: stopping the collector would stop it for the embedding
// program too. Any other option is Lua's error. gopher-lua's ran a
// collection whatever the option and returned nothing.
func (rt *Runtime) collectGarbage(L *lua.LState) int {
	f := fname{name: "collectgarbage"}
	opt := "collect"
	if L.Get(1) != lua.LNil {
		s, ok := L.Get(1).(lua.LString)
		if !ok {
			if n, isNum := L.Get(1).(lua.LNumber); isNum {
				s = lua.LString(lua51NumberString(float64(n)))
			} else {
				typeError(L, 1, f, "string")
			}
		}
		opt = string(s)
	}
	switch opt {
	case "collect":
		runtime.GC()
		L.Push(lua.LNumber(0))
	case "step":
		runtime.GC()
		L.Push(lua.LTrue) // the step finished a cycle
	case "count":
		L.Push(lua.LNumber(float64(heapInUse()) / 1024))
	case "setpause", "setstepmul":
		arg := 0
		if L.Get(2) != lua.LNil {
			arg = int(checkInteger(L, 2, f))
		}
		setting := &rt.gcPause
		if opt == "setstepmul" {
			setting = &rt.gcStepMul
		}
		prev := *setting
		*setting = arg
		L.Push(lua.LNumber(prev))
	case "stop", "restart":
		L.Push(lua.LNumber(0))
	default:
		argError(L, 1, f, "invalid option '"+opt+"'")
	}
	return 1
}

// heapInUse is the bytes of Go heap objects in use (live ones and dead
// ones not yet swept). runtime.ReadMemStats stops the world for some tens
// of microseconds, which a script asking for the count now and then does
// not notice; runtime/metrics reads it without stopping anything, but
// importing that package costs every start of loopscript a tenth of a
// millisecond of package initialisation, whether a script counts or not.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
