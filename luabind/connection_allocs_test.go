package luabind

import (
	"net"
	"runtime"
	"testing"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// fakeStream is a StreamTransport with no socket behind it: what the
// per-connection work of luabind needs, without the kernel's.
type fakeStream struct {
	peer, host net.Addr
	written    int
	lost       bool
	producer   reactor.Producer // kept, as a transport keeps it
}

func (f *fakeStream) Write(data []byte)                   { f.written += len(data) }
func (f *fakeStream) WriteSequence(pieces [][]byte)       {}
func (f *fakeStream) WriteString(data string)             { f.written += len(data) }
func (f *fakeStream) WriteStringSequence(pieces []string) {}
func (f *fakeStream) LoseConnection()                     { f.lost = true }
func (f *fakeStream) AbortConnection()                    { f.lost = true }
func (f *fakeStream) LoseWriteConnection()                {}
func (f *fakeStream) GetPeer() net.Addr                   { return f.peer }
func (f *fakeStream) GetHost() net.Addr                   { return f.host }
func (f *fakeStream) PauseProducing()                     {}
func (f *fakeStream) ResumeProducing()                    {}
func (f *fakeStream) RegisterProducer(p reactor.Producer, streaming bool) error {
	f.producer = p
	return nil
}
func (f *fakeStream) UnregisterProducer() { f.producer = nil }
func (f *fakeStream) Connected() bool     { return !f.lost }

// TestConnectionAllocations pins what luabind allocates for one accepted
// connection of the poetry server (build_protocol, done in Go without the
// peer's address for a factory that keeps Factory's, make_connection with
// the transport, connection_made's write and close, connection_lost), the
// Lua objects a script keeps included: the stream with its protocol's
// table and keys (protocol_instance.go), the table's two maps (two
// allocations each), and the test's fakeStream. Before/after figures are
// in the commit messages.
func TestConnectionAllocations(t *testing.T) {
	for _, tc := range []struct {
		name string
		want float64 // allocations per connection, at most
		lua  string
	}{
		{"poetry", 6, `
local P = protocol.Protocol:extend()
function P:connection_made()
  self.transport:write(POEM)
  self.transport:lose_connection()
end
factory = protocol.ServerFactory:extend{protocol = P}()`},
		{"silent", 6, `
factory = protocol.ServerFactory:extend{protocol = protocol.Protocol}()`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, _ := testState(t, Config{})
			L.SetGlobal("POEM", lua.LString("Tyger Tyger, burning bright\n"))
			if err := L.DoString(`local reactor, protocol = require("reactor"), require("protocol")` + tc.lua); err != nil {
				t.Fatal(err)
			}
			factory := L.GetGlobal("factory")
			peer := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
			host := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}
			connections := 0
			connect := func() {
				f := &fakeStream{peer: peer, host: host}
				s := streamOf(rt.buildProtocol(factory, peer))
				if s == nil {
					t.Fatal("build_protocol made no protocol")
				}
				s.connectionMade(f)
				s.ConnectionLost(reactor.ErrConnectionDone)
				connections++
			}
			connect() // the metatables and caches a first connection makes
			allocs := testing.AllocsPerRun(2000, connect)
			t.Logf("%s: %.1f allocations per connection", tc.name, allocs)
			if allocs > tc.want {
				t.Errorf("a connection allocates %.1f times, want at most %v", allocs, tc.want)
			}
		})
	}
}

// TestIdleConnectionBytes pins the heap an idle connection of the echo
// server (W10's, its transport its own producer) keeps on luabind's side:
// the protocol, its transport, the Go values behind them, the entry for
// get_readers (none: see io_objects.go).
func TestIdleConnectionBytes(t *testing.T) {
	L, rt, _ := testState(t, Config{})
	if err := L.DoString(`local reactor, protocol = require("reactor"), require("protocol")
local Echo = protocol.Protocol:extend()
function Echo:connection_made()
  self.transport:register_producer(self.transport, true)
end
function Echo:data_received(data) self.transport:write(data) end
factory = protocol.ServerFactory:extend{protocol = Echo}()`); err != nil {
		t.Fatal(err)
	}
	factory := L.GetGlobal("factory")
	const conns = 2000
	streams := make([]*luaStream, conns)
	transports := make([]*fakeStream, conns)
	for i := range transports {
		transports[i] = &fakeStream{
			peer: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 10000 + i},
			host: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000},
		}
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for i := range streams {
		streams[i] = streamOf(rt.buildProtocol(factory, transports[i].peer))
		streams[i].connectionMade(transports[i])
	}
	perConn := float64(heap()-before) / conns
	t.Logf("%.0f bytes per idle connection", perConn)
	if perConn > 1100 {
		t.Errorf("an idle connection keeps %.0f bytes, want at most 1100", perConn)
	}
	runtime.KeepAlive(streams)
	runtime.KeepAlive(transports)
	for _, s := range streams {
		s.ConnectionLost(reactor.ErrConnectionDone)
	}
}

// TestEchoRoundTripAllocations pins what luabind allocates for one W8
// round trip (data_received calling self.transport:write): the data's
// string boxed as the method's argument, and nothing for the transport's
// write method, which the VM finds without a call.
func TestEchoRoundTripAllocations(t *testing.T) {
	s, f := echoConnection(t)
	defer s.ConnectionLost(reactor.ErrConnectionDone)
	data := string(make([]byte, 64))
	allocs := testing.AllocsPerRun(2000, func() { s.StringReceived(data) })
	t.Logf("%.1f allocations per round trip", allocs)
	if allocs > 1 {
		t.Errorf("a round trip allocates %.1f times, want at most 1", allocs)
	}
	if f.written != 64*2001 {
		t.Errorf("%d bytes written back, want %d", f.written, 64*2001)
	}
}

// echoConnection is W8's echo protocol on a connection with no socket
// behind it (what it writes is counted in the fakeStream), made.
func echoConnection(tb testing.TB) (*luaStream, *fakeStream) {
	tb.Helper()
	_, _, s, f := fakeConnection(tb, `local protocol = require("protocol")
local Echo = protocol.Protocol:extend()
function Echo:data_received(data) self.transport:write(data) end
factory = protocol.ServerFactory:extend{protocol = Echo}()`)
	return s, f
}

// fakeConnection runs setup, which sets the global factory, and makes a
// connection of factory's protocol on a fakeStream from 127.0.0.1:40000 to
// 127.0.0.1:8000.
func fakeConnection(tb testing.TB, setup string) (*lua.LState, *Runtime, *luaStream, *fakeStream) {
	tb.Helper()
	L, rt, _ := testState(tb, Config{})
	if err := L.DoString(setup); err != nil {
		tb.Fatal(err)
	}
	peer := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
	f := &fakeStream{peer: peer, host: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}}
	s := streamOf(rt.buildProtocol(L.GetGlobal("factory"), peer))
	s.connectionMade(f)
	return L, rt, s, f
}
