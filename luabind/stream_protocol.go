package luabind

import (
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// luaStream is the reactor.Protocol of a stream connection whose protocol is
// a Lua object: make_connection(transport) when the connection is up (which
// sets self.transport and calls connection_made), data_received(data) for
// each chunk, connection_lost(reason) exactly once.
//
// An error raised in make_connection (so in connection_made) or in
// data_received is reported once, then the adapter panics with it: the
// transport closes the connection, and connection_lost gets the error as
// its reason (see reason.go).
//
// With the protocol, it is what an idle connection keeps on luabind's side:
// one allocation for it and the transport's userdata, no map entry
// (get_readers finds the transport through the reactor's StreamTransport,
// see io_objects.go).
type luaStream struct {
	rt  *Runtime
	obj lua.LValue
	lt  luaTransport
	ud  lua.LUserData // the Lua transport, holding &lt once the connection is made
}

// luaHalfCloseable is a luaStream whose Lua protocol defines
// read_connection_lost or write_connection_lost: it gets those for one
// direction instead of connection_lost (Twisted's IHalfCloseableProtocol).
type luaHalfCloseable struct{ *luaStream }

var (
	_ reactor.StringReceiver        = (*luaStream)(nil)
	_ reactor.HalfCloseableProtocol = luaHalfCloseable{}
)

// newLuaStream makes the reactor.Protocol of obj, half-closeable when obj
// has a read_connection_lost or write_connection_lost method.
func (rt *Runtime) newLuaStream(obj lua.LValue) reactor.Protocol {
	for _, name := range protocolMethodNames[1:] {
		if m, err := rt.lookupMethod(obj, name); err == nil && m != lua.LNil {
			return rt.luaStreamProtocol(obj, true)
		}
	}
	return rt.luaStreamProtocol(obj, false)
}

// luaStreamProtocol makes the reactor.Protocol of obj, half-closeable or not.
func (rt *Runtime) luaStreamProtocol(obj lua.LValue, halfCloseable bool) reactor.Protocol {
	return (&luaStream{rt: rt, obj: obj}).protocol(halfCloseable)
}

// protocol is s as a reactor.Protocol, half-closeable or not.
func (s *luaStream) protocol(halfCloseable bool) reactor.Protocol {
	if halfCloseable {
		return luaHalfCloseable{s}
	}
	return s
}

// streamProtocol is the reactor.Protocol obj was made into by
// newLuaStream, and back.
func streamOf(p reactor.Protocol) *luaStream {
	switch p := p.(type) {
	case *luaStream:
		return p
	case luaHalfCloseable:
		return p.luaStream
	}
	return nil
}

func (s *luaStream) ConnectionMade(t *reactor.StreamTransport) { s.connectionMade(t) }

// connectionMade calls make_connection with the Lua transport of t.
func (s *luaStream) connectionMade(t StreamTransport) {
	s.newTransport(t)
	s.makeConnection()
}

// newTransport makes the Lua transport of t.
func (s *luaStream) newTransport(t StreamTransport) {
	s.lt.t = t
	s.rt.initTransport(&s.ud, &s.lt)
}

// transport is the Lua transport, nil before the connection is made.
func (s *luaStream) transport() *lua.LUserData {
	if s.ud.Value == nil {
		return nil
	}
	return &s.ud
}

// makeConnection calls make_connection with the Lua transport.
func (s *luaStream) makeConnection() {
	s.raiseOnError(s.rt.callMethod(s.obj, "make_connection", &s.ud))
}

func (s *luaStream) DataReceived(data []byte) { s.StringReceived(string(data)) }

// StringReceived is data_received with the string the reactor read into:
// a large read becomes the Lua string without a copy.
func (s *luaStream) StringReceived(data string) {
	s.raiseOnError(s.rt.callMethod(s.obj, "data_received", lua.LString(data)))
}

func (s *luaStream) ConnectionLost(reason error) {
	// Protocol's own connection_lost does nothing: calling it, and making
	// its reason (a Failure and its error object), cannot be seen.
	if !s.rt.hasEmptyMethod(s.obj, "connection_lost") {
		_ = s.rt.callMethod(s.obj, "connection_lost", s.rt.reason(reason))
	}
}

func (h luaHalfCloseable) ReadConnectionLost() {
	h.raiseOnError(h.rt.callMethod(h.obj, "read_connection_lost"))
}

func (h luaHalfCloseable) WriteConnectionLost() {
	h.raiseOnError(h.rt.callMethod(h.obj, "write_connection_lost"))
}

// raiseOnError hands a Lua error (reported already) to the transport, which
// closes the connection with it as the reason. An os.exit is no error: the
// reactor is halting.
func (s *luaStream) raiseOnError(err error) {
	if cbErr, ok := err.(*CallbackError); ok {
		panic(cbErr)
	}
}
