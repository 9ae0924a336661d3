-- Cancelling a Deferred that has already fired does not call its
-- canceller (deferred-cancel/defer-cancel-8.py).
--
--   loopscript scripts/deferred-cancel/defer-cancel-8.lua
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
d:callback("result")
d:cancel() -- nothing happens, the canceller is not called
print("done")
