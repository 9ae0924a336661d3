-- W1 startup (Lua 5.4 + luv): a callback run once the loop runs prints
-- "hello"; the loop then has nothing left and returns.
local uv = require("luv")
local t = uv.new_timer()
t:start(0, 0, function()
  print("hello")
  t:close()
end)
uv.run()
