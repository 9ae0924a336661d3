-- gen-2: the loop of gen-1 by hand: resume the coroutine until it is dead,
-- as Python calls next(gen) until StopIteration.

local function my_generator()
	print("starting up")
	coroutine.yield(1)
	print("workin'")
	coroutine.yield(2)
	print("still workin'")
	coroutine.yield(3)
	print("done")
end

local gen = coroutine.create(my_generator)

while true do
	local ok, n = coroutine.resume(gen)
	if not ok then
		error(n, 0)
	end
	if coroutine.status(gen) == "dead" then
		break
	end
	print(n)
end
