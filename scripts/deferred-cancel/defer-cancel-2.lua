-- Cancelling a Deferred that has no canceller: its errback gets a
-- CancelledError Failure (deferred-cancel/defer-cancel-2.py).
--
--   loopscript scripts/deferred-cancel/defer-cancel-2.lua
local defer = require("defer")

local function callback(res)
  print("callback got: " .. tostring(res))
end

local function errback(err)
  print("errback got: " .. tostring(err))
end

local d = defer.Deferred()
d:add_callbacks(callback, errback)
d:cancel()
print("done")
