-- Deferreds do not make code asynchronous: a callback that blocks (here
-- sleeping between writes, about 11 seconds in all) blocks d:callback, and
-- the reactor with it; "Firing finished." only comes once the whole chain
-- has run (twisted-deferred/defer-block.py). loopscript also warns on
-- stderr that the callback blocked the reactor, unless run with
-- --warn-slow 0. --scale F multiplies every sleep by F (an addition: the
-- original has no options).
--
--   loopscript --warn-slow 0 scripts/twisted-deferred/defer-block.lua
local optparse = dofile((arg[0]:match("^.*/") or "") .. "../lib/optparse.lua")
local defer = require("defer")
local socket = require("socket")

local parser = optparse.new{
  usage = "usage: %prog [options]",
  options = {
    {name = "scale", type = "float", default = 1, help = "Multiply every sleep by this. Default 1."},
  },
}
local options = parser:parse(arg)

local function start_chain(_)
  print("The start of the callback chain.")
end

local function blocking_poem(_)
  local function delayed_write(s, delay)
    socket.select(nil, nil, delay * options.scale) -- sleeps, blocking everything
    io.write(s)
    io.stdout:flush()
  end

  delayed_write("\n", 0)
  delayed_write("I", .6)
  delayed_write(" block", .4)
  delayed_write("\n  and", 1)
  delayed_write(" the", .4)
  delayed_write(" deferred", .6)
  delayed_write("\n  blocks", 1.5)
  delayed_write(" with", .2)
  delayed_write(" me", .2)
  delayed_write("\nas does", 1)
  delayed_write("\n the reactor", .6)
  delayed_write("\nkeep that", 1)
  delayed_write("\n factor", .6)
  delayed_write("\nin", 1)
  delayed_write(" mind", .4)
  delayed_write("\n\n", 2)
end

local function end_chain(_)
  print("The end of the callback chain.")
  require("reactor").stop()
end

local d = defer.Deferred()

d:add_callback(start_chain)
d:add_callback(blocking_poem)
d:add_callback(end_chain)

local function fire()
  print("Firing deferred.")
  d:callback(true)
  print("Firing finished.")
end

local reactor = require("reactor")

reactor.call_when_running(fire)

print("Starting reactor.")
reactor.run()
print("Done.")
