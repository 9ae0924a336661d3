package luabind

import (
	"net"
	"testing"

	"github.com/loopscript/loopscript/internal/luastate"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// TestBuiltProtocolKeys pins that a protocol table Go builds with its keys
// recorded ahead (protocol_instance.go) cannot be told from the one Lua
// builds: the same fields, in the same order of next, after
// make_connection and whatever connection_made and connection_lost do.
func TestBuiltProtocolKeys(t *testing.T) {
	if !luastate.SetStringKeys(&lua.LTable{}, []lua.LValue{lua.LString("k")}, nil, 1) {
		t.Fatal("lua.LTable is not the layout internal/luastate mirrors: every connection pays its keys again")
	}
	for _, tc := range []struct{ name, lua string }{
		{"Protocol's methods only", ``},
		{"fields set in connection_made, past the room", `
function P:connection_made() self.a = 1 self.b = 2 self.c = 3 self[1] = "one" end`},
		{"connected cleared and set again", `
function P:connection_made() self.connected = nil self.x = 1 self.connected = true end`},
		{"transport cleared, then the factory", `
function P:connection_made() self.transport = nil end
function P:connection_lost(reason) self.factory = nil self.lost = true end`},
		{"make_connection overridden", `
function P:make_connection(transport)
  self.transport = transport
  self.before = true
  protocol.Protocol.make_connection(self, transport)
end`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, _ := testState(t, Config{})
			if err := L.DoString(`protocol = require("protocol")
P = protocol.Protocol:extend()` + tc.lua + `
inGo = protocol.ServerFactory:extend{protocol = P}()
local InLua = protocol.ServerFactory:extend{protocol = P}
function InLua:build_protocol(addr)
  local p = self.protocol()
  p.factory = self
  return p
end
inLua = InLua()
function fields(p)
  local out, k, v = {}, next(p)
  while k ~= nil do
    out[#out + 1] = tostring(k) .. "=" .. (v == p.factory and "factory" or type(v))
    k, v = next(p, k)
  end
  return table.concat(out, " ")
end`); err != nil {
				t.Fatal(err)
			}
			fields := func(global string) string {
				factory := L.GetGlobal(global)
				peer := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
				s := streamOf(rt.buildProtocol(factory, peer))
				s.connectionMade(&fakeStream{peer: peer, host: peer})
				s.ConnectionLost(reactor.ErrConnectionDone)
				if err := L.CallByParam(lua.P{Fn: L.GetGlobal("fields"), NRet: 1, Protect: true}, s.obj); err != nil {
					t.Fatal(err)
				}
				got := L.ToString(-1)
				L.Pop(1)
				return got
			}
			if _, inGo := rt.builtWithoutLua(L.GetGlobal("inGo"), nil); !inGo {
				t.Fatal("the factory's protocol is not built in Go")
			}
			built, made := fields("inGo"), fields("inLua")
			t.Logf("%s", built)
			if built != made {
				t.Errorf("the protocol built in Go has %q, the one built in Lua %q", built, made)
			}
		})
	}
}
