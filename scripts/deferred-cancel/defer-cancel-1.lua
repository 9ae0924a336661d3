-- Cancelling a Deferred that has no canceller errbacks it with
-- CancelledError; with no errback on the chain, that failure is reported
-- as unhandled when the run ends (deferred-cancel/defer-cancel-1.py).
--
--   loopscript scripts/deferred-cancel/defer-cancel-1.lua
local defer = require("defer")

local function callback(res)
  print("callback got: " .. tostring(res))
end

local d = defer.Deferred()
d:add_callback(callback)
d:cancel()
print("done")
