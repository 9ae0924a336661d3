-- gen-3: two coroutines interleaved by a loop that resumes each in turn and
-- drops those that have ended: cooperative multitasking, the idea the
-- reactor and inline callbacks are built on.

local function my_generator()
	coroutine.yield(1)
	coroutine.yield(2)
	coroutine.yield(3)
end

local function my_other_generator()
	coroutine.yield(10)
	coroutine.yield(20)
	coroutine.yield(30)
	coroutine.yield(40)
end

local gens = {coroutine.create(my_generator), coroutine.create(my_other_generator)}

while #gens > 0 do
	for _, g in ipairs({unpack(gens)}) do
		local ok, n = coroutine.resume(g)
		if not ok then
			error(n, 0)
		end
		if coroutine.status(g) == "dead" then
			for i, h in ipairs(gens) do
				if h == g then
					table.remove(gens, i)
					break
				end
			end
		else
			print(n)
		end
	end
end
