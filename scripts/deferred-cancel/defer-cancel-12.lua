-- Cancelling a Deferred whose chain waits on an inner Deferred (one a
-- callback returned) cancels the inner one: its canceller runs, not the
-- outer's, and the CancelledError goes down the outer chain
-- (deferred-cancel/defer-cancel-12.py).
--
--   loopscript scripts/deferred-cancel/defer-cancel-12.lua
local defer = require("defer")

local function cancel_outer(d)
  print("outer cancel callback.")
end

local function cancel_inner(d)
  print("inner cancel callback.")
end

local inner_d

local function first_outer_callback(res)
  print("first outer callback, returning inner deferred")
  return inner_d
end

local function second_outer_callback(res)
  print("second outer callback got: " .. tostring(res))
end

local function outer_errback(err)
  print("outer errback got: " .. tostring(err))
end

local outer_d = defer.Deferred(cancel_outer)
inner_d = defer.Deferred(cancel_inner)

outer_d:add_callback(first_outer_callback)
outer_d:add_callbacks(second_outer_callback, outer_errback)

outer_d:callback("result")

-- outer_d is now 'paused' by inner_d

print("canceling outer deferred.")
outer_d:cancel()

print("done")
