package luabind

import (
	"io"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// require("log") is written in Lua (lua/log.lua). This file gives it the
// two things its private environment has no library for: the time of an
// event and the process's stderr.

// logTimeFormat is Twisted's FileLogObserver time, in UTC.
const logTimeFormat = "2006-01-02 15:04:05-0700"

// logCore is the table lua/log.lua receives as its chunk argument.
func (rt *Runtime) logCore() *lua.LTable {
	L := rt.L
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		// timestamp() is the wall-clock time now, as a log line starts.
		"timestamp": func(L *lua.LState) int {
			L.Push(lua.LString(time.Now().UTC().Format(logTimeFormat)))
			return 1
		},
		"repr": luaPythonRepr,
		// stderr(text) writes where the Runtime's unhandled errors go.
		"stderr": func(L *lua.LState) int {
			io.WriteString(rt.cfg.Stderr, L.CheckString(1))
			return 0
		},
	})
}
