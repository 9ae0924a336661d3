package luabind

import (
	"net"
	"testing"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// BenchmarkPoetryConnection is luabind's share of one W12 connection:
// build_protocol with the peer's address, make_connection, the poem
// written with TCP_NODELAY asked, the close and connection_lost, on a
// transport with no socket behind it.
func BenchmarkPoetryConnection(b *testing.B) {
	L, rt, _ := testState(b, Config{})
	L.SetGlobal("POEM", lua.LString("Tyger Tyger, burning bright\n"))
	if err := L.DoString(`local protocol = require("protocol")
local P = protocol.Protocol:extend()
function P:connection_made()
  self.transport:write(POEM)
  self.transport:lose_connection()
end
factory = protocol.ServerFactory:extend{protocol = P}()`); err != nil {
		b.Fatal(err)
	}
	factory := L.GetGlobal("factory")
	peer := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
	host := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}
	b.ReportAllocs()
	for b.Loop() {
		f := &fakeStream{peer: peer, host: host}
		s := streamOf(rt.buildProtocol(factory, peer))
		s.connectionMade(f)
		s.ConnectionLost(reactor.ErrConnectionDone)
	}
}

// BenchmarkEchoRoundTrip is luabind's share of one W8 round trip:
// data_received with 64 bytes, written back by self.transport:write, on a
// transport with no socket behind it.
func BenchmarkEchoRoundTrip(b *testing.B) {
	s, f := echoConnection(b)
	defer s.ConnectionLost(reactor.ErrConnectionDone)
	data := string(make([]byte, 64))
	b.ReportAllocs()
	for b.Loop() {
		s.StringReceived(data)
	}
	if f.written != 64*b.N {
		b.Fatalf("%d bytes written back, want %d", f.written, 64*b.N)
	}
}
