package luabind

import (
	"net"
	"os/exec"
	"testing"

	"github.com/loopscript/loopscript/reactor"
)

// ownProducerLua is TestTransportAsItsOwnProducer's scenario, the same as
// testdata/own_producer_twisted.py: an echo server whose transport is its
// own streaming producer (Twisted's transport.registerProducer(transport,
// True)), and a client that sends 16 MiB while it does not read (more than
// the kernel's buffers hold, so the server's own buffer passes 64 KiB),
// then reads it all back.
const ownProducerLua = `
local TOTAL = 16 * 1024 * 1024
local server
local Echo = protocol.Protocol:extend()
function Echo:connection_made()
  server = self.transport
  self.transport:register_producer(self.transport, true)
  local ok, err = pcall(self.transport.register_producer, self.transport, self.transport, true)
  say("a second producer refused:", not ok and tostring(err):find("was never unregistered") ~= nil)
end
function Echo:data_received(data) self.transport:write(data) end
function Echo:connection_lost(reason)
  say("server lost " .. reason.type)
  reactor.call_later(0.05, reactor.stop)
end
local port = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = Echo}(), {interface = "127.0.0.1"})

local function reading()
  for _, r in ipairs(reactor.get_readers()) do
    if r == server then return true end
  end
  return false
end

local Client = protocol.Protocol:extend()
function Client:connection_made()
  self.got, self.size = {}, 0
  local pattern = {}
  for i = 0, 250 do pattern[#pattern + 1] = string.char(i) end
  self.sent = string.rep(table.concat(pattern), math.floor(TOTAL / 251) + 1):sub(1, TOTAL)
  self.transport:pause_producing()
  self.transport:write(self.sent)
  reactor.call_later(0.5, function()
    say("server reading while the client reads not:", reading())
    self.transport:resume_producing()
  end)
end
function Client:data_received(data)
  self.got[#self.got + 1] = data
  self.size = self.size + #data
  if self.size == TOTAL then
    reactor.call_later(0.05, function()
      say("server reading once drained:", reading())
      say("echoed " .. self.size .. " bytes in order:", table.concat(self.got) == self.sent)
      self.transport:lose_connection()
    end)
  end
end
reactor.connect_tcp("127.0.0.1", port:get_host().port, protocol.ClientFactory:extend{protocol = Client}())
reactor.run() show()`

const ownProducerWant = "a second producer refused: true\n" +
	"server reading while the client reads not: false\n" +
	"server reading once drained: true\n" +
	"echoed 16777216 bytes in order: true\n" +
	"server lost ConnectionDone\n"

// TestTransportAsItsOwnProducer: a transport registered as its own
// producer stops reading while its buffer is full, reads again once it has
// drained, and its stop at the close (lose_connection on a closed
// transport) reports nothing. Before transports were producers in Go, the
// close called a stop_producing the transport lacked: an error report.
func TestTransportAsItsOwnProducer(t *testing.T) {
	runTCPCases(t, []tcpCase{{"echo with backpressure", ownProducerLua, ownProducerWant, nil}})
}

// TestTransportAsItsOwnProducerAgainstTwisted runs the scenario on
// Twisted 22.4 and wants the lines TestTransportAsItsOwnProducer wants.
func TestTransportAsItsOwnProducerAgainstTwisted(t *testing.T) {
	py := twistedPython(t)
	out, err := exec.Command(py, "testdata/own_producer_twisted.py").CombinedOutput()
	if err != nil {
		t.Fatalf("twisted: %v\n%s", err, out)
	}
	if string(out) != ownProducerWant {
		t.Errorf("Twisted printed:\n%s\nloopscript's test wants:\n%s", out, ownProducerWant)
	}
}

// ownProducerCloseLua is TestTransportAsItsOwnProducerCloses's scenario,
// the same as testdata/own_producer_close_twisted.py.
const ownProducerCloseLua = serverLua + `
function S:connection_made()
  self.transport:register_producer(self.transport, true)
  self.transport:write("hello")
  self.transport:lose_connection()
end
function S:connection_lost(r) say("server lost " .. r.type) end
local C = protocol.Protocol:extend()
function C:data_received(d) say("client got " .. d) end
function C:connection_lost(r) say("client lost " .. r.type) reactor.call_later(0.1, reactor.stop) end
reactor.call_later(2, function() say("timeout") reactor.stop() end)
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.run() table.sort(log) show()`

const ownProducerCloseWant = "client got hello\nclient lost ConnectionDone\nserver lost ConnectionDone\n"

// TestTransportAsItsOwnProducerCloses: lose_connection on a transport that
// is its own producer closes once the buffer is sent, as in Twisted.
// Before, the close waited for an unregister_producer the script never
// calls: the client timed out and both ends were lost at the shutdown.
func TestTransportAsItsOwnProducerCloses(t *testing.T) {
	runTCPCases(t, []tcpCase{{"lose_connection", ownProducerCloseLua, ownProducerCloseWant, nil}})
}

// TestTransportAsItsOwnProducerClosesAgainstTwisted runs the scenario on
// Twisted 22.4 and wants the lines TestTransportAsItsOwnProducerCloses
// wants.
func TestTransportAsItsOwnProducerClosesAgainstTwisted(t *testing.T) {
	py := twistedPython(t)
	out, err := exec.Command(py, "testdata/own_producer_close_twisted.py").CombinedOutput()
	if err != nil {
		t.Fatalf("twisted: %v\n%s", err, out)
	}
	if string(out) != ownProducerCloseWant {
		t.Errorf("Twisted printed:\n%s\nloopscript's test wants:\n%s", out, ownProducerCloseWant)
	}
}

// producerStream is a fakeStream that counts what its producer is told
// and keeps the producer it was given.
type producerStream struct {
	fakeStream
	producer        reactor.Producer
	pauses, resumes int
}

func (p *producerStream) PauseProducing()  { p.pauses++ }
func (p *producerStream) ResumeProducing() { p.resumes++ }
func (p *producerStream) RegisterProducer(prod reactor.Producer, streaming bool) error {
	p.producer = prod
	return nil
}

// TestTransportProducerFromGo: a transport registered as a producer (its
// own, or another connection's) is driven from Go: pause, resume and stop
// reach the transports with no Lua call and no allocation, and stop loses
// the connection.
func TestTransportProducerFromGo(t *testing.T) {
	for _, tc := range []struct {
		name, connectionMade string
		producerOf           int // the connection whose transport is the second's producer
	}{
		{"its own", `self.transport:register_producer(self.transport, true)`, 1},
		{"another connection's", `if FIRST then self.transport:register_producer(FIRST, true) else FIRST = self.transport end`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, _ := testState(t, Config{})
			if err := L.DoString(`local protocol = require("protocol")
local P = protocol.Protocol:extend()
function P:connection_made() ` + tc.connectionMade + ` end
factory = protocol.ServerFactory:extend{protocol = P}()`); err != nil {
				t.Fatal(err)
			}
			factory := L.GetGlobal("factory")
			var streams [2]*producerStream
			for i := range streams {
				peer := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000 + i}
				streams[i] = &producerStream{fakeStream: fakeStream{peer: peer, host: peer}}
				streamOf(rt.buildProtocol(factory, peer)).connectionMade(streams[i])
			}
			consumer := streams[len(streams)-1]
			producer := streams[tc.producerOf]
			if consumer.producer == nil {
				t.Fatal("register_producer gave the transport no producer")
			}
			allocs := testing.AllocsPerRun(100, func() {
				consumer.producer.PauseProducing()
				consumer.producer.ResumeProducing()
			})
			if producer.pauses != 101 || producer.resumes != 101 {
				t.Errorf("the producing transport was paused %d and resumed %d times, want 101 each", producer.pauses, producer.resumes)
			}
			if allocs != 0 {
				t.Errorf("a pause and a resume allocate %.1f times, want 0 (no Lua call)", allocs)
			}
			consumer.producer.StopProducing()
			if !producer.lost {
				t.Error("stop_producing did not lose the producing transport's connection")
			}
		})
	}
}
