-- A Deferred fires once: the second fire (errback, then callback) raises
-- AlreadyCalledError, which ends the script with its traceback and exit
-- status 1; "Finished" is never printed (twisted-deferred/defer-7.py).
--
--   loopscript scripts/twisted-deferred/defer-7.lua
local defer = require("defer")
local Exception = defer.error_class("Exception")
local function out(s) print(s) end
local d = defer.Deferred()
d:add_callbacks(out, out)
d:errback(Exception("First error"))
d:callback("First result")
print("Finished")
