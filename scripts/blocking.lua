-- blocking.lua: a callback that busy-waits stalls the whole reactor. The
-- timer due at 0.1 s cannot fire while block() holds the loop for 1.2 s: it
-- fires about 1.1 s late, and loopscript warns on stderr about the callback
-- that blocked (see --warn-slow). The cure is never to wait in a callback:
-- schedule the rest of the work with reactor.call_later instead.
local reactor = require("reactor")

local start

local function block()
  print("block: busy-waiting for 1.2 s")
  local t0 = reactor.seconds()
  while reactor.seconds() - t0 < 1.2 do end
  print("block: done")
end

local function due()
  local fired = reactor.seconds() - start
  print(string.format("the timer due at 0.1 s fired at %.1f s, %.1f s late", fired, fired - 0.1))
  reactor.stop()
end

start = reactor.seconds()
reactor.call_later(0.1, due)
reactor.call_later(0, block)
print("Start!")
reactor.run()
print("Stop!")
