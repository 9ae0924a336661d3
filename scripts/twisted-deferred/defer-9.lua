-- defer-8 with the reactor stopped in one place: add_both adds a step that
-- runs after the callback or the errback, whichever ran
-- (twisted-deferred/defer-9.py).
--
--   loopscript scripts/twisted-deferred/defer-9.lua
local defer = require("defer")

local function got_poem(poem)
  print(poem)
end

local function poem_failed(err)
  io.stderr:write("poem download failed\n")
  io.stderr:write("I am terribly sorry\n")
  io.stderr:write("try again later?\n")
end

local function poem_done(_)
  require("reactor").stop()
end

local d = defer.Deferred()

d:add_callbacks(got_poem, poem_failed)
d:add_both(poem_done)

local reactor = require("reactor")

reactor.call_when_running(d.callback, d, "Another short poem.")

reactor.run()
