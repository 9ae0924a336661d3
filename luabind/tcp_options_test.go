package luabind

import "testing"

// TestTCPOptions: get_tcp_no_delay and get_tcp_keep_alive read what the
// setters set (both off on a new connection, as Twisted 22.4's
// getTcpNoDelay and getTcpKeepAlive report), and all four raise in words
// on a closed connection (Twisted: an AttributeError on its socket).
func TestTCPOptions(t *testing.T) {
	runTCPCases(t, []tcpCase{{"get what was set; closed connections refuse", `
local S = protocol.Protocol:extend()
local port = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = S}(), {interface = "127.0.0.1"})
local C = protocol.Protocol:extend()
function C:connection_made()
  local t = self.transport
  say("new", t:get_tcp_no_delay(), t:get_tcp_keep_alive())
  t:set_tcp_no_delay(true) t:set_tcp_keep_alive(true)
  say("set", t:get_tcp_no_delay(), t:get_tcp_keep_alive())
  t:set_tcp_no_delay(false)
  say("cleared", t:get_tcp_no_delay(), t:get_tcp_keep_alive())
  t:lose_connection()
end
function C:connection_lost()
  local t = self.transport
  for _, f in ipairs({"set_tcp_no_delay", "get_tcp_no_delay", "set_tcp_keep_alive", "get_tcp_keep_alive"}) do
    say(select(2, pcall(t[f], t, true)))
  end
  reactor.stop()
end
reactor.connect_tcp("127.0.0.1", port:get_host().port, protocol.ClientFactory:extend{protocol = C}())
reactor.run() show()`,
		"new false false\nset true true\ncleared false true\n" +
			"test.lua:17: set_tcp_no_delay: the connection is closed\n" +
			"test.lua:17: get_tcp_no_delay: the connection is closed\n" +
			"test.lua:17: set_tcp_keep_alive: the connection is closed\n" +
			"test.lua:17: get_tcp_keep_alive: the connection is closed\n", nil},
		{"a UNIX connection has no TCP options", `
local path = TMP .. "/s"
local port = reactor.listen_unix(path, protocol.ServerFactory:extend{protocol = protocol.Protocol}())
local C = protocol.Protocol:extend()
function C:connection_made()
  say(select(2, pcall(self.transport.get_tcp_no_delay, self.transport)))
  say(select(2, pcall(self.transport.set_tcp_keep_alive, self.transport, true)))
  self.transport:lose_connection()
end
function C:connection_lost() reactor.stop() end
reactor.connect_unix(path, protocol.ClientFactory:extend{protocol = C}())
reactor.run() show()`,
			"test.lua:6: get_tcp_no_delay: not a TCP connection\ntest.lua:7: set_tcp_keep_alive: not a TCP connection\n", nil},
	})
}
