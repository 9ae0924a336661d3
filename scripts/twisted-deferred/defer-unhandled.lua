-- A callback that raises leaves the Deferred's chain on a failure that no
-- errback handles: it is reported on stderr ("Unhandled error in
-- Deferred:" and the traceback) when the run ends, after "Finished", and
-- the exit status stays 0 (twisted-deferred/defer-unhandled.py).
--
--   loopscript scripts/twisted-deferred/defer-unhandled.lua
local defer = require("defer")

local Exception = defer.error_class("Exception")

local function callback(res)
  error(Exception("oops"))
end

local d = defer.Deferred()

d:add_callback(callback)

d:callback("Here is your result.")

print("Finished")
