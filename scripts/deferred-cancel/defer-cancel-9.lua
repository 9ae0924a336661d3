-- A Deferred fired by a timer: the poem arrives after 5 seconds and the
-- reactor stops after 10 (deferred-cancel/defer-cancel-9.py). The delays
-- are options (the original has none); --clock virtual runs it at once.
--
--   loopscript scripts/deferred-cancel/defer-cancel-9.lua [--delay 5] [--stop 10]
local optparse = dofile((arg[0]:match("^.*/") or "") .. "../lib/optparse.lua")
local defer = require("defer")

local parser = optparse.new{
  usage = "usage: %prog [options]",
  options = {
    {name = "delay", type = "float", default = 5, help = "Seconds before the poem is sent. Default 5."},
    {name = "stop", type = "float", default = 10, help = "Seconds before the reactor stops. Default 10."},
  },
}
local options = parser:parse(arg)

local function send_poem(d)
  print("Sending poem")
  d:callback("Once upon a midnight dreary")
end

-- get_poem returns a poem options.delay seconds later.
local function get_poem()
  local reactor = require("reactor")
  local d = defer.Deferred()
  reactor.call_later(options.delay, send_poem, d)
  return d
end

local function got_poem(poem)
  print("I got a poem: " .. tostring(poem))
end

local function poem_error(err)
  print("get_poem failed: " .. tostring(err))
end

local function main()
  local reactor = require("reactor")
  reactor.call_later(options.stop, reactor.stop) -- stop the reactor in 10 seconds
  local d = get_poem()
  d:add_callbacks(got_poem, poem_error)
  reactor.run()
end

main()
