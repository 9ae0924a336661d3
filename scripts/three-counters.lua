-- Exercise 1 of the tutorial's part 3: three countdowns running independently
-- at different rates. The reactor stops when the last one has finished.
local reactor = require("reactor")

local running = 0

-- start_counter counts name down from n, one step every interval seconds.
local function start_counter(name, n, interval)
  running = running + 1
  local function count()
    if n == 0 then
      print("counter " .. name .. ": done")
      running = running - 1
      if running == 0 then
        reactor.stop()
      end
      return
    end
    print("counter " .. name .. ": " .. n .. " ...")
    n = n - 1
    reactor.call_later(interval, count)
  end
  reactor.call_when_running(count)
end

-- The rates differ enough that the lines always come out in the same order.
start_counter("A", 4, 0.7)
start_counter("B", 3, 0.8)
start_counter("C", 2, 0.9)

print("Start!")
reactor.run()
print("Stop!")
