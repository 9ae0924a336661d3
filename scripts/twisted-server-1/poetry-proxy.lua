-- The Poetry Proxy, version 1.0 (twisted-server-1/poetry-proxy.py): serves
-- the poem of another poetry server, fetched once ("Fetching poem from
-- server.") and then cached ("Using cached poem."). get_poem returns the
-- cached poem itself or a Deferred of the download; defer.maybe_deferred
-- makes either a Deferred.
--
--   loopscript scripts/twisted-server-1/poetry-proxy.lua --port 10001 10000
local optparse = dofile((arg[0]:match("^.*/") or "") .. "../lib/optparse.lua")
local protocol = require("protocol")
local defer = require("defer")

local parser = optparse.new{
  usage = [[
usage: %prog [options] [hostname]:port

This is the Poetry Proxy, version 1.0.

  loopscript poetry-proxy.lua [hostname]:port

From the base directory of the loopscript repository you could run

  loopscript scripts/twisted-server-1/poetry-proxy.lua 10000

to proxy the poem for the server running on port 10000.
]],
  options = {
    {name = "port", type = "int", help = "The port to listen on. Default to a random available port."},
    {name = "iface", default = "localhost", help = "The interface to listen on. Default is localhost."},
  },
}

local options, args = parser:parse(arg)
if #args ~= 1 then
  parser:error("Provide exactly one server address.")
end

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

local server_addr = parse_address(args[1])

local PoetryProxyProtocol = protocol.Protocol:extend()

function PoetryProxyProtocol:connection_made()
  local transport = self.transport
  local d = defer.maybe_deferred(self.factory.service.get_poem, self.factory.service)
  d:add_callback(function(poem) transport:write(poem) end)
  d:add_both(function(r) transport:lose_connection() end)
end

local PoetryProxyFactory = protocol.ServerFactory:extend{protocol = PoetryProxyProtocol}

function PoetryProxyFactory:init(service)
  self.service = service
end

local PoetryClientProtocol = protocol.Protocol:extend()

function PoetryClientProtocol:init()
  self.chunks = {}
end

function PoetryClientProtocol:data_received(data)
  self.chunks[#self.chunks + 1] = data
end

function PoetryClientProtocol:connection_lost(reason)
  self:poem_received(table.concat(self.chunks))
end

function PoetryClientProtocol:poem_received(poem)
  self.factory:poem_finished(poem)
end

local PoetryClientFactory = protocol.ClientFactory:extend{protocol = PoetryClientProtocol}

function PoetryClientFactory:init()
  self.deferred = defer.Deferred()
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

local ProxyService = {}
ProxyService.__index = ProxyService

function ProxyService.new(host, port)
  return setmetatable({host = host, port = port, poem = nil}, ProxyService) -- poem: the cached poem
end

function ProxyService:get_poem()
  if self.poem ~= nil then
    print("Using cached poem.")
    return self.poem
  end

  print("Fetching poem from server.")
  local factory = PoetryClientFactory()
  factory.deferred:add_callback(function(poem) return self:set_poem(poem) end)
  local reactor = require("reactor")
  reactor.connect_tcp(self.host, self.port, factory)
  return factory.deferred
end

function ProxyService:set_poem(poem)
  self.poem = poem
  return poem
end

local function main()
  local service = ProxyService.new(server_addr.host, server_addr.port)
  local factory = PoetryProxyFactory(service)
  local reactor = require("reactor")
  local port = reactor.listen_tcp(options.port or 0, factory, {interface = options.iface})
  print(string.format("Proxying ('%s', %d) on %s.", server_addr.host, server_addr.port, tostring(port:get_host())))
  reactor.run()
end

main()
