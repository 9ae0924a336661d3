-- The Fast Poetry Server (twisted-server-1/fastpoetry.py): a ServerFactory
-- holds the poem, and the Protocol it builds for each client writes all of
-- it in connection_made and loses the connection, which closes once the
-- poem has been sent. Any number of clients at once, on one thread.
--
--   loopscript scripts/fastpoetry.lua --port 10000 scripts/poetry/the-keeper.txt
local optparse = dofile((arg[0]:match("^.*/") or "") .. "lib/optparse.lua")
local protocol = require("protocol")

local parser = optparse.new{
  usage = [[
usage: %prog [options] poetry-file

This is the Fast Poetry Server, loopscript edition.
Run it like this:

  loopscript fastpoetry.lua <path-to-poetry-file>

From the base directory of the loopscript repository you could run

  loopscript scripts/fastpoetry.lua scripts/poetry/the-keeper.txt

to serve up the keeper's ledger. With no arguments it prints this help.
]],
  help_when_empty = true,
  options = {
    {name = "port", type = "int", help = "The port to listen on. Default to a random available port."},
    {name = "iface", default = "localhost", help = "The interface to listen on. Default is localhost."},
  },
}

local options, files = parser:parse(arg)
if #files ~= 1 then
  parser:error("Provide exactly one poetry file.")
end
local poetry_file = files[1]
local input = io.open(poetry_file, "rb") or parser:error("No such file: " .. poetry_file)
local poem = input:read("*a")
input:close()

local PoetryProtocol = protocol.Protocol:extend()

function PoetryProtocol:connection_made()
  self.transport:write(self.factory.poem)
  self.transport:lose_connection()
end

local PoetryFactory = protocol.ServerFactory:extend{protocol = PoetryProtocol}

function PoetryFactory:init(text)
  self.poem = text
end

local reactor = require("reactor")
local port = reactor.listen_tcp(options.port or 0, PoetryFactory(poem), {interface = options.iface})
print(string.format("Serving %s on %s.", poetry_file, tostring(port:get_host())))
reactor.run()
