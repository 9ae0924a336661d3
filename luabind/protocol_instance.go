package luabind

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// The table of a protocol that Go builds for a connection (see
// protocol_defaults.go), made with its string keys in place, in one
// allocation with the connection's luaStream.
//
// gopher-lua records a table's string keys, in the order they were first
// set, in a slice and an index map beside the values (that order is what
// next follows). Each new key costs the key boxed twice, the slice grown
// and, for the first, the index map made: ten allocations for the three
// keys (factory, connected, transport) a protocol gets before its
// connection_made runs. Here the keys are boxed once per process, the slice
// is part of the table's own allocation, and connected and transport are
// recorded, in the order Protocol:make_connection sets them, before they
// have values. A recorded key without a value is what gopher-lua leaves
// after t.k = nil: next skips it, # and rawget do not see it; so the table
// cannot be told from the one Lua would make, next's order included.

// tableLayout mirrors lua.LTable, all of it.
type tableLayout struct {
	Metatable lua.LValue
	array     []lua.LValue
	dict      map[lua.LValue]lua.LValue
	strdict   map[string]lua.LValue
	keys      []lua.LValue
	k2i       map[lua.LValue]int
}

// tableLayoutMatches is false when the linked gopher-lua's LTable is not
// the one mirrored: then the keys are set with RawSetString, as before.
var tableLayoutMatches = sameStruct(reflect.TypeFor[tableLayout](), reflect.TypeFor[lua.LTable]())

// sameStruct says whether mirror has real's fields: names, types and
// offsets, and real's size.
func sameStruct(mirror, real reflect.Type) bool {
	if mirror.Size() != real.Size() || mirror.NumField() != real.NumField() {
		return false
	}
	for i := range real.NumField() {
		m, r := mirror.Field(i), real.Field(i)
		if m.Name != r.Name || m.Type != r.Type || m.Offset != r.Offset {
			return false
		}
	}
	return true
}

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
	if !tableLayoutMatches {
		t := rt.L.CreateTable(0, instanceFields)
		t.Metatable = cls
		t.RawSetString("factory", factory)
		b.stream.obj = t
		return &b.stream
	}
	in := &b.instance
	t := &in.table
	t.Metatable = cls
	l := (*tableLayout)(unsafe.Pointer(t))
	l.strdict = make(map[string]lua.LValue, instanceFields)
	l.strdict["factory"] = factory
	in.keys[0] = keyFactory
	n := 1
	if madeByProtocol {
		in.keys[1], in.keys[2] = keyConnected, keyTransport
		n = 3
	}
	l.keys = in.keys[:n:len(in.keys)]
	l.k2i = make(map[lua.LValue]int, len(in.keys))
	for i, k := range l.keys {
		l.k2i[k] = i
	}
	b.stream.obj = t
	return &b.stream
}
