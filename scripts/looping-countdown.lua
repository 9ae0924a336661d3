-- Exercise 2 of the tutorial's part 3: countdown.lua with a LoopingCall
-- (Twisted's task.LoopingCall) instead of rescheduling by hand. Only start and
-- stop are needed; the first call happens inside start.
local reactor = require("reactor")
local task = require("task")

local counter = 5
local loop

local function count()
  if counter == 0 then
    loop:stop()
    reactor.stop()
  else
    print(counter .. " ...")
    counter = counter - 1
  end
end

loop = task.looping_call(count)
reactor.call_when_running(function() loop:start(1) end)

print("Start!")
reactor.run()
print("Stop!")
