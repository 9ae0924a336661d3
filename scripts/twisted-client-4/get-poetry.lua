-- The Get Poetry Now! client, version 4.0 (twisted-client-4/get-poetry.py):
-- get_poetry(host, port) returns a Deferred that fires with the poem, or
-- fails with the connection's Failure; the caller adds its callbacks and
-- an add_both that counts the downloads. Poems are printed as they
-- arrive, failures on stderr ("Poem failed: " and the Failure).
--
--   loopscript scripts/twisted-client-4/get-poetry.lua 10001 10002 10003
local optparse = dofile((arg[0]:match("^.*/") or "") .. "../lib/optparse.lua")
local protocol = require("protocol")
local defer = require("defer")

local parser = optparse.new{
  usage = [[
usage: %prog [options] [hostname]:port ...

This is the Get Poetry Now! client, loopscript version 4.0
Run it like this:

  loopscript get-poetry.lua port1 port2 port3 ...

From the base directory of the loopscript repository you could run

  loopscript scripts/twisted-client-4/get-poetry.lua 10001 10002 10003

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

function PoetryClientFactory:init(deferred)
  self.deferred = deferred
end

function PoetryClientFactory:poem_finished(poem)
  if self.deferred ~= nil then
    local d = self.deferred
    self.deferred = nil
    d:callback(poem)
  end
end

function PoetryClientFactory:client_connection_failed(connector, reason)
  if self.deferred ~= nil then
    local d = self.deferred
    self.deferred = nil
    d:errback(reason)
  end
end

-- get_poetry downloads a poem from host and port. It returns a Deferred
-- that fires with the complete text of the poem, or with a Failure if the
-- poem could not be downloaded.
local function get_poetry(host, port)
  local d = defer.Deferred()
  local reactor = require("reactor")
  local factory = PoetryClientFactory(d)
  reactor.connect_tcp(host, port, factory)
  return d
end

local function poetry_main()
  local reactor = require("reactor")

  local poems = {}
  local errors = {}

  local function got_poem(poem)
    poems[#poems + 1] = poem
    print(poem)
  end

  local function poem_failed(err)
    io.stderr:write("Poem failed: ", tostring(err), "\n")
    errors[#errors + 1] = err
  end

  local function poem_done(_)
    if #poems + #errors == #addresses then
      reactor.stop()
    end
  end

  for _, address in ipairs(addresses) do
    local d = get_poetry(address.host, address.port)
    d:add_callbacks(got_poem, poem_failed)
    d:add_both(poem_done)
  end

  reactor.run()
end

poetry_main()
