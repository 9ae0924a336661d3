package luabind

import (
	"net"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/reactor"
)

// TestDefaultConnectionLostCostsNothing: a protocol that keeps Protocol's
// empty connection_lost (the poetry server's) is not called, nor its reason
// built (a Failure and its error object: 14 allocations per connection);
// one that defines connection_lost gets it with the reason, as before.
func TestDefaultConnectionLostCostsNothing(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lua       string
		maxAllocs float64
		wantSeen  string
	}{
		{"default", `P = protocol.Protocol:extend()`, 0, ""},
		{"defined", `P = protocol.Protocol:extend()
function P:connection_lost(reason) seen = reason.type end`, 100, "ConnectionDone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, _ := testState(t, Config{})
			if err := L.DoString(`local protocol = require("protocol")
` + tc.lua + `
factory = protocol.ServerFactory:extend{protocol = P}()`); err != nil {
				t.Fatal(err)
			}
			factory := L.GetGlobal("factory")
			peer := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
			lost := func() {
				s := streamOf(rt.buildProtocol(factory, peer))
				s.connectionMade(&fakeStream{peer: peer, host: peer})
				allocs := testing.AllocsPerRun(1, func() { s.ConnectionLost(reactor.ErrConnectionDone) })
				if allocs > tc.maxAllocs {
					t.Errorf("connection_lost's dispatch allocates %.0f times, want at most %v", allocs, tc.maxAllocs)
				}
			}
			for range 3 {
				lost()
			}
			if got := L.GetGlobal("seen").String(); tc.wantSeen != "" && !strings.Contains(got, tc.wantSeen) {
				t.Errorf("connection_lost saw %q, want %q", got, tc.wantSeen)
			}
		})
	}
}
