-- The Get Poetry Now! client, version 8.0 (twisted-client-8/get-poetry.py):
-- version 7.0 that stops the reactor through a DeferredList of the
-- downloads, with consume_errors so that a failed one is not reported as
-- unhandled. A failed download prints "The poem download failed: " and the
-- reason on stderr; a failed transform prints "Cummingsify failed!" and
-- keeps the poem. Poems are printed as they arrive.
--
--   loopscript scripts/twisted-client-8/get-poetry.lua 10001 10002 10003
local optparse = dofile((arg[0]:match("^.*/") or "") .. "../lib/optparse.lua")
local protocol = require("protocol")
local basic = require("basic")
local defer = require("defer")

local parser = optparse.new{
  usage = [[
usage: %prog [options] [hostname]:port ...

This is the Get Poetry Now! client, loopscript version 8.0
Run it like this:

  loopscript get-poetry.lua xform-port port1 port2 ...

From the base directory of the loopscript repository you could run

  loopscript scripts/twisted-client-8/get-poetry.lua 10001 10002 10003

to grab poetry from servers on ports 10002, and 10003 and transform
it using the server on port 10001.

Of course, there need to be appropriate servers listening on those
ports for that to work.
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
if #positional < 2 then
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

local TransformClientProtocol = basic.NetstringReceiver:extend()

function TransformClientProtocol:connection_made()
  self:send_request(self.factory.xform_name, self.factory.poem)
end

function TransformClientProtocol:send_request(xform_name, poem)
  self:send_string(xform_name .. "." .. poem)
end

function TransformClientProtocol:string_received(s)
  self.transport:lose_connection()
  self:poem_received(s)
end

function TransformClientProtocol:poem_received(poem)
  self.factory:handle_poem(poem)
end

local TransformClientFactory = protocol.ClientFactory:extend{protocol = TransformClientProtocol}

function TransformClientFactory:init(xform_name, poem)
  self.xform_name = xform_name
  self.poem = poem
  self.deferred = defer.Deferred()
end

function TransformClientFactory:handle_poem(poem)
  local d = self.deferred
  self.deferred = nil
  d:callback(poem)
end

function TransformClientFactory:client_connection_lost(_, reason)
  if self.deferred ~= nil then
    local d = self.deferred
    self.deferred = nil
    d:errback(reason)
  end
end

TransformClientFactory.client_connection_failed = TransformClientFactory.client_connection_lost

-- TransformProxy proxies requests to a transformation service.
local TransformProxy = {}
TransformProxy.__index = TransformProxy

function TransformProxy.new(host, port)
  return setmetatable({host = host, port = port}, TransformProxy)
end

function TransformProxy:xform(xform_name, poem)
  local factory = TransformClientFactory(xform_name, poem)
  local reactor = require("reactor")
  reactor.connect_tcp(self.host, self.port, factory)
  return factory.deferred
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
  local xform_addr = table.remove(addresses, 1)
  local proxy = TransformProxy.new(xform_addr.host, xform_addr.port)

  local reactor = require("reactor")

  local get_transformed_poem = defer.inline_callbacks(function(host, port)
    local ok, poem = pcall(defer.await, get_poetry(host, port))
    if not ok then
      io.stderr:write("The poem download failed: ", poem:get_error_message(), "\n")
      poem:raise()
    end

    local transformed
    ok, transformed = pcall(defer.await, proxy:xform("cummingsify", poem))
    if ok then
      poem = transformed
    else
      io.stderr:write("Cummingsify failed!\n")
    end

    return poem
  end)

  local function got_poem(poem)
    print(poem)
  end

  local ds = {}

  for _, address in ipairs(addresses) do
    local d = get_transformed_poem(address.host, address.port)
    d:add_callbacks(got_poem)
    ds[#ds + 1] = d
  end

  local dlist = defer.DeferredList(ds, {consume_errors = true})
  dlist:add_callback(function(res) reactor.stop() end)

  reactor.run()
end

poetry_main()
