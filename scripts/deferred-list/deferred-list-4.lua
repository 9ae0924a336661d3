-- The results of a DeferredList are in the order of its list, whatever
-- the order the Deferreds fire in (deferred-list/deferred-list-4.py).
--
--   loopscript scripts/deferred-list/deferred-list-4.lua
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

print("Two Deferreds.")
local d1 = defer.Deferred()
local d2 = defer.Deferred()
local d = defer.DeferredList({d1, d2})
print("Adding Callback.")
d:add_callback(got_results)
print("Firing d2.")
d2:callback("d2 result")
print("Firing d1.")
d1:callback("d1 result")
