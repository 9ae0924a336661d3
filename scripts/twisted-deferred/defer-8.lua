-- A Deferred fired by the reactor: call_when_running fires it once the
-- loop runs, and its callback (or errback) stops the reactor
-- (twisted-deferred/defer-8.py).
--
--   loopscript scripts/twisted-deferred/defer-8.lua
local defer = require("defer")

local function got_poem(poem)
  print(poem)
  require("reactor").stop()
end

local function poem_failed(err)
  io.stderr:write("poem download failed\n")
  io.stderr:write("I am terribly sorry\n")
  io.stderr:write("try again later?\n")
  require("reactor").stop()
end

local d = defer.Deferred()

d:add_callbacks(got_poem, poem_failed)

local reactor = require("reactor")

reactor.call_when_running(d.callback, d, "Another short poem.")

reactor.run()
