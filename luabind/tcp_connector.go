package luabind

import (
	"errors"
	"net"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// The Connector a script gets from connect_tcp and connect_unix, and the
// reactor.ClientFactory that drives a Lua client factory, after Twisted's
// BaseConnector: connect() (again, once an attempt is over) starts the
// factory (do_start) unless it is started and calls started_connecting;
// each attempt ends in client_connection_failed, or client_connection_lost
// after the protocol's connection_lost; if the factory does not connect
// again from there, do_stop follows.

const connectorType = "Connector"

type connectorState uint8

const (
	notConnecting connectorState = iota
	connecting
	connectedState
)

// luaConnector is the userdata behind a Lua connector and the Go factory of
// its connections.
type luaConnector struct {
	rt      *Runtime
	c       *reactor.Connector
	factory lua.LValue
	ud      *lua.LUserData
	state   connectorState
	started bool // the factory's do_start ran and its do_stop has not
	// unseen counts the attempts abandoned because do_start or
	// started_connecting raised: the caller got that error instead, and the
	// UserError failure of each such attempt is not the script's to see.
	unseen int
}

var _ reactor.ClientFactory = (*luaConnector)(nil)

func (lc *luaConnector) BuildProtocol(addr net.Addr) reactor.Protocol {
	lc.state = connectedState
	return lc.rt.buildProtocol(lc.factory, addr)
}

func (lc *luaConnector) ClientConnectionFailed(_ *reactor.Connector, reason error) {
	// stop_connecting and disconnect said so already; a connect() since
	// then has started another attempt.
	if !errors.Is(reason, reactor.ErrUserAborted) {
		lc.state = notConnecting
	} else if lc.unseen > 0 {
		lc.unseen--
		return
	}
	_ = lc.rt.callMethod(lc.factory, "client_connection_failed", lc.ud, lc.rt.reason(reason))
	lc.stopUnlessReconnecting()
}

func (lc *luaConnector) ClientConnectionLost(_ *reactor.Connector, reason error) {
	lc.state = notConnecting
	_ = lc.rt.callMethod(lc.factory, "client_connection_lost", lc.ud, lc.rt.reason(reason))
	lc.stopUnlessReconnecting()
}

// stopUnlessReconnecting runs do_stop after an attempt's end unless the
// factory called connector:connect() again meanwhile.
func (lc *luaConnector) stopUnlessReconnecting() {
	if lc.state == notConnecting && lc.started {
		lc.started = false
		_ = lc.rt.callMethod(lc.factory, "do_stop")
	}
}

// startAttempt is the script's side of an attempt the reactor has started:
// do_start unless the factory runs already, then started_connecting. Both
// run inside the call, and their errors reach its caller. When one raises,
// the attempt is abandoned as in Twisted (where the transport is made only
// after started_connecting returns): no callback of it follows, and a
// factory started for it is stopped.
func (lc *luaConnector) startAttempt(L *lua.LState) {
	lc.state = connecting
	var apiErr *lua.ApiError
	if !lc.started {
		apiErr = lc.rt.callProtected(L, lc.factory, "do_start")
		if apiErr == nil {
			lc.started = true
			apiErr = lc.rt.callProtected(L, lc.factory, "started_connecting", lc.ud)
		}
	} else {
		apiErr = lc.rt.callProtected(L, lc.factory, "started_connecting", lc.ud)
	}
	if apiErr == nil {
		return
	}
	lc.state = notConnecting
	lc.unseen++
	lc.c.StopConnecting()
	lc.stopUnlessReconnecting()
	lc.rt.raiseExit(L) // os.exit is no error to pass on
	L.Error(errorValue(apiErr), 0)
}

// callProtected calls obj:name(args...) from Go code that Lua called and
// returns its error; an object without the method is not called.
func (rt *Runtime) callProtected(L *lua.LState, obj lua.LValue, name string, args ...lua.LValue) *lua.ApiError {
	m := L.GetField(obj, name)
	if m == lua.LNil {
		return nil
	}
	L.Push(m)
	L.Push(obj)
	for _, a := range args {
		L.Push(a)
	}
	return rt.pcall(L, 1+len(args), 0)
}

func (rt *Runtime) newConnectorMeta() *lua.LTable {
	L := rt.L
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"connect":         connectorConnect,
		"disconnect":      connectorDisconnect,
		"stop_connecting": connectorStopConnecting,
		"get_destination": rt.connectorGetDestination,
	})
	strictMethods(L, connectorType, methods)
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	meta.RawSetString("__tostring", L.NewFunction(connectorToString))
	meta.RawSetString("__metatable", lua.LString(connectorType))
	return meta
}

// newConnector makes the userdata of a connector whose reactor side is
// set by the caller before any attempt ends.
func (rt *Runtime) newConnector(factory lua.LValue) *luaConnector {
	lc := &luaConnector{rt: rt, factory: factory}
	lc.ud = rt.L.NewUserData()
	lc.ud.Value = lc
	lc.ud.Metatable = rt.registryMeta(connectorType, rt.newConnectorMeta)
	return lc
}

func checkConnector(L *lua.LState, name string) *luaConnector {
	return checkSelf[luaConnector](L, fname{name: name, method: true}, connectorType)
}

// connectorConnect starts another attempt, as Twisted's connector.connect():
// an error while one is under way or connected.
func connectorConnect(L *lua.LState) int {
	lc := checkConnector(L, "connect")
	if lc.state != notConnecting {
		L.RaiseError("connect: the connector is already %s", lc.stateText())
	}
	if err := lc.c.Connect(); err != nil {
		raise(L, err)
	}
	lc.startAttempt(L)
	return 0
}

// connectorDisconnect abandons the attempt under way (client_connection_failed
// then gets a UserError on a later turn) or closes the connection.
func connectorDisconnect(L *lua.LState) int {
	lc := checkConnector(L, "disconnect")
	if lc.state == connecting {
		lc.state = notConnecting
	}
	lc.c.Disconnect()
	return 0
}

// connectorStopConnecting abandons the attempt under way; it is an error
// when none is, as Twisted's NotConnectingError.
func connectorStopConnecting(L *lua.LState) int {
	lc := checkConnector(L, "stop_connecting")
	if lc.state != connecting {
		L.RaiseError("stop_connecting: the connector is not connecting (it is %s)", lc.stateText())
	}
	lc.state = notConnecting
	lc.c.StopConnecting()
	return 0
}

// connectorGetDestination is the address connected to, with the host as
// given (a name stays a name), as Twisted's getDestination.
func (rt *Runtime) connectorGetDestination(L *lua.LState) int {
	d := checkConnector(L, "get_destination").c.GetDestination()
	t := L.CreateTable(0, 3)
	if d.Network() == "unix" {
		t.RawSetString("type", lua.LString("UNIX"))
		t.RawSetString("name", lua.LString(d.Host))
	} else {
		t.RawSetString("type", lua.LString("TCP"))
		t.RawSetString("host", lua.LString(d.Host))
		t.RawSetString("port", lua.LNumber(d.Port))
	}
	L.SetMetatable(t, rt.addressMeta())
	L.Push(t)
	return 1
}

func (lc *luaConnector) stateText() string {
	switch lc.state {
	case connecting:
		return "connecting"
	case connectedState:
		return "connected"
	}
	return "disconnected"
}

func connectorToString(L *lua.LState) int {
	lc := checkSelf[luaConnector](L, fname{name: "__tostring"}, connectorType)
	d := lc.c.GetDestination()
	L.Push(lua.LString("<Connector " + d.Network() + " " + d.String() + " " + lc.stateText() + ">"))
	return 1
}
