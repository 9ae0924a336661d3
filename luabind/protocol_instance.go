package luabind

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/loopscript/loopscript/internal/luastate"
)

// The table of a protocol that Go builds for a connection (see
// protocol_defaults.go), made with its string keys in place
// (luastate.SetStringKeys), in one allocation with the connection's
// luaStream: recording the three keys a protocol gets before its
// connection_made runs (factory, connected, transport) one by one took ten
// allocations. Here the keys are boxed once per process, their slice is
// part of the allocation, and connected and transport are recorded, in the
// order Protocol:make_connection sets them, before they have values; so the
// table cannot be told from the one Lua would make, next's order included.

// protocolInstance is a protocol's table and the room for its first keys.
type protocolInstance struct {
	table lua.LTable
	keys  [4]lua.LValue // factory, connected, transport and one of the script's
}

// builtStream is a connection's luaStream and its protocol's table, one
// allocation: each keeps the other alive anyway (the stream holds the
// table, the table its transport, which is part of the stream).
type builtStream struct {
	stream   luaStream
	instance protocolInstance
}

// The keys, boxed once: a boxed string is immutable, so tables share it.
var (
	keyFactory   lua.LValue = lua.LString("factory")
	keyConnected lua.LValue = lua.LString("connected")
	keyTransport lua.LValue = lua.LString("transport")
)

// newBuiltStream is the luaStream of setmetatable({factory = factory}, cls),
// a table with room for instanceFields string keys. With madeByProtocol
// (the protocol keeps Protocol:make_connection) connected and transport
// are recorded too, so that make_connection's two writes allocate nothing.
func (rt *Runtime) newBuiltStream(cls *lua.LTable, factory lua.LValue, madeByProtocol bool) *luaStream {
	b := &builtStream{stream: luaStream{rt: rt}}
	in := &b.instance
	t := &in.table
	t.Metatable = cls
	in.keys[0], in.keys[1], in.keys[2] = keyFactory, keyConnected, keyTransport
	n := 1
	if madeByProtocol {
		n = 3
	}
	if !luastate.SetStringKeys(t, in.keys[:n:len(in.keys)], []lua.LValue{factory}, instanceFields) {
		t.RawSetString("factory", factory)
	}
	b.stream.obj = t
	return &b.stream
}
