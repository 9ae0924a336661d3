-- units is a Go plugin the example registers; convert.lua lies beside this
-- file, and require finds it from wherever the run starts.
local units = require("units")
local convert = require("convert")

test("a kilometre is a thousand metres", function()
  assert_eq(units.metres(1, "km"), 1000)
end)

test("a Lua module using the plugin", function()
  assert_eq(convert.to_metres("2.5 km"), 2500)
end)
