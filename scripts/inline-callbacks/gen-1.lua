-- gen-1: a generator is a coroutine: coroutine.wrap makes a function that
-- runs the body up to its next yield each time it is called, and the for
-- loop calls it until it returns nothing (Python's StopIteration).

local function my_generator()
	print("starting up")
	coroutine.yield(1)
	print("workin'")
	coroutine.yield(2)
	print("still workin'")
	coroutine.yield(3)
	print("done")
end

for n in coroutine.wrap(my_generator) do
	print(n)
end
