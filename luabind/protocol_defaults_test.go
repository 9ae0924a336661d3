package luabind

import (
	"net"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/reactor"
)

// TestBuildProtocolWithoutLua pins what a connection's protocol is when Go
// builds it in place of Factory:build_protocol, and that Go steps aside
// whenever running the Lua could be told apart: a factory or class that
// overrides something gets its own code, the address included.
func TestBuildProtocolWithoutLua(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lua    string // sets factory; may print through say
		inGo   bool   // Go builds the protocol
		want   string // what check() prints about the protocol
		output string // what the script said while building it
	}{
		{name: "defaults", inGo: true, lua: `
P = protocol.Protocol:extend()
factory = protocol.ServerFactory:extend{protocol = P}()`},
		{name: "the class Protocol itself", inGo: true, lua: `
P = protocol.Protocol
factory = protocol.ServerFactory:extend{protocol = P}()`},
		{name: "a plain Factory instance", inGo: true, lua: `
P = protocol.Protocol:extend()
factory = protocol.Factory()
factory.protocol = P`},
		{name: "build_protocol overridden gets the address", lua: `
P = protocol.Protocol:extend()
F = protocol.ServerFactory:extend{protocol = P}
function F:build_protocol(addr)
  say(tostring(addr))
  return protocol.Factory.build_protocol(self, addr)
end
factory = F()`, output: "IPv4Address(type='TCP', host='127.0.0.1', port=40000)\n"},
		{name: "init runs", lua: `
P = protocol.Protocol:extend()
function P:init() say("init") self.inited = true end
factory = protocol.ServerFactory:extend{protocol = P}()`, want: "inited", output: "init\n"},
		{name: "an inherited init runs", lua: `
Base = protocol.Protocol:extend()
function Base:init() say("base init") end
P = Base:extend()
factory = protocol.ServerFactory:extend{protocol = P}()`, output: "base init\n"},
		{name: "new overridden", lua: `
P = protocol.Protocol:extend()
function P.new(cls) say("new") return protocol.Class.new(cls) end
factory = protocol.ServerFactory:extend{protocol = P}()`, output: "new\n"},
		{name: "__newindex on the class", lua: `
P = protocol.Protocol:extend()
P.__newindex = function(t, k, v) say("set " .. k) rawset(t, k, v) end
factory = protocol.ServerFactory:extend{protocol = P}()`, output: "set factory\n"},
		{name: "a class whose metatable's __call is another", lua: `
P = protocol.Protocol:extend()
setmetatable(P, {__index = protocol.Protocol, __call = function(c) say("call") return protocol.Class.new(c) end})
factory = protocol.ServerFactory:extend{protocol = P}()`, output: "call\n"},
		{name: "protocol found through an __index function", lua: `
P = protocol.Protocol:extend()
F = protocol.ServerFactory:extend()
setmetatable(F, {__index = function(t, k) if k == "protocol" then say("asked") return P end return protocol.ServerFactory[k] end})
factory = setmetatable({}, F)`, output: "asked\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, out := testState(t, Config{})
			if err := L.DoString(`protocol = require("protocol")
function say(s) print(s) end` + tc.lua); err != nil {
				t.Fatal(err)
			}
			factory := L.GetGlobal("factory")
			if _, inGo := rt.builtWithoutLua(factory, nil); inGo != tc.inGo {
				t.Fatalf("built in Go: %v, want %v", inGo, tc.inGo)
			}
			out.Reset()
			peer := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
			s := streamOf(rt.buildProtocol(factory, peer))
			if s == nil {
				t.Fatal("no protocol")
			}
			if got := out.String(); got != tc.output {
				t.Errorf("build_protocol said %q, want %q", got, tc.output)
			}
			L.SetGlobal("p", s.obj)
			out.Reset()
			if err := L.DoString(`
assert(rawget(p, "factory") == factory, "p.factory is the factory")
assert(P:is_instance(p), "an instance of the class")
local keys = {}
for k in pairs(p) do keys[#keys + 1] = k end
table.sort(keys)
print(table.concat(keys, ","))`); err != nil {
				t.Fatal(err)
			}
			wantKeys := "factory"
			if tc.want != "" {
				wantKeys = "factory," + tc.want
			}
			if got := strings.TrimSpace(out.String()); got != wantKeys {
				t.Errorf("the protocol's fields are %q, want %q", got, wantKeys)
			}
			s.connectionMade(&fakeStream{peer: peer})
			s.ConnectionLost(reactor.ErrConnectionDone)
		})
	}
}

// TestHalfCloseableFound: buildProtocol's one walk up the classes finds
// read_connection_lost or write_connection_lost wherever the class chain
// has them, as the lookups one by one did (and still do past an __index
// function).
func TestHalfCloseableFound(t *testing.T) {
	for _, tc := range []struct {
		name string
		lua  string // defines P, the protocol class
		half bool
	}{
		{"neither", `P = protocol.Protocol:extend()`, false},
		{"read in the class", `P = protocol.Protocol:extend()
function P:read_connection_lost() end`, true},
		{"write in the class", `P = protocol.Protocol:extend()
function P:write_connection_lost() end`, true},
		{"read inherited", `local B = protocol.Protocol:extend()
function B:read_connection_lost() end
P = B:extend()`, true},
		{"behind an __index function", `P = protocol.Protocol:extend()
setmetatable(P, {__call = getmetatable(P).__call, __index = function(t, k)
  if k == "write_connection_lost" then return function() end end
  return protocol.Protocol[k]
end})`, true},
		{"an __index function that has neither", `P = protocol.Protocol:extend()
setmetatable(P, {__call = getmetatable(P).__call, __index = function(t, k) return protocol.Protocol[k] end})`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, _ := testState(t, Config{})
			if err := L.DoString(`protocol = require("protocol")
` + tc.lua + `
factory = protocol.ServerFactory:extend{protocol = P}()`); err != nil {
				t.Fatal(err)
			}
			p := rt.buildProtocol(L.GetGlobal("factory"), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1})
			if _, half := p.(luaHalfCloseable); half != tc.half {
				t.Errorf("half-closeable: %v, want %v", half, tc.half)
			}
		})
	}
}
