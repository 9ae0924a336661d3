-- A program that stops by itself (basic-twisted/countdown.py): count down
-- from 5, one call_later a second, then stop the reactor; run() returns and
-- the script prints "Stop!".
local reactor = require("reactor")

local counter = 5

local function count()
  if counter == 0 then
    reactor.stop()
  else
    print(counter .. " ...")
    counter = counter - 1
    reactor.call_later(1, count)
  end
end

reactor.call_when_running(count)

print("Start!")
reactor.run()
print("Stop!")
