package luabind

import (
	"strings"
	"testing"

	"github.com/loopscript/loopscript/internal/luastate"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// connectedTransport makes a connection of a protocol that keeps its
// transport in the global T, over a fakeStream, and returns both.
func connectedTransport(t *testing.T) (*lua.LState, *Runtime, *fakeStream, *luaStream) {
	t.Helper()
	L, rt, s, f := fakeConnection(t, `local protocol = require("protocol")
local P = protocol.Protocol:extend()
function P:connection_made() T = self.transport end
factory = protocol.ServerFactory:extend{protocol = P}()`)
	return L, rt, f, s
}

// TestTransportLookupAllocations: a transport's methods and live fields,
// looked up with a constant name, are found by the VM with no call of the
// metatable's __index: nothing allocated (a boxed key before).
func TestTransportLookupAllocations(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"t:write(s)", "T:write(S)"},
		{"t.write", "local f = T.write"},
		{"t.get_host", "local f = T.get_host"},
		{"t.connected", "local c = T.connected"},
		{"t.disconnecting", "local c = T.disconnecting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, _, _, s := connectedTransport(t)
			defer s.ConnectionLost(reactor.ErrConnectionDone)
			L.SetGlobal("S", lua.LString("Tyger Tyger, burning bright\n"))
			if err := L.DoString("function step() " + tc.src + " end"); err != nil {
				t.Fatal(err)
			}
			step := L.GetGlobal("step")
			allocs := testing.AllocsPerRun(1000, func() {
				L.Push(step)
				L.Call(0, 0)
			})
			if allocs != 0 {
				t.Errorf("%s allocates %v times, want 0", tc.src, allocs)
			}
		})
	}
}

// TestTransportFieldsAsSeen: what a script sees of a transport is the same
// found in place as through the __index function (made to be always
// called here by a FastUserdataIndex with no answer): methods, live
// fields, errors with their positions and hints, tostring, a transport
// after its connection is lost.
func TestTransportFieldsAsSeen(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"a method", `T:write("abc") return WRITTEN()`, "3"},
		{"a method called with a dot", `T.write(T, "abcd") return WRITTEN()`, "4"},
		{"a dot for a colon", `
return select(2, pcall(function() T.write("x") end))`,
			"<string>:2: bad argument #1 to 'write' (transport expected, got string; use transport:write, not transport.write)"},
		{"a missing method", `
return select(2, pcall(function() T:writ("x") end))`, "<string>:2: transport has no field 'writ' (did you mean 'write'?)"},
		{"a missing field", `

return select(2, pcall(function() return T.nope end))`, "<string>:3: transport has no field 'nope'"},
		{"a field by a variable", `local k = "connected" return tostring(T[k])`, "true"},
		{"a field set", `return select(2, pcall(function() T.x = 1 end))`, "<string>:1: attempt to index global 'T' (a userdata value)"},
		{"live fields", `local a, b = T.connected, T.disconnecting
T:lose_connection()
return tostring(a) .. tostring(b) .. tostring(T.connected) .. tostring(T.disconnecting)`, "truefalsefalsetrue"},
		{"tostring", `return tostring(T)`, "<transport tcp 127.0.0.1:40000>"},
		{"after the connection is lost", `LOSE() return tostring(T.connected) .. type(T.get_host)`, "falsefunction"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got [2]string
			for i, inPlace := range []bool{true, false} {
				L, rt, f, s := connectedTransport(t)
				if !inPlace {
					index := rt.transportMeta.RawGetString("__index").(*lua.LFunction)
					luastate.SetFastUserdataIndex(L, index, func(*lua.LState, *lua.LUserData, string) lua.LValue { return nil })
				}
				L.SetGlobal("WRITTEN", L.NewFunction(func(L *lua.LState) int {
					L.Push(lua.LNumber(f.written))
					return 1
				}))
				L.SetGlobal("LOSE", L.NewFunction(func(L *lua.LState) int {
					f.lost = true
					s.ConnectionLost(reactor.ErrConnectionDone)
					return 0
				}))
				if err := L.DoString(tc.src); err != nil {
					got[i] = err.Error()
				} else {
					got[i] = lua.LVAsString(L.Get(-1))
				}
				if !f.lost {
					s.ConnectionLost(reactor.ErrConnectionDone)
				}
			}
			if got[0] != tc.want || got[1] != tc.want {
				t.Errorf("in place: %q\nby __index: %q\nwant %q", got[0], got[1], tc.want)
			}
		})
	}
}

// TestProcessTransportLookupAllocations: a ProcessTransport's methods are
// found by the VM as a stream transport's are, with nothing allocated; a
// missing one still raises from the __index function, with its hint.
func TestProcessTransportLookupAllocations(t *testing.T) {
	L, rt, _ := testState(t, Config{})
	lp := &luaProcess{rt: rt}
	lp.udata = lua.LUserData{Value: lp, Env: L.Env, Metatable: rt.newProcessTransportMeta()}
	L.SetGlobal("P", &lp.udata)
	if err := L.DoString(`function step() local w, s, c = P.write, P.signal_process, P.close_stdin end`); err != nil {
		t.Fatal(err)
	}
	step := L.GetGlobal("step")
	if allocs := testing.AllocsPerRun(1000, func() {
		L.Push(step)
		L.Call(0, 0)
	}); allocs != 0 {
		t.Errorf("three lookups allocate %v times, want 0", allocs)
	}
	err := L.DoString("\nlocal m = P.writ")
	if want := "<string>:2: ProcessTransport has no field 'writ' (did you mean 'write'?)"; err == nil || !strings.HasPrefix(err.Error(), want+"\n") {
		t.Errorf("a missing method: got %v, want %q", err, want)
	}
}
