-- The Get Poetry Now! client, version 5.1 (twisted-client-5/get-poetry-1.py):
-- version 5.0 with the recovery in an errback: cummingsify at random
-- lower-cases the poem, raises a GibberishError, or raises a
-- CannotCummingsify that carries the poem; cummingsify_failed checks the
-- Failure, prints "Cummingsify failed!" and returns the original poem for
-- CannotCummingsify, and passes GibberishError on (the next errback prints
-- "The poem download failed." on stderr).
--
--   loopscript scripts/twisted-client-5/get-poetry-1.lua 10001 10002 10003
local optparse = dofile((arg[0]:match("^.*/") or "") .. "../lib/optparse.lua")
local protocol = require("protocol")
local defer = require("defer")

local parser = optparse.new{
  usage = [[
usage: %prog [options] [hostname]:port ...

This is the Get Poetry Now! client, loopscript version 5.1
Run it like this:

  loopscript get-poetry-1.lua port1 port2 port3 ...

From the base directory of the loopscript repository you could run

  loopscript scripts/twisted-client-5/get-poetry-1.lua 10001 10002 10003

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

local GibberishError = defer.error_class("GibberishError")
local CannotCummingsify = defer.error_class("CannotCummingsify")

-- cummingsify randomly does one of: return the poem lower-cased, raise a
-- GibberishError, raise a CannotCummingsify error with the original poem
-- as its field poem.
local function cummingsify(poem)
  local function success()
    return poem:lower()
  end

  local function gibberish()
    error(GibberishError())
  end

  local function bug()
    error(CannotCummingsify(nil, {poem = poem}))
  end

  local choices = {success, gibberish, bug}
  return choices[math.random(#choices)]()
end

local function poetry_main()
  local reactor = require("reactor")

  local poems = {}
  local errors = {}

  local function cummingsify_failed(err)
    if err:check(CannotCummingsify) then
      print("Cummingsify failed!")
      return err.value.poem
    end
    return err
  end

  local function got_poem(poem)
    print(poem)
    poems[#poems + 1] = poem
  end

  local function poem_failed(err)
    io.stderr:write("The poem download failed.\n")
    errors[#errors + 1] = err
  end

  local function poem_done(_)
    if #poems + #errors == #addresses then
      reactor.stop()
    end
  end

  for _, address in ipairs(addresses) do
    local d = get_poetry(address.host, address.port)
    d:add_callback(cummingsify)
    d:add_errback(cummingsify_failed)
    d:add_callbacks(got_poem, poem_failed)
    d:add_both(poem_done)
  end

  reactor.run()
end

-- A seed that changes every microsecond, as Python seeds its random module.
math.randomseed(math.floor(require("socket").gettime() * 1e6) % 2147483647)
poetry_main()
