-- A DeferredList of no Deferreds has fired already: the callback runs
-- inside add_callback (deferred-list/deferred-list-1.py).
--
--   loopscript scripts/deferred-list/deferred-list-1.lua
local defer = require("defer")

-- show writes a value as Lua source would, a Failure as <Failure TYPE:
-- message>: the list the DeferredList fires with, {{true, value} or
-- {false, failure}, ...}, prints as a table of pairs.
local function show(v)
  if type(v) == "string" then
    return string.format("%q", v)
  elseif getmetatable(v) == defer.Failure then
    return "<Failure " .. v.type .. ": " .. v:get_error_message() .. ">"
  elseif type(v) == "table" then
    local items = {}
    for i, item in ipairs(v) do
      items[i] = show(item)
    end
    return "{" .. table.concat(items, ", ") .. "}"
  end
  return tostring(v)
end

local function got_results(res)
  print("We got: " .. show(res))
end

print("Empty List.")
local d = defer.DeferredList({})
print("Adding Callback.")
d:add_callback(got_results)
