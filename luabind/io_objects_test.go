package luabind

import "testing"

// TestStreamTransportIOObject: a TCP connection's Lua transport is what
// get_readers lists for its socket while it reads (found through the
// reactor's StreamTransport, not a map entry), and what remove_reader and
// add_reader take to stop and restart its reading; once closed it is
// listed no more.
func TestStreamTransportIOObject(t *testing.T) {
	runTCPCases(t, []tcpCase{{"get_readers, remove_reader, add_reader", serverLua + `
local server
local function listed(v)
  for _, r in ipairs(reactor.get_readers()) do
    if r == v then return true end
  end
  return false
end
function S:connection_made() server = self.transport end
function S:data_received(d) say("server got " .. d) end
function S:connection_lost(r)
  say("server lost " .. r.type .. ", listed:", listed(server))
  reactor.stop()
end
local C = protocol.Protocol:extend()
function C:connection_made()
  local t = self.transport
  reactor.call_later(0.05, function()
    say("reading, listed:", listed(server))
    reactor.remove_reader(server)
    say("after remove_reader, listed:", listed(server))
    t:write("one")
    reactor.call_later(0.1, function()
      reactor.add_reader(server)
      say("after add_reader, listed:", listed(server))
      reactor.call_later(0.1, function() t:lose_connection() end)
    end)
  end)
end
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.run() show()`,
		"reading, listed: true\nafter remove_reader, listed: false\nafter add_reader, listed: true\n" +
			"server got one\nserver lost ConnectionDone, listed: false\n", nil}})
}
