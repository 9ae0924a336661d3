-- A few aspects of Failures (twisted-failure/failure-examples.py): one made
-- from an error value alone has no traceback; one made where the error
-- was caught, in xpcall's handler while the frames are still there, keeps
-- the Lua traceback of the raise. Generally, loopscript makes Failures for
-- us (an error raised in a callback becomes one).
--
--   loopscript scripts/twisted-failure/failure-examples.lua
local defer = require("defer")

local RhymeSchemeViolation = defer.error_class("RhymeSchemeViolation")

print("Just making an exception:")
print()

local e = RhymeSchemeViolation()

local failure = defer.Failure(e)

-- Note this failure doesn't include any traceback info
print(failure)

print()
print()

print("Catching an exception:")
print()

local function analyze_poem(poem)
  error(RhymeSchemeViolation())
end

local ok
ok, failure = xpcall(function()
  analyze_poem([[
Roses are red.
Violets are violet.
That's why they're called Violets.
Duh.
]])
end, function(err)
  -- From the frame that raised; a message "" puts a newline in front.
  return defer.Failure(err, debug.traceback("", 2):sub(2))
end)

-- This failure saved both the exception and the traceback
print(failure)
