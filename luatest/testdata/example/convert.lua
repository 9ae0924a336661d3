local units = require("units")

local convert = {}

-- to_metres("2.5 km") -> 2500
function convert.to_metres(text)
  local n, unit = text:match("^(%S+)%s+(%a+)$")
  return units.metres(tonumber(n), unit)
end

return convert
