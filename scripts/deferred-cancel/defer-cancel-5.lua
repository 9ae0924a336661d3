-- A canceller runs when its Deferred is cancelled; one that does not fire
-- the Deferred leaves it to errback with CancelledError
-- (deferred-cancel/defer-cancel-5.py).
--
--   loopscript scripts/deferred-cancel/defer-cancel-5.lua
local defer = require("defer")

local function canceller(d)
  print("I need to cancel this deferred: " .. tostring(d))
end

local function callback(res)
  print("callback got: " .. tostring(res))
end

local function errback(err)
  print("errback got: " .. tostring(err))
end

local d = defer.Deferred(canceller) -- created by lower-level code
d:add_callbacks(callback, errback) -- added by higher-level code
d:cancel()
print("done")
