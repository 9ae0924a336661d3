-- A Deferred fired with a Failure runs the errback of the pair instead
-- (twisted-deferred/defer-2.py).
--
--   loopscript scripts/twisted-deferred/defer-2.lua
local defer = require("defer")

local Exception = defer.error_class("Exception")

local function got_poem(res)
  print("Your poem is served:")
  print(res)
end

local function poem_failed(err)
  print("No poetry for you.")
end

local d = defer.Deferred()

-- add a callback/errback pair to the chain
d:add_callbacks(got_poem, poem_failed)

-- fire the chain with an error result
d:errback(defer.Failure(Exception("I have failed.")))

print("Finished")
