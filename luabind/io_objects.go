package luabind

import (
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// ioObjects maps what the reactor watches for the script (transports,
// ports, process pipes, the script's own readers) to the Lua value the
// script knows it by, for get_readers, get_writers and remove_all: they
// return the script's objects, never the reactor's Go values, and nothing
// internal (the waker).

// rememberIO records v as the Lua value of fd until forgetIO.
func (rt *Runtime) rememberIO(fd reactor.FileDescriptor, v lua.LValue) {
	if rt.ioObjects == nil {
		rt.ioObjects = map[reactor.FileDescriptor]lua.LValue{}
	}
	rt.ioObjects[fd] = v
}

// forgetIO drops what rememberIO recorded for fd.
func (rt *Runtime) forgetIO(fd reactor.FileDescriptor) { delete(rt.ioObjects, fd) }

// ioObject is the Lua value of fd, or nil for one the script does not know.
func (rt *Runtime) ioObject(fd reactor.FileDescriptor) lua.LValue {
	if v, ok := rt.ioObjects[fd]; ok {
		return v
	}
	return lua.LNil
}
