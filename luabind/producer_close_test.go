package luabind

import (
	"os/exec"
	"testing"
)

// producerCloseLua is TestProducerAndLoseConnection's scenario, the same
// as testdata/producer_close_twisted.py: a server registers a producer
// that is not its transport (STREAMING says which kind), writes a line,
// loses the connection and unregisters the producer 0.2 s later.
const producerCloseLua = serverLua + `
local Producer = {resumes = 0}
function Producer:pause_producing() say("producer paused") end
function Producer:resume_producing()
  self.resumes = self.resumes + 1
  say("producer resumed " .. self.resumes)
end
function Producer:stop_producing() say("producer stopped") end
function S:connection_made()
  self.transport:register_producer(Producer, STREAMING)
  self.transport:write("hello")
  self.transport:lose_connection()
  reactor.call_later(0.2, function()
    self.unregistered = true
    self.transport:unregister_producer()
  end)
end
function S:connection_lost(r)
  say("server lost " .. r.type .. ", " .. (self.unregistered and "after" or "before") .. " unregister")
end
local C = protocol.Protocol:extend()
function C:data_received(d) say("client got " .. d) end
function C:connection_lost(r) say("client lost " .. r.type) reactor.call_later(0.3, reactor.stop) end
reactor.call_later(2, function() say("timeout") reactor.stop() end)
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.run() table.sort(log) show()`

// producerCloseCases are the kinds of producer, the STREAMING each
// scenario runs with, and the lines Twisted 22.4 prints for it.
var producerCloseCases = []struct {
	kind, streaming, want string
}{
	// Not paused, a streaming producer does not hold the close, and is
	// told to stop when the connection closes. Before, the close waited
	// for unregister_producer.
	{"streaming", "true", "client got hello\nclient lost ConnectionDone\nproducer stopped\n" +
		"server lost ConnectionDone, before unregister\n"},
	// A pull producer is resumed when it is registered and again once the
	// line is sent, and holds the close until it is unregistered.
	{"pull", "false", "client got hello\nclient lost ConnectionDone\nproducer resumed 1\n" +
		"producer resumed 2\nserver lost ConnectionDone, after unregister\n"},
}

// TestProducerAndLoseConnection: lose_connection with a producer other
// than the transport registered closes as Twisted 22.4's doWrite does.
func TestProducerAndLoseConnection(t *testing.T) {
	var cases []tcpCase
	for _, c := range producerCloseCases {
		code := "local STREAMING = " + c.streaming + "\n" + producerCloseLua
		cases = append(cases, tcpCase{c.kind, code, c.want, nil})
	}
	runTCPCases(t, cases)
}

// TestProducerAndLoseConnectionAgainstTwisted runs the scenarios on
// Twisted 22.4 and wants the lines TestProducerAndLoseConnection wants.
func TestProducerAndLoseConnectionAgainstTwisted(t *testing.T) {
	py := twistedPython(t)
	for _, c := range producerCloseCases {
		t.Run(c.kind, func(t *testing.T) {
			out, err := exec.Command(py, "testdata/producer_close_twisted.py", c.kind).CombinedOutput()
			if err != nil {
				t.Fatalf("twisted: %v\n%s", err, out)
			}
			if string(out) != c.want {
				t.Errorf("Twisted printed:\n%s\nloopscript's test wants:\n%s", out, c.want)
			}
		})
	}
}
