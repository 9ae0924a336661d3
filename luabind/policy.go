package luabind

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// IOKind says what kind of outside resource a script asks for.
type IOKind string

// The kinds of I/O a Config.AllowIO may refuse.
const (
	IONetwork IOKind = "network" // a socket, listener or connection: TCP, UNIX, UDP
	IOProcess IOKind = "process" // a child process
	IOStdio   IOKind = "stdio"   // the process's own standard input and output
)

// IORequest is one call of a script that would open I/O, for Config.AllowIO.
type IORequest struct {
	Function string // the Lua function called: "listen_tcp", "spawn_process", ...
	Kind     IOKind
	// Target is what the call names: "127.0.0.1:8000" for an address,
	// a UNIX socket's path, a program's path; "" for stdio.
	Target string
}

func (q IORequest) String() string {
	if q.Target == "" {
		return fmt.Sprintf("%s (%s)", q.Function, q.Kind)
	}
	return fmt.Sprintf("%s %s (%s)", q.Function, q.Target, q.Kind)
}

// allowIO raises the error Config.AllowIO gives for the request, as
// "listen_tcp: MESSAGE"; without an AllowIO everything is allowed.
func (rt *Runtime) allowIO(L *lua.LState, fn string, kind IOKind, target string) {
	if rt.cfg.AllowIO == nil {
		return
	}
	if err := rt.cfg.AllowIO(IORequest{Function: fn, Kind: kind, Target: target}); err != nil {
		L.RaiseError("%s: %s", fn, err.Error())
	}
}
