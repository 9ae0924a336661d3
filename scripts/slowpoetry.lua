-- The Slow Poetry Server (blocking-server/slowpoetry.py), on the reactor:
-- each client gets the poem --num-bytes at a time, one chunk every --delay
-- seconds, from a LoopingCall of its own. The original sleeps between
-- chunks and so serves one client at a time; this one serves any number at
-- once, because nothing in it ever waits.
--
--   loopscript scripts/slowpoetry.lua --port 10001 scripts/poetry/the-loop.txt
local optparse = dofile((arg[0]:match("^.*/") or "") .. "lib/optparse.lua")
local protocol = require("protocol")
local task = require("task")

local parser = optparse.new{
  usage = [[
usage: %prog [options] poetry-file

This is the Slow Poetry Server, loopscript edition.
Run it like this:

  loopscript slowpoetry.lua <path-to-poetry-file>

From the base directory of the loopscript repository you could run

  loopscript scripts/slowpoetry.lua scripts/poetry/the-loop.txt

to serve up the song of the single thread, slowly. With no arguments it
prints this help.
]],
  help_when_empty = true,
  options = {
    {name = "port", type = "int", help = "The port to listen on. Default to a random available port."},
    {name = "iface", default = "localhost", help = "The interface to listen on. Default is localhost."},
    {name = "delay", type = "float", default = 0.7, help = "The number of seconds between sending bytes."},
    {name = "num-bytes", type = "int", default = 10, help = "The number of bytes to send at a time."},
  },
}

local options, files = parser:parse(arg)
if #files ~= 1 then
  parser:error("Provide exactly one poetry file.")
end
if options["num-bytes"] < 1 then
  parser:error("option --num-bytes: must be at least 1")
end
if options.delay < 0 then
  parser:error("option --delay: must not be negative")
end
local poetry_file = files[1]
local input = io.open(poetry_file, "rb") or parser:error("No such file: " .. poetry_file)
local poem = input:read("*a")
input:close()

local SlowPoetryProtocol = protocol.Protocol:extend()

function SlowPoetryProtocol:connection_made()
  local peer = self.transport:get_peer()
  print(string.format("Somebody at ('%s', %d) wants poetry!", peer.host, peer.port))
  self.sent = 0
  -- The first chunk goes at once, then one every delay seconds.
  self.sender = task.looping_call(self.send_chunk, self)
  self.sender:start(self.factory.delay)
end

function SlowPoetryProtocol:send_chunk()
  local text = self.factory.poem
  if self.sent >= #text then -- no more poetry :(
    self.sender:stop()
    self.transport:lose_connection()
    return
  end
  local chunk = text:sub(self.sent + 1, self.sent + self.factory.num_bytes)
  self.sent = self.sent + #chunk
  print(string.format("Sending %d bytes", #chunk))
  self.transport:write(chunk)
end

-- A client that leaves early stops its sender; the others go on.
function SlowPoetryProtocol:connection_lost(reason)
  if self.sender.running then
    self.sender:stop()
  end
end

local SlowPoetryFactory = protocol.ServerFactory:extend{protocol = SlowPoetryProtocol}

function SlowPoetryFactory:init(text, num_bytes, delay)
  self.poem, self.num_bytes, self.delay = text, num_bytes, delay
end

local reactor = require("reactor")
local factory = SlowPoetryFactory(poem, options["num-bytes"], options.delay)
local port = reactor.listen_tcp(options.port or 0, factory, {interface = options.iface})
print(string.format("Serving %s on port %d.", poetry_file, port:get_host().port))
reactor.run()
