package luabind

import (
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// The Port a script gets from listen_tcp and listen_unix: get_host() and
// stop_listening(). The port starts its factory (do_start) once it listens
// and stops it (do_stop) when it stops listening, by stop_listening or at
// the reactor's shutdown, exactly once. stop_listening returns a Deferred
// that has fired (with nil) by the time it returns: the socket is closed
// and do_stop has run inside the call (Twisted closes on the next turn and
// fires then).

const portType = "Port"

// luaPort is the userdata behind a Lua port.
type luaPort struct {
	rt      *Runtime
	port    *reactor.Port
	factory lua.LValue
	network string // "tcp" or "unix", for tostring
	// trigger is the shutdown trigger that stops the factory of a port
	// still listening when the reactor stops.
	trigger reactor.TriggerID
	stopped bool
}

func (rt *Runtime) newPortMeta() *lua.LTable {
	L := rt.L
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"get_host":       rt.portGetHost,
		"stop_listening": rt.portStopListening,
	})
	strictMethods(L, portType, methods)
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	meta.RawSetString("__tostring", L.NewFunction(portToString))
	meta.RawSetString("__metatable", lua.LString(portType))
	return meta
}

// portValue makes the userdata of a port that listens now, remembered as
// the Lua value of its descriptor (get_readers returns it).
func (rt *Runtime) portValue(p *luaPort) *lua.LUserData {
	ud := rt.L.NewUserData()
	ud.Value = p
	ud.Metatable = rt.registryMeta(portType, rt.newPortMeta)
	rt.rememberIO(p.port, ud)
	return ud
}

// startFactory runs the factory's do_start inside the listen call; if it
// raises, the port stops listening and the error goes on to the caller.
func (p *luaPort) startFactory(L *lua.LState, r *reactor.Reactor) {
	if m := L.GetField(p.factory, "do_start"); m != lua.LNil {
		L.Push(m)
		L.Push(p.factory)
		if apiErr := p.rt.pcall(L, 1, 0); apiErr != nil {
			p.stopped = true
			p.port.StopListening()
			p.rt.forgetIO(p.port)
			p.rt.raiseExit(L) // os.exit is no error to pass on
			L.Error(errorValue(apiErr), 0)
		}
	}
	// A phase and event that exist: the error cannot happen.
	p.trigger, _ = r.AddSystemEventTrigger(reactor.During, reactor.Shutdown, p.shutdown)
}

// shutdown stops the factory of a port the reactor closes as it stops.
func (p *luaPort) shutdown() {
	if p.stopped {
		return
	}
	p.close()
	_ = p.rt.callMethod(p.factory, "do_stop")
}

func (p *luaPort) close() {
	p.stopped = true
	p.port.StopListening()
	p.rt.forgetIO(p.port)
}

func checkPort(L *lua.LState, name string) *luaPort {
	return checkSelf[luaPort](L, fname{name: name, method: true}, portType)
}

func (rt *Runtime) portGetHost(L *lua.LState) int {
	L.Push(rt.addressValue(checkPort(L, "get_host").port.Addr()))
	return 1
}

// portStopListening closes the port and runs the factory's do_stop before
// it returns (its errors reach the caller), then returns a Deferred fired
// with nil; a second call only returns another fired Deferred.
func (rt *Runtime) portStopListening(L *lua.LState) int {
	p := checkPort(L, "stop_listening")
	if !p.stopped {
		p.close()
		if r := p.rt.r; r != nil {
			_ = r.RemoveSystemEventTrigger(p.trigger) // gone once it ran: nothing to undo
		}
		if m := L.GetField(p.factory, "do_stop"); m != lua.LNil {
			L.Push(m)
			L.Push(p.factory)
			L.Call(1, 0)
		}
	}
	return rt.pushFiredDeferred(L)
}

// pushFiredDeferred pushes a Deferred already fired with nil: what
// stop_listening returns once the port is closed.
func (rt *Runtime) pushFiredDeferred(L *lua.LState) int {
	d, fire := rt.newDeferred()
	rt.fireInline(L, fire, lua.LNil, false)
	L.Push(d)
	return 1
}

func portToString(L *lua.LState) int {
	p := checkSelf[luaPort](L, fname{name: "__tostring"}, portType)
	s := "<Port " + p.network + " " + p.port.Addr().String()
	if p.stopped {
		s += " (not listening)"
	}
	L.Push(lua.LString(s + ">"))
	return 1
}
