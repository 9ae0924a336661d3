-- gen-4: values and errors go into a coroutine too: resume(co, v) makes the
-- pending yield return v (Python's gen.send), and resuming with a marker
-- that the coroutine raises at its yield stands in for gen.throw, which Lua
-- has not: the coroutine catches it with pcall around the yield (yieldable
-- in loopscript, as in Lua 5.2+). inline callbacks raise a Failure at an
-- await the same way.

local Malfunction = require("defer").error_class("Malfunction")

-- yield is coroutine.yield that raises what throw sends in.
local THROW = {}
local function yield(v)
	local tag, err = coroutine.yield(v)
	if tag == THROW then
		error(err, 0)
	end
	return tag
end

local function my_generator()
	print("starting up")

	local val = yield(1)
	print("got: " .. tostring(val))

	val = yield(2)
	print("got: " .. tostring(val))

	local ok, err = pcall(yield, 3)
	if not ok and getmetatable(err) == Malfunction then
		print("malfunction!")
	elseif not ok then
		error(err, 0)
	end

	yield(4)

	print("done")
end

local gen = coroutine.create(my_generator)

local function send(...)
	local ok, v = coroutine.resume(gen, ...)
	if not ok then
		error(v, 0)
	end
	return v
end

print(send()) -- start the generator
print(send(10)) -- send the value 10
print(send(20)) -- send the value 20
print(send(THROW, Malfunction())) -- raise an error inside the generator

send(nil) -- on to the end: "done"
