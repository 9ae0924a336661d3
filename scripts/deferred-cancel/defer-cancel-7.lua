-- A canceller may fail its Deferred with an error of its own: the errback
-- gets that error, not CancelledError (deferred-cancel/defer-cancel-7.py).
--
--   loopscript scripts/deferred-cancel/defer-cancel-7.lua
local defer = require("defer")

local Exception = defer.error_class("Exception")

local function canceller(d)
  print("I need to cancel this deferred: " .. tostring(d))
  print("Firing the deferred with an error")
  d:errback(Exception("error!"))
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
