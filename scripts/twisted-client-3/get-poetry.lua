-- The Get Poetry Now! client, version 3.0 (twisted-client-3/get-poetry.py):
-- get_poetry(host, port, callback) hides the protocol and factory behind a
-- callback that gets the poem. The poems are printed once the last one is
-- in and the reactor has stopped. A server that cannot be reached is not
-- handled: the client then waits for ever (version 3.1 fixes it).
--
--   loopscript scripts/twisted-client-3/get-poetry.lua 10001 10002 10003
local optparse = dofile((arg[0]:match("^.*/") or "") .. "../lib/optparse.lua")
local protocol = require("protocol")

local parser = optparse.new{
  usage = [[
usage: %prog [options] [hostname]:port ...

This is the Get Poetry Now! client, loopscript version 3.0
Run it like this:

  loopscript get-poetry.lua port1 port2 port3 ...

From the base directory of the loopscript repository you could run

  loopscript scripts/twisted-client-3/get-poetry.lua 10001 10002 10003

to grab poetry from servers on ports 10001, 10002, and 10003.

Of course, there need to be servers listening on those ports
for that to work.
]],
}

-- "[host:]port", the host 127.0.0.1 when it is left out.
local function parse_address(text)
  local host, port = text:match("^([^:]*):(.*)$")
  if not host then
    host, port = "127.0.0.1", text
  end
  if not port:match("^%d+$") then
    parser:error("Ports must be integers.")
  end
  return {host = host, port = tonumber(port)}
end

local _, positional = parser:parse(arg)
if #positional == 0 then
  parser:print_help()
end
local addresses = {}
for i, text in ipairs(positional) do
  addresses[i] = parse_address(text)
end

local PoetryProtocol = protocol.Protocol:extend()

function PoetryProtocol:init()
  self.chunks = {}
end

function PoetryProtocol:data_received(data)
  self.chunks[#self.chunks + 1] = data
end

function PoetryProtocol:connection_lost(reason)
  self:poem_received(table.concat(self.chunks))
end

function PoetryProtocol:poem_received(poem)
  self.factory:poem_finished(poem)
end

local PoetryClientFactory = protocol.ClientFactory:extend{protocol = PoetryProtocol}

function PoetryClientFactory:init(callback)
  self.callback = callback
end

function PoetryClientFactory:poem_finished(poem)
  self.callback(poem)
end

-- get_poetry downloads a poem from host and port and calls callback(poem)
-- when it is complete.
local function get_poetry(host, port, callback)
  local reactor = require("reactor")
  local factory = PoetryClientFactory(callback)
  reactor.connect_tcp(host, port, factory)
end

local function poetry_main()
  local reactor = require("reactor")

  local poems = {}

  local function got_poem(poem)
    poems[#poems + 1] = poem
    if #poems == #addresses then
      reactor.stop()
    end
  end

  for _, address in ipairs(addresses) do
    get_poetry(address.host, address.port, got_poem)
  end

  reactor.run()

  for _, poem in ipairs(poems) do
    print(poem)
  end
end

poetry_main()
