package luabind

import "testing"

// connect_tcp's bind_address, Twisted's bindAddress: the local end is bound
// first; a bind that fails is the attempt's ConnectBindError, a
// ConnectError, on a later turn.
func TestTCPBindAddress(t *testing.T) {
	runTCPCases(t, []tcpCase{
		{"bound to loopback on a port of the system's choice", `
local port = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = protocol.Protocol}(), {interface = "127.0.0.1"})
local C = protocol.Protocol:extend()
function C:connection_made()
  local host = self.transport:get_host()
  say("bound", host.host, host.port > 0)
  self.transport:lose_connection()
end
local CF = protocol.ClientFactory:extend{protocol = C}
function CF:client_connection_lost() port:stop_listening() reactor.stop() end
reactor.connect_tcp("127.0.0.1", port:get_host().port, CF(), {bind_address = {"127.0.0.1", 0}})
reactor.run()
show()`, "bound 127.0.0.1 true\n", nil},
		{"a local port in use fails the attempt", `
local port = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = protocol.Protocol}(), {interface = "127.0.0.1"})
local used = port:get_host().port
local CF = protocol.ClientFactory:extend{protocol = protocol.Protocol}
function CF:client_connection_failed(c, r)
  say(r.type, r:check("ConnectError"), (r:get_error_message():gsub("%d+: ", "N: ", 1)))
  port:stop_listening() reactor.stop()
end
local c = reactor.connect_tcp("127.0.0.1", used, CF(), {bind_address = {host = "127.0.0.1", port = used}})
say("returned")
reactor.run()
show()`, "returned\nConnectBindError ConnectError Couldn't bind: N: Address already in use.\n", nil},
	})
}
