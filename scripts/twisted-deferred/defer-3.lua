-- d:errback wraps a plain error value in a Failure: the errback gets a
-- Failure, whatever it was given (twisted-deferred/defer-3.py).
--
--   loopscript scripts/twisted-deferred/defer-3.lua
local defer = require("defer")

local Exception = defer.error_class("Exception")

local function got_poem(res)
  print("Your poem is served:")
  print(res)
end

local function poem_failed(err)
  print(getmetatable(err)) -- the class of err: Failure
  print(err)
  print("No poetry for you.")
end

local d = defer.Deferred()

-- add a callback/errback pair to the chain
d:add_callbacks(got_poem, poem_failed)

-- fire the chain with an error result
d:errback(Exception("I have failed."))
