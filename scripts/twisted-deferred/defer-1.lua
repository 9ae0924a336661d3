-- A Deferred fired with a result runs the callback of its one
-- callback/errback pair, at once, inside d:callback (twisted-deferred/defer-1.py).
--
--   loopscript scripts/twisted-deferred/defer-1.lua
local defer = require("defer")

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

-- fire the chain with a normal result
d:callback("This poem is short.")

print("Finished")
