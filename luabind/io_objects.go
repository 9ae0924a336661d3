package luabind

import (
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// ioObjects maps what the reactor watches for the script (ports, process
// pipes, the standard I/O, the script's own readers) to the Lua value the
// script knows it by, for get_readers, get_writers and remove_all: they
// return the script's objects, never the reactor's Go values, and nothing
// internal (the waker). A stream connection needs no entry: the reactor's
// StreamTransport leads to its luaStream, which holds the Lua transport,
// so an idle connection costs no map entry.

// rememberIO records v as the Lua value of fd until forgetIO.
func (rt *Runtime) rememberIO(fd reactor.FileDescriptor, v lua.LValue) {
	if rt.ioObjects == nil {
		rt.ioObjects = map[reactor.FileDescriptor]lua.LValue{}
	}
	rt.ioObjects[fd] = v
}

// forgetIO drops what rememberIO recorded for fd.
func (rt *Runtime) forgetIO(fd reactor.FileDescriptor) { delete(rt.ioObjects, fd) }

// ioObject is the Lua value of fd, or nil for one the script does not know
// (a connection once closed, or one whose protocol is Go's).
func (rt *Runtime) ioObject(fd reactor.FileDescriptor) lua.LValue {
	if t, ok := fd.(*reactor.StreamTransport); ok {
		if s := streamOf(t.Protocol()); s != nil && s.rt == rt && s.transport() != nil && t.Fd() >= 0 {
			return s.transport()
		}
		return lua.LNil
	}
	if v, ok := rt.ioObjects[fd]; ok {
		return v
	}
	return lua.LNil
}

// streamDescriptor is the reactor's descriptor of the open stream
// connection whose Lua transport is v, nil if v is none.
func streamDescriptor(v lua.LValue) reactor.FileDescriptor {
	if ud, ok := v.(*lua.LUserData); ok {
		if lt, ok := ud.Value.(*luaTransport); ok {
			if t, ok := lt.t.(*reactor.StreamTransport); ok && t.Fd() >= 0 {
				return t
			}
		}
	}
	return nil
}
