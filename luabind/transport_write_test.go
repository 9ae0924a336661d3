package luabind

import (
	"runtime"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// TestTransportWriteDoesNotCopyLongStrings: a long Lua string written many
// times (the poetry server's poem, once per client) is queued as it is:
// write and write_sequence allocate nothing near its size. It was copied
// twice per write ([]byte(data) here, then into the write queue).
func TestTransportWriteDoesNotCopyLongStrings(t *testing.T) {
	for _, tc := range []struct{ name, write string }{
		{"write", "self.transport:write(POEM)"},
		{"write_sequence", "self.transport:write_sequence({POEM, POEM})"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var res result
			cfg := Config{Limits: Limits{MaxRunTime: 20 * time.Second}}
			cfg.OnError = func(e *CallbackError) { res.reports = append(res.reports, e) }
			L, rt, out := testState(t, cfg)
			L.SetGlobal("POEM", lua.LString(strings.Repeat("Tyger Tyger, burning bright\n", 64<<10/28)))
			L.SetGlobal("allocated", L.NewFunction(func(L *lua.LState) int {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				L.Push(lua.LNumber(m.TotalAlloc))
				return 1
			}))
			fn, err := L.Load(strings.NewReader(tcpPrelude+serverLua+`
local WRITES = 100
function S:connection_made()
  local before = allocated()
  for i = 1, WRITES do `+tc.write+` end
  local grew = allocated() - before
  say("allocated under a twentieth of what was written", grew < WRITES * #POEM / 20, grew)
  self.transport:lose_connection()
end
local C = protocol.Protocol:extend()
function C:connection_made() self.got = 0 end
function C:data_received(d) self.got = self.got + #d end
function C:connection_lost() say("received whole strings", self.got % #POEM == 0 and self.got >= WRITES * #POEM) reactor.stop() end
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.run() print(log[1]:match("^[^0-9]*")) print(log[2])`), "test.lua")
			if err != nil {
				t.Fatal(err)
			}
			if err := rt.RunChunk(fn); err != nil || len(res.reports) > 0 {
				t.Fatalf("error %v, reports:\n%s", err, res.reportText())
			}
			t.Log(strings.TrimSpace(out.String()))
			want := "allocated under a twentieth of what was written true \nreceived whole strings true\n"
			if out.String() != want {
				t.Fatalf("got:\n%swant:\n%s", out.String(), want)
			}
		})
	}
}
