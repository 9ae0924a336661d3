-- task.clock(), the manual clock for tests, checked against the cases of
-- Twisted's ClockTests (src/twisted/test/test_task.py), written anew in Lua.
-- Run with: loopscript test tests/lua
local task = require("task")

-- log(clock, list, name) returns a callback noting name and the clock's time.
local function log(clock, list, name)
  return function() list[#list + 1] = name .. "@" .. clock:seconds() end
end

local function same(got, want)
  assert(#got == #want, ("got %d entries {%s}, want {%s}"):format(#got, table.concat(got, ", "), table.concat(want, ", ")))
  for i = 1, #want do
    assert(got[i] == want[i], ("entry %d: got %s, want %s"):format(i, tostring(got[i]), tostring(want[i])))
  end
end

test("a new clock reads 0 and has nothing pending", function()
  local clock = task.clock()
  assert(clock:seconds() == 0)
  assert(clock:pending() == 0)
end)

test("call_later returns an active DelayedCall with its time", function()
  local clock = task.clock()
  local call = clock:call_later(1, function() end)
  assert(call:get_time() == 1)
  assert(call:active())
  assert(clock:pending() == 1)
  assert(tostring(call):find("^DelayedCall%(active, time=1%.000000%)"), tostring(call))
end)

test("a cancelled call is inactive and never runs", function()
  local clock = task.clock()
  local ran = false
  local call = clock:call_later(1, function() ran = true end)
  call:cancel()
  assert(not call:active())
  clock:advance(10)
  assert(not ran and clock:pending() == 0)
  local ok, err = pcall(call.cancel, call)
  assert(not ok and err:find("already cancelled"), err)
end)

test("each call_later gives a new DelayedCall", function()
  local clock = task.clock()
  assert(clock:call_later(10, print) ~= clock:call_later(1, print))
end)

test("advance runs calls once their time has come, passing their arguments", function()
  local clock = task.clock()
  local got = {}
  local call = clock:call_later(2, function(a, b) got[#got + 1] = a .. b end, "x", "y")
  clock:advance(1)
  same(got, {})
  clock:advance(1)
  same(got, {"xy"})
  assert(not call:active())
end)

test("cancelling a call inside itself raises 'already called'", function()
  local clock = task.clock()
  -- The result goes in a table: in gopher-lua an error caught by pcall can
  -- detach the enclosing function's locals from the closures that share them
  -- (gopher-lua issue 448), so assigning an outer local would be lost.
  local seen = {}
  local call
  call = clock:call_later(1, function()
    local ok, err = pcall(call.cancel, call)
    seen.result = ok and "cancelled" or err
  end)
  clock:advance(1)
  assert(seen.result and seen.result:find("already called"), seen.result)
end)

test("delay postpones a call", function()
  local clock = task.clock()
  local got = {}
  local call = clock:call_later(1, log(clock, got, "a"))
  call:delay(1)
  assert(call:get_time() == 2)
  clock:advance(1.5)
  same(got, {})
  clock:advance(1)
  same(got, {"a@2.5"})
end)

test("reset moves a call later, counting from the clock's time", function()
  local clock = task.clock()
  local got = {}
  local call = clock:call_later(2, log(clock, got, "a"))
  clock:advance(1)
  call:reset(3)
  assert(call:get_time() == 4)
  clock:advance(2)
  same(got, {})
  clock:advance(1)
  same(got, {"a@4"})
end)

test("reset moves a call sooner", function()
  local clock = task.clock()
  local got = {}
  local call = clock:call_later(4, log(clock, got, "a"))
  call:reset(3)
  assert(call:get_time() == 3)
  clock:advance(3)
  same(got, {"a@3"})
end)

test("a call reset after another was scheduled runs after it", function()
  local clock = task.clock()
  local got = {}
  local a = clock:call_later(1, log(clock, got, "a"))
  a:reset(3)
  clock:call_later(2, log(clock, got, "b"))
  clock:pump({1, 1, 1})
  same(got, {"b@2", "a@3"})
end)

test("resetting past a later call keeps the order", function()
  local clock = task.clock()
  local got = {}
  local a = clock:call_later(1, log(clock, got, "a"))
  clock:call_later(2, log(clock, got, "b"))
  a:reset(3)
  clock:pump({1, 1, 1})
  same(got, {"b@2", "a@3"})
end)

test("a reset from inside a call keeps the order", function()
  local clock = task.clock()
  local got = {}
  local b = clock:call_later(2, log(clock, got, "b"))
  clock:call_later(1, function() b:reset(3) end)
  clock:call_later(3, log(clock, got, "c"))
  clock:pump({0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5})
  same(got, {"c@3", "b@4"})
end)

test("equal times run in the order they were scheduled", function()
  local clock = task.clock()
  local got = {}
  for _, name in ipairs({"one", "two", "three"}) do
    clock:call_later(1, log(clock, got, name))
  end
  clock:advance(5)
  -- As in Twisted, the calls an advance runs all see the new time.
  same(got, {"one@5", "two@5", "three@5"})
end)

test("a call scheduled during advance runs in it when due", function()
  local clock = task.clock()
  local got = {}
  clock:call_later(1, function()
    clock:call_later(0, log(clock, got, "now"))
    clock:call_later(1, log(clock, got, "next"))
  end)
  clock:advance(1)
  same(got, {"now@1"})
  assert(clock:pending() == 1)
end)

test("an error in a call is reported and the others still run", function()
  local clock = task.clock()
  local got = {}
  clock:call_later(1, function() error("first fails") end)
  clock:call_later(1, log(clock, got, "second"))
  clock:advance(1)
  same(got, {"second@1"})
  local errors = flush_errors()
  assert(#errors == 1 and errors[1]:find("first fails"), errors[1])
end)

test("bad arguments raise Lua-style errors", function()
  local clock = task.clock()
  local cases = {
    {function() clock:advance(-1) end, "bad argument #1 to 'advance' (non-negative number expected, got -1)"},
    {function() clock:advance("1") end, "bad argument #1 to 'advance' (number expected, got string)"},
    {function() clock:call_later(1, 2) end, "bad argument #2 to 'call_later' (function expected, got number)"},
    {function() clock:pump({1, 0/0}) end, "bad argument #1 to 'pump' (step 2: non-negative finite number expected, got nan)"},
    {function() clock.seconds({}) end, "bad argument #1 to 'seconds' (Clock expected, got table; use clock:seconds, not clock.seconds)"},
  }
  for i, case in ipairs(cases) do
    local ok, err = pcall(case[1])
    assert(not ok and err:find(case[2], 1, true), ("case %d: %s"):format(i, tostring(err)))
  end
end)
