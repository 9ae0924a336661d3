package luabind

import lua "github.com/yuin/gopher-lua"

// The protocol classes' own build_protocol, recognised so that Go can do
// its work for a connection without running Lua: a server whose factory
// keeps Factory:build_protocol (W12's, and most scripts') pays no Lua call,
// no class call and no peer address per connection for it.

// streamDefaults are protocol.lua's functions as it defined them, handed
// over by core.stream_defaults before any script can replace them.
type streamDefaults struct {
	buildProtocol  *lua.LFunction // Factory.build_protocol
	classNew       *lua.LFunction // Class.new
	classCall      *lua.FunctionProto
	makeConnection *lua.LFunction // Protocol.make_connection
}

// keepStreamDefaults is the protocol module's core.stream_defaults(
// Factory.build_protocol, Class.new, a class metatable's __call,
// Protocol.make_connection).
func (rt *Runtime) keepStreamDefaults(L *lua.LState) int {
	rt.streamDefaults = streamDefaults{
		buildProtocol:  L.CheckFunction(1),
		classNew:       L.CheckFunction(2),
		classCall:      L.CheckFunction(3).Proto,
		makeConnection: L.CheckFunction(4),
	}
	return 0
}

// builtWithoutLua is factory:build_protocol(addr) done in Go, when doing it
// cannot be told apart from running it: the factory keeps
// Factory:build_protocol, whose address argument it never reads, and
// self.protocol is a class made by extend that keeps Class's call and new,
// has no init and no __newindex. Then s is the stream of the protocol
// setmetatable({factory = factory}, cls), as Lua would make it, methods (when not nil)
// holds what the protocol's protocolMethodNames are, and ok is true.
// Otherwise (or while callbacks are traced: the trace shows every call)
// nothing is done and ok is false.
func (rt *Runtime) builtWithoutLua(factory lua.LValue, methods []lua.LValue) (s *luaStream, ok bool) {
	d := &rt.streamDefaults
	if d.buildProtocol == nil || rt.cfg.Trace != nil {
		return nil, false
	}
	if m, known := rawLookup(factory, "build_protocol"); !known || m != d.buildProtocol {
		return nil, false
	}
	v, _ := rawLookup(factory, "protocol")
	cls, isTable := v.(*lua.LTable)
	if !isTable || cls.RawGetString("__index") != cls || cls.RawGetString("__newindex") != lua.LNil {
		return nil, false
	}
	mt, isTable := cls.Metatable.(*lua.LTable)
	if !isTable {
		return nil, false
	}
	if call, isFn := mt.RawGetString("__call").(*lua.LFunction); !isFn || call.Proto != d.classCall {
		return nil, false
	}
	// One walk up the classes for Class's methods and the protocol's: the
	// new instance's only field is factory, so its methods are its class's.
	var found [len(builtLookupNames)]lua.LValue
	if !rawLookups(cls, builtLookupNames[:], found[:]) || found[0] != d.classNew || found[1] != lua.LNil {
		return nil, false
	}
	copy(methods, found[2:])
	return rt.newBuiltStream(cls, factory, found[2] == d.makeConnection), true
}

// builtLookupNames are Class's new and init, then protocolMethodNames.
var builtLookupNames = [...]string{"new", "init", protocolMethodNames[0], protocolMethodNames[1], protocolMethodNames[2]}

// rawLookup is obj[name] as Lua would find it, when that takes no Lua: a
// table, then the __index tables of its metatables. known is false when an
// __index function or a value that is no table is met first (the lookup
// would run Lua or raise); a miss along tables only is (nil, true).
func rawLookup(obj lua.LValue, name string) (v lua.LValue, known bool) {
	for range 100 { // lookupMethod's bound: a longer chain is an error it reports
		t, isTable := obj.(*lua.LTable)
		if !isTable {
			return lua.LNil, false
		}
		if v := t.RawGetString(name); v != lua.LNil {
			return v, true
		}
		mt, isTable := t.Metatable.(*lua.LTable)
		if !isTable {
			return lua.LNil, true
		}
		obj = mt.RawGetString("__index")
		if obj == lua.LNil {
			return lua.LNil, true
		}
	}
	return lua.LNil, false
}

// rawLookups is rawLookup of several names in one walk, which stops once
// each is found: when known is true, vs[i] is obj[names[i]].
func rawLookups(obj lua.LValue, names []string, vs []lua.LValue) (known bool) {
	missing := len(names)
	for i := range vs {
		vs[i] = lua.LNil
	}
	for range 100 { // lookupMethod's bound: a longer chain is an error it reports
		t, isTable := obj.(*lua.LTable)
		if !isTable {
			return false
		}
		for i, name := range names {
			if vs[i] == lua.LNil {
				if v := t.RawGetString(name); v != lua.LNil {
					vs[i] = v
					missing--
				}
			}
		}
		if missing == 0 {
			return true
		}
		mt, isTable := t.Metatable.(*lua.LTable)
		if !isTable {
			return true
		}
		obj = mt.RawGetString("__index")
		if obj == lua.LNil {
			return true
		}
	}
	return false
}
