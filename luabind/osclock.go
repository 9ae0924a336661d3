package luabind

import (
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// replaceClock puts luaOSClock in place of gopher-lua's os.clock, which
// returns wall time since the program started: Lua 5.1's os.clock is C's
// clock(), the processor time the program has used, so a script timing a
// loop with it is not charged for time spent waiting.
func (rt *Runtime) replaceClock() {
	if os, ok := rt.L.GetGlobal("os").(*lua.LTable); ok && os.RawGetString("clock") != lua.LNil {
		os.RawSetString("clock", rt.L.NewFunction(luaOSClock))
	}
}

// luaOSClock is os.clock: the user and system CPU time of the whole process,
// in seconds (every goroutine's, the garbage collector's included, as C's
// clock() counts every thread of a process).
func luaOSClock(L *lua.LState) int {
	L.Push(lua.LNumber(processCPUSeconds()))
	return 1
}

func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
