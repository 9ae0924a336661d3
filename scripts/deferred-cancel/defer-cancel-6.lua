-- A canceller may fire its Deferred with a result: that result stands, and
-- no CancelledError follows (deferred-cancel/defer-cancel-6.py).
--
--   loopscript scripts/deferred-cancel/defer-cancel-6.lua
local defer = require("defer")

local function canceller(d)
  print("I need to cancel this deferred: " .. tostring(d))
  print("Firing the deferred with a result")
  d:callback("result")
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
