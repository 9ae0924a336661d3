-- A Deferred fires once: the second fire (callback twice) raises
-- AlreadyCalledError, which ends the script with its traceback and exit
-- status 1; "Finished" is never printed (twisted-deferred/defer-4.py).
--
--   loopscript scripts/twisted-deferred/defer-4.lua
local defer = require("defer")
local function out(s) print(s) end
local d = defer.Deferred()
d:add_callbacks(out, out)
d:callback("First result")
d:callback("Second result")
print("Finished")
