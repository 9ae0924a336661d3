-- W12 poetry fan-out: the fast poetry server of scripts/fastpoetry.lua with
-- the suite's listen options: each client gets the whole file (one Lua
-- string, shared by every client), then the connection is closed.
local protocol = require("protocol")
local reactor = require("reactor")

local input = assert(io.open(arg[1], "rb"))
local poem = input:read("*a")
input:close()

local Poetry = protocol.Protocol:extend()

function Poetry:connection_made()
  self.transport:set_tcp_no_delay(true)
  self.transport:write(poem)
  self.transport:lose_connection()
end

local factory = protocol.ServerFactory:extend{protocol = Poetry}()
local port = reactor.listen_tcp(0, factory, {interface = "127.0.0.1", backlog = 1024})
print(string.format("Serving %s on %s.", arg[1], tostring(port:get_host())))
reactor.run()
