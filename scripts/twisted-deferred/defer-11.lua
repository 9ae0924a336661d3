-- Callbacks added to a Deferred that has already fired run at once; a
-- paused Deferred holds them until d:unpause() (twisted-deferred/defer-11.py).
--
--   loopscript scripts/twisted-deferred/defer-11.lua
local defer = require("defer")

print([[
This example illustrates how deferreds can
be fired before they are returned. First we
make a new deferred, fire it, then add some
callbacks.
]])

-- three simple callbacks

local function callback_1(res)
  print("callback_1 got " .. tostring(res))
  return 1
end

local function callback_2(res)
  print("callback_2 got " .. tostring(res))
  return 2
end

local function callback_3(res)
  print("callback_3 got " .. tostring(res))
  return 3
end

-- We create a deferred and fire it immediately:
local d = defer.Deferred()

print("Firing empty deferred.")
d:callback(0)

-- Now we add the callbacks to the deferred.
-- Notice how each callback fires immediately.

print("Adding first callback.")
d:add_callback(callback_1)

print("Adding second callback.")
d:add_callback(callback_2)

print("Adding third callback.")
d:add_callback(callback_3)

print([[

Because the deferred was already fired, it
invoked each callback as soon as it was added.

Now we create a deferred and fire it, but
pause it first with the pause() method.
]])

-- We do the same thing, but pause the deferred:

d = defer.Deferred()
print("Pausing, then firing deferred.")
d:pause()
d:callback(0)

print("Adding callbacks.")
d:add_callback(callback_1)
d:add_callback(callback_2)
d:add_callback(callback_3)

print("Unpausing the deferred.")
d:unpause()
