package luabind

import (
	"errors"
	"net"

	"github.com/loopscript/loopscript/internal/luastate"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// The Lua side of a stream connection: the transport object a protocol
// gets as self.transport (TCP, UNIX and standard I/O alike), and luaStream,
// the reactor.Protocol that calls a Lua protocol's methods.

// StreamTransport is what a Lua stream transport drives: a TCP or UNIX
// connection (*reactor.StreamTransport) or the standard I/O.
type StreamTransport interface {
	Write(data []byte)
	WriteSequence(pieces [][]byte)
	// WriteString and WriteStringSequence take Lua strings as they are:
	// a long one is queued without a copy.
	WriteString(data string)
	WriteStringSequence(pieces []string)
	LoseConnection()
	AbortConnection()
	LoseWriteConnection()
	GetPeer() net.Addr
	GetHost() net.Addr
	PauseProducing()
	ResumeProducing()
	RegisterProducer(p reactor.Producer, streaming bool) error
	UnregisterProducer()
	Connected() bool
}

var (
	_ StreamTransport = (*reactor.StreamTransport)(nil)
	_ StreamTransport = (*reactor.StandardIO)(nil)
)

const transportType = "transport"

// luaTransport is the userdata behind a Lua transport.
type luaTransport struct {
	t StreamTransport
}

func (rt *Runtime) newTransportMeta() *lua.LTable {
	L := rt.L
	methods := L.NewTable()
	L.SetFuncs(methods, map[string]lua.LGFunction{
		"write":                 transportWrite,
		"write_sequence":        transportWriteSequence,
		"lose_connection":       transportLoseConnection,
		"abort_connection":      transportAbortConnection,
		"lose_write_connection": transportLoseWriteConnection,
		"get_peer":              rt.transportGetPeer,
		"get_host":              rt.transportGetHost,
		"pause_producing":       transportPauseProducing,
		"resume_producing":      transportResumeProducing,
		"stop_producing":        transportStopProducing,
		"register_producer":     rt.transportRegisterProducer,
		"unregister_producer":   transportUnregisterProducer,
		"set_tcp_no_delay":      transportSetTCPNoDelay,
		"set_tcp_keep_alive":    transportSetTCPKeepAlive,
		"get_tcp_no_delay":      transportGetTCPNoDelay,
		"get_tcp_keep_alive":    transportGetTCPKeepAlive,
	})
	strictMethods(L, transportType, methods)
	meta := L.NewTable()
	index := L.NewFunction(func(L *lua.LState) int {
		lt := checkSelf[luaTransport](L, fname{name: "index"}, transportType)
		key := lua.LVAsString(L.Get(2))
		if v := transportField(lt, methods, key); v != nil {
			L.Push(v)
			return 1
		}
		// methods' own __index raises, with a did-you-mean hint.
		L.Push(L.GetField(methods, key))
		return 1
	})
	meta.RawSetString("__index", index)
	// self.transport:write(data) finds its method with no call of index:
	// no boxed key, no call frame.
	luastate.SetFastUserdataIndex(L, index, func(_ *lua.LState, ud *lua.LUserData, key string) lua.LValue {
		if lt, ok := ud.Value.(*luaTransport); ok {
			return transportField(lt, methods, key)
		}
		return nil
	})
	meta.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		lt := checkSelf[luaTransport](L, fname{name: "tostring"}, transportType)
		L.Push(lua.LString("<transport " + describeTransport(lt.t) + ">"))
		return 1
	}))
	meta.RawSetString("__metatable", lua.LString(transportType))
	return meta
}

// transportField is lt's field key: a method, or connected and
// disconnecting, live as Twisted's attributes are; nil when it has none.
func transportField(lt *luaTransport, methods *lua.LTable, key string) lua.LValue {
	switch key {
	case "connected":
		return lua.LBool(lt.t.Connected())
	case "disconnecting":
		return lua.LBool(!lt.t.Connected())
	}
	if m := methods.RawGetString(key); m != lua.LNil {
		return m
	}
	return nil
}

func describeTransport(t StreamTransport) string {
	if peer := t.GetPeer(); peer != nil && peer.Network() != "pipe" {
		return peer.Network() + " " + peer.String()
	}
	return "stdio"
}

// initTransport makes ud the Lua transport of lt.t. Both are part of the
// connection's luaStream, so the transport costs no allocation of its own.
func (rt *Runtime) initTransport(ud *lua.LUserData, lt *luaTransport) {
	if rt.transportMeta == nil {
		rt.transportMeta = rt.newTransportMeta()
	}
	// What L.NewUserData would set, in place.
	*ud = lua.LUserData{Value: lt, Env: rt.L.Env, Metatable: rt.transportMeta}
}

func checkTransport(L *lua.LState, name string) StreamTransport {
	return checkSelf[luaTransport](L, fname{name: name, method: true}, transportType).t
}

func transportWrite(L *lua.LState) int {
	t := checkTransport(L, "write")
	if data := checkStringArg(L, 2, fname{name: "write", method: true}); data != "" {
		t.WriteString(data)
	}
	return 0
}

func transportWriteSequence(L *lua.LState) int {
	t := checkTransport(L, "write_sequence")
	f := fname{name: "write_sequence", method: true}
	list, ok := L.Get(2).(*lua.LTable)
	if !ok {
		typeError(L, 2, f, "table")
	}
	n := list.Len()
	pieces := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		var s string
		switch v := list.RawGetInt(i).(type) {
		case lua.LString:
			s = string(v)
		case lua.LNumber:
			s = lua51NumberString(float64(v))
		default:
			argError(L, 2, f, "string expected at index "+lua51NumberString(float64(i))+", got "+v.Type().String())
		}
		if s != "" {
			pieces = append(pieces, s)
		}
	}
	if len(pieces) > 0 {
		t.WriteStringSequence(pieces)
	}
	return 0
}

func transportLoseConnection(L *lua.LState) int {
	checkTransport(L, "lose_connection").LoseConnection()
	return 0
}

func transportAbortConnection(L *lua.LState) int {
	checkTransport(L, "abort_connection").AbortConnection()
	return 0
}

func transportLoseWriteConnection(L *lua.LState) int {
	checkTransport(L, "lose_write_connection").LoseWriteConnection()
	return 0
}

func (rt *Runtime) transportGetPeer(L *lua.LState) int {
	L.Push(rt.addressValue(checkTransport(L, "get_peer").GetPeer()))
	return 1
}

func (rt *Runtime) transportGetHost(L *lua.LState) int {
	L.Push(rt.addressValue(checkTransport(L, "get_host").GetHost()))
	return 1
}

func transportPauseProducing(L *lua.LState) int {
	checkTransport(L, "pause_producing").PauseProducing()
	return 0
}

func transportResumeProducing(L *lua.LState) int {
	checkTransport(L, "resume_producing").ResumeProducing()
	return 0
}

func transportStopProducing(L *lua.LState) int {
	checkTransport(L, "stop_producing").LoseConnection()
	return 0
}

// A transport is a producer of what it reads, as in Twisted: registered
// with a consumer (its own transport, for an echo; another connection's,
// for a proxy) it is driven from Go, with no Lua call and no allocation:
// paused and resumed as its reading, stopped as lose_connection.
var _ reactor.Producer = (*luaTransport)(nil)

func (lt *luaTransport) PauseProducing()  { lt.t.PauseProducing() }
func (lt *luaTransport) ResumeProducing() { lt.t.ResumeProducing() }
func (lt *luaTransport) StopProducing()   { lt.t.LoseConnection() }

// String names the transport as Lua prints it, for the refusal of a
// second producer.
func (lt *luaTransport) String() string { return "<transport " + describeTransport(lt.t) + ">" }

// luaProducer is a Lua object with pause_producing, resume_producing and
// stop_producing methods, as a transport's producer.
type luaProducer struct {
	rt  *Runtime
	obj lua.LValue
}

func (p *luaProducer) PauseProducing()  { _ = p.rt.callMethod(p.obj, "pause_producing") }
func (p *luaProducer) ResumeProducing() { _ = p.rt.callMethod(p.obj, "resume_producing") }
func (p *luaProducer) StopProducing()   { _ = p.rt.callMethod(p.obj, "stop_producing") }

// String is how the reactor's refusal of a second producer names it: as Lua
// prints the object ("table: 0x..."), not as Go prints the struct.
func (p *luaProducer) String() string { return ToString(p.rt.L, p.obj) }

// checkProducer reads register_producer's producer (argument 2: a
// transport, or a table or userdata with pause_producing, resume_producing
// and stop_producing) and streaming flag (argument 3), for a transport's
// and a child's stdin alike.
func (rt *Runtime) checkProducer(L *lua.LState) (reactor.Producer, bool) {
	f := fname{name: "register_producer", method: true}
	obj := L.Get(2)
	if obj.Type() != lua.LTTable && obj.Type() != lua.LTUserData {
		typeError(L, 2, f, "producer")
	}
	streaming, ok := L.Get(3).(lua.LBool)
	if !ok {
		typeError(L, 3, f, "boolean")
	}
	if ud, ok := obj.(*lua.LUserData); ok {
		if lt, ok := ud.Value.(*luaTransport); ok {
			return lt, bool(streaming)
		}
	}
	return &luaProducer{rt: rt, obj: obj}, bool(streaming)
}

func (rt *Runtime) transportRegisterProducer(L *lua.LState) int {
	t := checkTransport(L, "register_producer")
	producer, streaming := rt.checkProducer(L)
	if lt, ok := producer.(*luaTransport); ok && lt.t == t {
		// The transport as its own producer: the reactor's transport itself,
		// which the reactor knows as such (its close does not wait for an
		// unregister_producer, as in Twisted).
		if own, ok := t.(reactor.Producer); ok {
			producer = own
		}
	}
	if err := t.RegisterProducer(producer, streaming); err != nil {
		raise(L, err)
	}
	return 0
}

func transportUnregisterProducer(L *lua.LState) int {
	checkTransport(L, "unregister_producer").UnregisterProducer()
	return 0
}

// tcpOptions are the socket options only TCP connections have.
type tcpOptions interface {
	SetTCPNoDelay(on bool) error
	SetTCPKeepAlive(on bool) error
	TCPNoDelay() (bool, error)
	TCPKeepAlive() (bool, error)
}

func transportSetTCPNoDelay(L *lua.LState) int {
	return setTCPOption(L, "set_tcp_no_delay", tcpOptions.SetTCPNoDelay)
}

func transportSetTCPKeepAlive(L *lua.LState) int {
	return setTCPOption(L, "set_tcp_keep_alive", tcpOptions.SetTCPKeepAlive)
}

func setTCPOption(L *lua.LState, name string, set func(tcpOptions, bool) error) int {
	t := checkTransport(L, name)
	on, ok := L.Get(2).(lua.LBool)
	if !ok {
		typeError(L, 2, fname{name: name, method: true}, "boolean")
	}
	opts, ok := t.(tcpOptions)
	if !ok {
		L.RaiseError("%s: not a TCP connection", name)
	}
	if err := set(opts, bool(on)); err != nil {
		raiseTCPOption(L, name, err)
	}
	return 0
}

func transportGetTCPNoDelay(L *lua.LState) int {
	return getTCPOption(L, "get_tcp_no_delay", tcpOptions.TCPNoDelay)
}

func transportGetTCPKeepAlive(L *lua.LState) int {
	return getTCPOption(L, "get_tcp_keep_alive", tcpOptions.TCPKeepAlive)
}

func getTCPOption(L *lua.LState, name string, get func(tcpOptions) (bool, error)) int {
	opts, ok := checkTransport(L, name).(tcpOptions)
	if !ok {
		L.RaiseError("%s: not a TCP connection", name)
	}
	on, err := get(opts)
	if err != nil {
		raiseTCPOption(L, name, err)
	}
	L.Push(lua.LBool(on))
	return 1
}

// raiseTCPOption raises a socket option's failure, named after the method;
// on a closed connection in words rather than as EBADF.
func raiseTCPOption(L *lua.LState, name string, err error) {
	switch {
	case errors.Is(err, net.ErrClosed):
		L.RaiseError("%s: the connection is closed", name)
	case errors.Is(err, reactor.ErrNotTCP):
		L.RaiseError("%s: not a TCP connection", name)
	}
	L.RaiseError("%s: %s", name, err.Error())
}
