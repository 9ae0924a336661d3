-- Cancelling a Deferred that has already fired does nothing
-- (deferred-cancel/defer-cancel-3.py).
--
--   loopscript scripts/deferred-cancel/defer-cancel-3.lua
local defer = require("defer")

local function callback(res)
  print("callback got: " .. tostring(res))
end

local function errback(err)
  print("errback got: " .. tostring(err))
end

local d = defer.Deferred()
d:add_callbacks(callback, errback)
d:callback("result")
d:cancel() -- nothing happens
print("done")
