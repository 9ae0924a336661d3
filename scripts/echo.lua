-- An echo server with basic.LineReceiver: each line a client sends comes
-- back to it, with the delimiter ("\r\n"), whatever the other clients do.
-- LineReceiver cuts the byte stream into lines however it arrives, in
-- pieces or many lines at once.
--
--   loopscript scripts/echo.lua --port 8000      # then: nc -C 127.0.0.1 8000
local optparse = dofile((arg[0]:match("^.*/") or "") .. "lib/optparse.lua")
local basic = require("basic")
local protocol = require("protocol")

local parser = optparse.new{
  usage = [[
usage: %prog [options]

An echo server: every line a client sends ("\r\n" at its end) comes back.
Run it like this:

  loopscript echo.lua --port 8000

and talk to it with "nc -C 127.0.0.1 8000". With --port 0 it picks a free
port; with no arguments it prints this help.
]],
  help_when_empty = true,
  options = {
    {name = "port", type = "int", help = "The port to listen on (0: a random available port)."},
    {name = "iface", default = "localhost", help = "The interface to listen on. Default is localhost."},
  },
}

local options, positional = parser:parse(arg)
if #positional > 0 then
  parser:error("unexpected argument: " .. positional[1])
end
if options.port == nil then
  parser:error("Give the port to listen on: --port N (0 picks a free one).")
end

local Echo = basic.LineReceiver:extend()

function Echo:line_received(line)
  self:send_line(line)
end

local reactor = require("reactor")
local factory = protocol.ServerFactory:extend{protocol = Echo}()
local port = reactor.listen_tcp(options.port, factory, {interface = options.iface})
print(string.format("Serving echo on %s.", tostring(port:get_host())))
reactor.run()
