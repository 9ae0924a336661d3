-- W6 errors (Lua 5.4 + luv): N sequential callbacks that raise. luv exits
-- the process on an uncaught callback error, so each callback runs under
-- xpcall with debug.traceback and the report goes to stderr.
local uv = require("luv")
local N = tonumber(arg[1]) or 100000
local function now() return uv.hrtime() / 1e9 end

local i, t0 = 0, 0
local function later0(fn)
  local t = uv.new_timer()
  t:start(0, 0, function()
    t:close()
    local ok, err = xpcall(fn, debug.traceback)
    if not ok then
      io.stderr:write("Unhandled error in callback:\n", err, "\n")
    end
  end)
end

local function finish()
  print(string.format("errors=%d us_per_error=%.3f", i, (now() - t0) * 1e6 / N))
end

local function fail()
  i = i + 1
  later0(i < N and fail or finish)
  error("boom")
end

later0(function()
  t0 = now()
  later0(fail)
end)
uv.run()
