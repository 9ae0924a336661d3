package luabind

import "testing"

// TestReadersDuringConnectionMade: a stream transport starts reading after
// connection_made returns, but get_readers lists it during the call, as
// Twisted's does (its transports start reading before makeConnection), on
// both sides; not when connection_made has paused it or lost the connection.
func TestReadersDuringConnectionMade(t *testing.T) {
	runTCPCases(t, []tcpCase{{"listed during connection_made, server and client", `
local function listed(tr)
  for _, r in ipairs(reactor.get_readers()) do if r == tr then return true end end
  return false
end
local server_listed
local S = protocol.Protocol:extend()
function S:connection_made() server_listed = listed(self.transport) end
function S:data_received() end
local port = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = S}(), {interface = "127.0.0.1"})
local C = protocol.Protocol:extend()
function C:connection_made()
  say("client listed", listed(self.transport))
  self.transport:pause_producing()
  say("paused listed", listed(self.transport))
  self.transport:resume_producing()
  self.transport:lose_connection()
  say("losing listed", listed(self.transport))
end
function C:connection_lost()
  say("after, client listed", listed(self.transport))
  reactor.call_later(0.05, function() say("server listed", server_listed) reactor.stop() end)
end
reactor.connect_tcp("127.0.0.1", port:get_host().port, protocol.ClientFactory:extend{protocol = C}())
reactor.run() show()`,
		"client listed true\npaused listed false\nlosing listed false\nafter, client listed false\nserver listed true\n", nil}})
}
