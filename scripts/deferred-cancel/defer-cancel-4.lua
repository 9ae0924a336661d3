-- After a cancel without a canceller, the one late fire of the Deferred
-- is ignored rather than raising AlreadyCalledError
-- (deferred-cancel/defer-cancel-4.py).
--
--   loopscript scripts/deferred-cancel/defer-cancel-4.lua
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
d:callback("result") -- ignored
print("done")
