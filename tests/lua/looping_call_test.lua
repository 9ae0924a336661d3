-- LoopingCalls driven by task.clock(), checked against the LoopingCall cases
-- of Twisted's LoopTests and ReactorLoopTests (src/twisted/test/test_task.py),
-- written anew in Lua. clock:looping_call(fn, ...) is task.looping_call on
-- the manual clock. Run with: loopscript test tests/lua
local task = require("task")

-- joined lists values as text. (table.concat alone will not do: in
-- gopher-lua, table.concat of a one-number list returns the number itself.)
local function joined(list)
  local parts = {}
  for i, v in ipairs(list) do parts[i] = tostring(v) end
  return table.concat(parts, " ")
end

local function near(a, b)
  return math.abs(a - b) < 1e-9
end

-- calls_equal checks a list of {time, count} pairs.
local function calls_equal(got, want)
  local function show(list)
    local parts = {}
    for i, c in ipairs(list) do parts[i] = ("(%.3f, %d)"):format(c[1], c[2]) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  local ok = #got == #want
  for i = 1, #want do
    ok = ok and near(got[i][1], want[i][1]) and got[i][2] == want[i][2]
  end
  assert(ok, "calls " .. show(got) .. ", want " .. show(want))
end

-- counter(clock) returns a looping_call_with_count on clock that records
-- {time, count} for each call, and the list it records into.
local function counter(clock)
  local calls = {}
  local lc = clock:looping_call_with_count(function(count)
    calls[#calls + 1] = {clock:seconds(), count}
  end)
  return lc, calls
end

test("start(interval) calls at once, then every interval, passing the arguments", function()
  local clock = task.clock()
  local got = {}
  local lc = clock:looping_call(function(a, b) got[#got + 1] = a .. b .. "@" .. clock:seconds() end, "a", "b")
  assert(lc:start(0.5) == lc, "start returns the LoopingCall")
  assert(lc.running and lc.interval == 0.5)
  clock:pump({0.5, 0.5})
  assert(joined(got) == "ab@0 ab@0.5 ab@1", joined(got))
  lc:stop()
  assert(not lc.running and clock:pending() == 0, "stop leaves nothing scheduled")
end)

test("three calls from pump {0.05, 0.1, 0.1} with interval 0.1", function()
  local clock = task.clock()
  local n = 0
  local lc = clock:looping_call(function() n = n + 1 end):start(0.1)
  clock:pump({0.05, 0.1, 0.1})
  assert(n == 3, n)
  lc:stop()
  assert(clock:pending() == 0)
end)

test("a delayed start first calls one interval later", function()
  local clock = task.clock()
  local n = 0
  local lc = clock:looping_call(function() n = n + 1 end):start(0.1, false)
  assert(n == 0)
  clock:pump({0.05, 0.1, 0.1})
  assert(n == 2, n)
  lc:stop()
  assert(clock:pending() == 0)
end)

test("a negative interval is refused", function()
  local lc = task.clock():looping_call(function() end)
  local ok, err = pcall(lc.start, lc, -1)
  assert(not ok and err:find("bad argument #1 to 'start' (non-negative number expected, got -1)", 1, true), err)
  assert(not lc.running)
end)

test("stop right after start prevents every call", function()
  for _, interval in ipairs({0, 10}) do
    local clock = task.clock()
    local ran = false
    local lc = clock:looping_call(function() ran = true end)
    lc:start(interval, false)
    lc:stop()
    clock:advance(100)
    assert(not ran, "ran with interval " .. interval)
    assert(clock:pending() == 0)
  end
end)

test("the clock reaching a call late skips the intervals it missed", function()
  local clock = task.clock()
  local times = {}
  clock:looping_call(function() times[#times + 1] = clock:seconds() end):start(0.5)
  clock:advance(2)
  clock:advance(1)
  clock:advance(0)
  assert(joined(times) == "0 2 3", joined(times))
end)

test("with a count, late calls say how many intervals passed", function()
  local clock = task.clock()
  local lc, calls = counter(clock)
  lc:start(0.5)
  clock:advance(0.5 + 0.01)
  clock:advance(3 * 0.5 + 0.01)
  clock:advance(0)
  calls_equal(calls, {{0, 1}, {0.51, 1}, {2.02, 3}})
end)

test("less than two intervals late still counts one", function()
  local clock = task.clock()
  local lc, calls = counter(clock)
  lc:start(0.5)
  clock:advance(0.51)
  clock:advance(0.5 * 1.75)
  clock:advance(0.5 * 0.25)
  calls_equal(calls, {{0, 1}, {0.51, 1}, {1.385, 1}, {1.51, 1}})
end)

test("a call that overruns skips to the next interval still in the future", function()
  local clock = task.clock()
  local times = {}
  local duration = 2
  clock:looping_call(function()
    times[#times + 1] = clock:seconds()
    clock:advance(duration) -- the call itself takes this long
  end):start(0.5)
  assert(joined(times) == "0" and clock:seconds() == 2, joined(times) .. " " .. clock:seconds())
  clock:advance(0) -- 2 is the present, not the future: skipped
  assert(joined(times) == "0")
  duration = 1
  clock:advance(0.5)
  assert(joined(times) == "0 2.5" and clock:seconds() == 3.5, joined(times))
  clock:advance(0)
  duration = 0
  clock:advance(0.5)
  assert(joined(times) == "0 2.5 4" and clock:seconds() == 4, joined(times))
end)

test("counts never include 0 and add up to the intervals, even for 0.1", function()
  local clock = task.clock()
  local counts, sum = {}, 0
  local lc = clock:looping_call_with_count(function(n) counts[#counts + 1] = n; sum = sum + n end)
  local interval = 1.0 / 10
  lc:start(interval, false)
  local total = 0
  for _ = 1, 10 do
    clock:advance(interval)
    total = total + interval
  end
  assert(1.0 - total ~= 0, "0.1 is exact here: the case is not exercised")
  clock:advance(math.max(1.0 - total, 0))
  assert(clock:seconds() >= 1.0)
  assert(sum == 10, "counts add up to " .. sum)
  for i, n in ipairs(counts) do assert(n > 0, "count " .. i .. " is " .. n) end
end)

test("interval 0 calls again in the same advance, with a count of 1, until stopped", function()
  local clock = task.clock()
  local counts = {}
  local lc
  lc = clock:looping_call_with_count(function(n)
    counts[#counts + 1] = n
    if #counts > 4 then lc:stop() end
  end)
  lc:start(0, false)
  clock:advance(0)
  assert(joined(counts) == "1 1 1 1 1", joined(counts))
  assert(not lc.running and clock:pending() == 0)
end)

test("interval 0 started now stops after six calls", function()
  local clock = task.clock()
  local n = 0
  local lc
  lc = clock:looping_call(function()
    n = n + 1
    if n > 5 then lc:stop() end
  end)
  lc:start(0)
  clock:advance(0)
  assert(n == 6, n)
end)

test("stop inside the call prevents the next one", function()
  local clock = task.clock()
  local n = 0
  local lc
  lc = clock:looping_call(function()
    n = n + 1
    if n == 2 then lc:stop() end
  end)
  lc:start(1)
  clock:pump({1, 1, 1})
  assert(n == 2 and not lc.running and clock:pending() == 0)
end)

test("an error stops the loop and is reported", function()
  local clock = task.clock()
  local n = 0
  local lc = clock:looping_call(function(x)
    n = n + 1
    error(x)
  end, "bar")
  lc:start(0.1)
  clock:pump({0.1, 0.1})
  assert(n == 1 and not lc.running and clock:pending() == 0)
  local errors = flush_errors()
  assert(#errors == 1 and errors[1]:find("bar$"), errors[1])
end)

test("stopping and then failing inside the call leaves it stopped", function()
  local clock = task.clock()
  local lc
  lc = clock:looping_call(function(x)
    lc:stop()
    error(x)
  end, "bar")
  lc:start(0.1)
  assert(not lc.running)
  assert(#flush_errors() == 1)
  local ok, err = pcall(lc.stop, lc)
  assert(not ok and err:find("not running"), err)
end)

test("a stopped LoopingCall restarts, anchored at the new start", function()
  local clock = task.clock()
  local lc, calls = counter(clock)
  lc:start(1)
  clock:advance(1.5)
  lc:stop()
  clock:advance(1)
  lc:start(1, false)
  local ok, err = pcall(lc.start, lc, 1)
  assert(not ok and err:find("already running"), err)
  clock:pump({0.5, 0.5, 1})
  calls_equal(calls, {{0, 1}, {1.5, 1}, {3.5, 1}, {4.5, 1}})
end)
