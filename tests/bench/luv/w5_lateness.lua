-- W5 lateness (Lua 5.4 + luv): N sequential 2 ms timers; lateness measured
-- on the real clock (uv.hrtime), not libuv's cached loop time.
local uv = require("luv")
local N = tonumber(arg[1]) or 500
local DELAY = 0.002
local function now() return uv.hrtime() / 1e9 end

local late, due = {}, 0
local t = uv.new_timer()
local function fire()
  late[#late + 1] = (now() - due) * 1e6
  if #late < N then
    due = now() + DELAY
    t:start(2, 0, fire)
  else
    t:close()
    table.sort(late)
    local function pct(p) return late[math.max(1, math.ceil(#late * p))] end
    print(string.format("n=%d min_us=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f",
      #late, late[1], pct(0.50), pct(0.99), late[#late]))
  end
end

due = now() + DELAY
t:start(2, 0, fire)
uv.run()
