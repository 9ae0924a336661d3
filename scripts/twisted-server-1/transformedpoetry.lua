-- The Poetry Transform Server, version 1.0 (twisted-server-1/transformedpoetry.py):
-- a NetstringReceiver that takes one request, "TRANSFORM.POEM", replies
-- with the transformed poem as one netstring and closes. The one
-- transform is cummingsify (lower-case). A request without a dot, or for
-- a transform it does not know, is closed without a reply; the reason is
-- logged with log.msg, which prints nothing unless logging was started,
-- as in Twisted.
--
--   loopscript scripts/twisted-server-1/transformedpoetry.lua --port 11000
local optparse = dofile((arg[0]:match("^.*/") or "") .. "../lib/optparse.lua")
local protocol = require("protocol")
local basic = require("basic")
local log = require("log")

local parser = optparse.new{
  usage = [[
usage: %prog [options]

This is the Poetry Transform Server.
Run it like this:

  loopscript transformedpoetry.lua

From the base directory of the loopscript repository you could run

  loopscript scripts/twisted-server-1/transformedpoetry.lua --port 11000

to provide poetry transformation on port 11000.
]],
  options = {
    {name = "port", type = "int", help = "The port to listen on. Default to a random available port."},
    {name = "iface", default = "localhost", help = "The interface to listen on. Default is localhost."},
  },
}

local options, args = parser:parse(arg)
if #args ~= 0 then
  parser:error("Bad arguments.")
end

local TransformService = {}

function TransformService.cummingsify(poem)
  return poem:lower()
end

local TransformProtocol = basic.NetstringReceiver:extend()

function TransformProtocol:string_received(request)
  local xform_name, poem = request:match("^([^.]*)%.(.*)$")
  if not xform_name then -- bad request
    self.transport:lose_connection()
    return
  end
  self:xform_request_received(xform_name, poem)
end

function TransformProtocol:xform_request_received(xform_name, poem)
  local new_poem = self.factory:transform(xform_name, poem)
  if new_poem ~= nil then
    self:send_string(new_poem)
  end
  self.transport:lose_connection()
end

local TransformFactory = protocol.ServerFactory:extend{protocol = TransformProtocol}

function TransformFactory:init(service)
  self.service = service
end

function TransformFactory:transform(xform_name, poem)
  local thunk = self["xform_" .. xform_name]
  if type(thunk) ~= "function" then -- no such transform
    log.msg(string.format("%q no such transform", xform_name))
    return nil
  end
  local ok, result = pcall(thunk, self, poem)
  if not ok then
    log.msg(tostring(result))
    return nil -- transform failed
  end
  return result
end

function TransformFactory:xform_cummingsify(poem)
  return self.service.cummingsify(poem)
end

local function main()
  local factory = TransformFactory(TransformService)
  local reactor = require("reactor")
  local port = reactor.listen_tcp(options.port or 0, factory, {interface = options.iface})
  print(string.format("Serving transforms on %s.", tostring(port:get_host())))
  reactor.run()
end

main()
