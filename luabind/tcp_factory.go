package luabind

import (
	"net"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// The part of a Lua factory the reactor calls for each connection, server
// and client alike: build_protocol(addr), whose result becomes the
// connection's reactor.Protocol.

// buildProtocol asks the Lua factory for the protocol of a connection
// from (or to) addr. nil means the factory refuses the connection: the
// reactor closes it. An error in build_protocol, or a result that is no
// protocol, is reported once and then raised as a Go panic, which the
// reactor turns into the connection's close (and, for a client, into
// client_connection_failed's reason).
func (rt *Runtime) buildProtocol(factory lua.LValue, addr net.Addr) reactor.Protocol {
	var v lua.LValue
	// One walk up the classes finds what the two checks below would look
	// up one by one, when it takes no Lua.
	var found [len(protocolMethodNames)]lua.LValue
	if s, ok := rt.builtWithoutLua(factory, found[:]); ok {
		if found[0] != lua.LNil {
			return s.protocol(found[1] != lua.LNil || found[2] != lua.LNil)
		}
		v = s.obj
	} else {
		var err error
		v, err = rt.callMethodResult(factory, "build_protocol", rt.addressValue(addr))
		switch err.(type) {
		case nil:
		case *CallbackError:
			panic(err)
		default: // os.exit: the reactor is halting, nobody is left to serve
			return nil
		}
		if v == lua.LNil {
			return nil
		}
		if rawLookups(v, protocolMethodNames[:], found[:]) && found[0] != lua.LNil {
			return rt.luaStreamProtocol(v, found[1] != lua.LNil || found[2] != lua.LNil)
		}
	}
	if msg := notAProtocol(rt, v); msg != "" {
		cbErr := &CallbackError{Message: msg, value: lua.LString(msg)}
		if m, _ := rt.lookupMethod(factory, "build_protocol"); m != nil && m != lua.LNil {
			cbErr.Function, cbErr.Defined = rt.describe(rt.L, m)
		} else {
			cbErr.Function = "method 'build_protocol'"
		}
		rt.report(cbErr)
		panic(cbErr)
	}
	return rt.newLuaStream(v)
}

// protocolMethodNames are the methods buildProtocol looks for: the one a
// protocol must have, and the two that make it half-closeable.
var protocolMethodNames = [...]string{"make_connection", "read_connection_lost", "write_connection_lost"}

// notAProtocol says what is wrong with v as the result of build_protocol,
// "" when it can be a connection's protocol: a table or userdata with a
// make_connection method (every protocol.Protocol has one).
func notAProtocol(rt *Runtime, v lua.LValue) string {
	if v.Type() != lua.LTTable && v.Type() != lua.LTUserData {
		return "build_protocol returned a " + v.Type().String() + " value, not a protocol (nil refuses the connection)"
	}
	m, err := rt.lookupMethod(v, "make_connection")
	if err != nil {
		return "build_protocol returned an object whose make_connection cannot be read: " + err.Message
	}
	if m == lua.LNil {
		return "build_protocol returned a " + v.Type().String() +
			" without make_connection, not a protocol (extend protocol.Protocol)"
	}
	return ""
}

// callMethodResult is callMethod for a method whose first result matters:
// obj:name(args...) as a reactor callback (traced, under the callback
// limits, its error reported once), returning its first result, nil when
// obj lacks the method.
func (rt *Runtime) callMethodResult(obj lua.LValue, name string, args ...lua.LValue) (lua.LValue, error) {
	m, lookupErr := rt.lookupMethod(obj, name)
	if lookupErr != nil {
		rt.report(lookupErr)
		return lua.LNil, lookupErr
	}
	if m == lua.LNil {
		return lua.LNil, nil
	}
	// The runner keeps the method's first result in rt.lastResult: no Go
	// function between it and the method, which cost a closure and its
	// captures per connection.
	callArgs := make([]lua.LValue, 0, 4)
	callArgs = append(append(callArgs, obj), args...)
	rt.traceCall(KindIO, m)
	rt.lastResult = lua.LNil
	err := rt.PCallAsCallback(m, callArgs...)
	result := rt.lastResult
	rt.lastResult = lua.LNil
	switch e := err.(type) {
	case nil:
	case *ExitError:
		if len(rt.catches) > rt.loopDepth {
			rt.raiseExit(rt.L.G.CurrentThread)
		}
	case *CallbackError:
		// Named after the method, not the Go function that called it.
		e.Function, e.Defined = rt.describe(rt.L, m)
		rt.report(e)
	}
	return result, err
}
