-- The Get Poetry Now! client, version 3.1 (twisted-client-3/get-poetry-1.py):
-- get_poetry(host, port, callback, errback): a connection that fails calls
-- errback(reason), which prints "Poem failed: " and the Failure on stderr,
-- so an unreachable server no longer keeps the client waiting. The poems
-- are printed once every download has ended and the reactor has stopped.
--
--   loopscript scripts/twisted-client-3/get-poetry-1.lua 10001 10002 10003
local optparse = dofile((arg[0]:match("^.*/") or "") .. "../lib/optparse.lua")
local protocol = require("protocol")

local parser = optparse.new{
  usage = [[
usage: %prog [options] [hostname]:port ...

This is the Get Poetry Now! client, loopscript version 3.1
Run it like this:

  loopscript get-poetry-1.lua port1 port2 port3 ...

From the base directory of the loopscript repository you could run

  loopscript scripts/twisted-client-3/get-poetry-1.lua 10001 10002 10003

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

function PoetryClientFactory:init(callback, errback)
  self.callback = callback
  self.errback = errback
end

function PoetryClientFactory:poem_finished(poem)
  self.callback(poem)
end

function PoetryClientFactory:client_connection_failed(connector, reason)
  self.errback(reason)
end

-- get_poetry downloads a poem from host and port and calls callback(poem)
-- when it is complete, or errback(reason), reason a Failure, if the
-- connection fails.
local function get_poetry(host, port, callback, errback)
  local reactor = require("reactor")
  local factory = PoetryClientFactory(callback, errback)
  reactor.connect_tcp(host, port, factory)
end

local function poetry_main()
  local reactor = require("reactor")

  local poems = {}
  local errors = {}

  local function poem_done()
    if #poems + #errors == #addresses then
      reactor.stop()
    end
  end

  local function got_poem(poem)
    poems[#poems + 1] = poem
    poem_done()
  end

  local function poem_failed(err)
    io.stderr:write("Poem failed: ", tostring(err), "\n")
    errors[#errors + 1] = err
    poem_done()
  end

  for _, address in ipairs(addresses) do
    get_poetry(address.host, address.port, got_poem, poem_failed)
  end

  reactor.run()

  for _, poem in ipairs(poems) do
    print(poem)
  end
end

poetry_main()
