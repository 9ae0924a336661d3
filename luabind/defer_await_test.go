package luabind

import "testing"

// TestAwaitWaiting pins an await of a Deferred that has no result yet at
// each kind of call site the Go await parks at (luastate.RepeatCallOnYield
// makes the call again at the resume): a plain call with one, several or a
// variable number of arguments, a call whose results are all kept, a tail
// call from a function called with no arguments, inside a pcall, and what
// a resume by anything but the driver does there (the coroutine waits on).
func TestAwaitWaiting(t *testing.T) {
	runDeferCases(t, awaitWaitingCases)
}

// TestLuaAwaitStandsIn runs the cases of TestAwaitWaiting and the fired
// ones of TestAwaitFired on the Lua side's await, which stands in for the
// Go one on a gopher-lua whose VM luastate does not know.
func TestLuaAwaitStandsIn(t *testing.T) {
	L, _, _ := testState(t, Config{luaAwaitOnly: true})
	if err := L.DoString(`assert(debug.getinfo(require("defer").await).what == "Lua")`); err != nil {
		t.Fatal(err)
	}
	runDeferCasesOn(t, Config{luaAwaitOnly: true}, awaitWaitingCases)
	runDeferCasesOn(t, Config{luaAwaitOnly: true}, awaitFiredCases)
}

// TestAwaitFired pins an await of a Deferred that has its result, of a
// Failure, of other values, and outside an inline callbacks function.
func TestAwaitFired(t *testing.T) {
	runDeferCases(t, awaitFiredCases)
}

var awaitFiredCases = []deferCase{
	{"values, failures, other values", icHeader + `
local r = defer.inline_callbacks(function()
	print(defer.await(defer.succeed(1)), defer.await(2), defer.await(), select("#", defer.await()))
	local ok, f = pcall(defer.await, defer.fail("e"))
	print(ok, f.value)
	local function tail(d) return defer.await(d) end
	print(tail(defer.succeed("tail")), pcall(tail, defer.fail("tail failure")) == false)
	defer.await(defer.fail("uncaught"))
end)()
r:add_errback(function(f) print(f.value); print(f.traceback) end)`,
		"1\t2\tnil\t1\nfalse\te\ntail\ttrue\nuncaught\nstack traceback:\n\ttest.lua:8: in function <test.lua:2>\n"},
	{"outside an inline callbacks function", icHeader + `
print(pcall(function() defer.await(1) end))
print(pcall(defer.await, defer.succeed(1)))`,
		"false\ttest.lua:2: attempt to await outside an inline_callbacks function\n" +
			"false\tattempt to await outside an inline_callbacks function\n"},
}

var awaitWaitingCases = []deferCase{
	{"plain calls, extra and variable arguments, all results kept", icHeader + `
local ds = {}
for i = 1, 5 do ds[i] = defer.Deferred() end
local r = defer.inline_callbacks(function()
	local a = defer.await(ds[1])
	local b = defer.await(ds[2], "extra", "args")
	local c = defer.await(unpack({ds[3]}))
	print(a, b, c, defer.await(ds[4]))
	defer.await(ds[5])
	return "end"
end)()
for i = 1, 5 do ds[i]:callback(i * 10) end
print(r.result)`, "10\t20\t30\t40\n" + "end\n"},
	{"a tail call from a function called with no arguments", icHeader + `
local d, e, n = defer.Deferred(), defer.Deferred(), defer.Deferred()
local function get() return defer.await(d) end
local function get_failure() return defer.await(e) end
local function get_nil() return defer.await(n) end
local r = defer.inline_callbacks(function()
	local v = get()
	local ok, f = pcall(get_failure)
	print(v, ok, f.value)
	return select("#", get_nil())
end)()
d:callback("v")
e:errback("boom")
print(r.called)
n:callback(nil)
print(r.result)`, "v\tfalse\tboom\nfalse\n1\n"},
	{"inside a pcall and an xpcall", icHeader + `
local d, e = defer.Deferred(), defer.Deferred()
local r = defer.inline_callbacks(function()
	print(pcall(defer.await, d))
	print(xpcall(function() return defer.await(e) end, function(f) return "handled " .. f.value end))
	return 1
end)()
d:callback("first")
e:errback("second")
print(r.result)`, "true\tfirst\nfalse\thandled second\n1\n"},
	{"resumed by hand at each kind of site, then by the driver", icHeader + `
local co
local d1, d2, d3 = defer.Deferred(), defer.Deferred(), defer.Deferred()
local function tail() return defer.await(d2) end
local r = defer.inline_callbacks(function()
	co = coroutine.running()
	local a = defer.await(d1)
	local b = tail()
	local ok, c = pcall(defer.await, d3)
	return a .. b .. c
end)()
local function intrude()
	local ok, tag, d = coroutine.resume(co, "intruder", 1)
	print(ok, type(tag), getmetatable(d) == getmetatable(defer.Deferred()), coroutine.status(co), r.called)
end
intrude() intrude()
d1:callback("a")
intrude()
d2:callback("b")
intrude() intrude()
d3:callback("c")
print(r.result, coroutine.status(co))`,
		"true\ttable\ttrue\tsuspended\tfalse\n" + "true\ttable\ttrue\tsuspended\tfalse\n" +
			"true\ttable\ttrue\tsuspended\tfalse\n" + "true\ttable\ttrue\tsuspended\tfalse\n" +
			"true\ttable\ttrue\tsuspended\tfalse\n" + "abc\tdead\n"},
	{"a waiting Failure is raised at the await's line", icHeader + `
local d = defer.Deferred()
local r = defer.inline_callbacks(function()
	local v = defer.await(d)
	print("never", v)
end)()
r:add_errback(function(f) print(f.value); print(f.traceback) end)
d:errback("late")`, "late\nstack traceback:\n\ttest.lua:4: in function <test.lua:3>\n"},
	{"an await in a metamethod cannot wait", icHeader + `
local d = defer.Deferred()
local r = defer.inline_callbacks(function()
	local t = setmetatable({}, {__index = function() return defer.await(d) end})
	print(pcall(function() return t.x end))
	print(defer.await(defer.succeed("fired ones still can")))
end)()`, "false\tattempt to yield across metamethod/C-call boundary\nfired ones still can\n"},
	{"awaits over many reactor turns", icHeader + `
local task = require("task")
local r = defer.inline_callbacks(function()
	local n = 0
	for i = 1, 300 do
		n = n + defer.await(task.defer_later(0, function() return i end))
		local ok = pcall(function() return defer.await(task.defer_later(0, error, "x")) end)
		assert(not ok)
	end
	return n
end)()
r:add_callback(function(n) print(n) reactor.stop() end)
reactor.run()`, "45150\n"},
}
