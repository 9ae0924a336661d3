package luabind

import "testing"

// TestDataReceivedKeptChunksStayIntact: data_received's strings may be
// kept. Large reads reach Lua as the memory the reactor read into (no
// copy), so every chunk kept must still read as it arrived once later
// reads have gone on, small and large alike.
func TestDataReceivedKeptChunksStayIntact(t *testing.T) {
	runTCPCases(t, []tcpCase{
		{"4 MiB kept chunk by chunk", serverLua + `
local pattern = {}
for i = 0, 250 do pattern[#pattern + 1] = string.char(i) end
pattern = table.concat(pattern)
local SENT = string.rep(pattern, math.floor(4 * 1024 * 1024 / #pattern))
function S:connection_made() self.chunks, self.large = {}, 0 end
function S:data_received(d)
  self.chunks[#self.chunks + 1] = d
  if #d >= 48 * 1024 then self.large = self.large + 1 end
end
function S:connection_lost()
  say("intact", table.concat(self.chunks) == SENT, "large reads seen", self.large > 0)
  reactor.stop()
end
local C = protocol.Protocol:extend()
function C:connection_made()
  for i = 1, #SENT, 100000 do self.transport:write(SENT:sub(i, i + 99999)) end
  self.transport:lose_connection()
end
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.run() show()`, "intact true large reads seen true\n", nil},
	})
}
