-- W6 errors: N sequential callbacks that raise; the reactor reports each one
-- (to stderr, which the runner sends to /dev/null) and carries on.
local reactor = require("reactor")
local N = tonumber(arg[1]) or 100000
local now = reactor.seconds

local i, t0 = 0, 0
local function finish()
  print(string.format("errors=%d us_per_error=%.3f", i, (now() - t0) * 1e6 / N))
  reactor.stop()
end

local function fail()
  i = i + 1
  reactor.call_later(0, i < N and fail or finish)
  error("boom")
end

reactor.call_when_running(function()
  t0 = now()
  reactor.call_later(0, fail)
end)
reactor.run()
