-- W5 lateness: N sequential call_later(0.002); lateness = when the callback
-- ran minus when it was due. Prints min, p50, p99 and max in microseconds.
local reactor = require("reactor")
local N = tonumber(arg[1]) or 500
local DELAY = 0.002
local now = reactor.seconds

local late, due = {}, 0
local function fire()
  late[#late + 1] = (now() - due) * 1e6
  if #late < N then
    due = now() + DELAY
    reactor.call_later(DELAY, fire)
  else
    table.sort(late)
    local function pct(p) return late[math.max(1, math.ceil(#late * p))] end
    print(string.format("n=%d min_us=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f",
      #late, late[1], pct(0.50), pct(0.99), late[#late]))
    reactor.stop()
  end
end

reactor.call_when_running(function()
  due = now() + DELAY
  reactor.call_later(DELAY, fire)
end)
reactor.run()
