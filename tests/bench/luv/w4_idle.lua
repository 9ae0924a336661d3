-- W4 idle (Lua 5.4 + luv): one timer some seconds ahead and nothing else.
local uv = require("luv")
local D = tonumber(arg[1]) or 3
local t0 = uv.hrtime()
local t = uv.new_timer()
t:start(math.floor(D * 1000), 0, function()
  print(string.format("waited_s=%.3f", (uv.hrtime() - t0) / 1e9))
  t:close()
end)
uv.run()
