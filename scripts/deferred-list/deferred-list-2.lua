-- A DeferredList of one Deferred fires when that one does, with a list of
-- one {success, result} pair (deferred-list/deferred-list-2.py).
--
--   loopscript scripts/deferred-list/deferred-list-2.lua
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

print("One Deferred.")
local d1 = defer.Deferred()
local d = defer.DeferredList({d1})
print("Adding Callback.")
d:add_callback(got_results)
print("Firing d1.")
d1:callback("d1 result")
