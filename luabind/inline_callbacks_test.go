package luabind

import (
	"runtime"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// icHeader is the first line of each case; its code starts on line 2.
const icHeader = "local defer = require('defer'); local reactor = require('reactor')"

func TestInlineCallbacks(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"runs synchronously up to the first await of an unfired Deferred", icHeader + `
local d = defer.Deferred()
local f = defer.inline_callbacks(function(a, b)
	print("start", a, b)
	print("got", defer.await(d))
	return "end"
end)
local r = f(1, 2)
print("returned", r.called)
d:callback("v")
print(r.called, r.result, d.result)`, "start\t1\t2\nreturned\tfalse\ngot\tv\ntrue\tend\tnil\n"},
		{"a non-Deferred is returned at once, nil and several values too", icHeader + `
defer.inline_callbacks(function()
	print(defer.await(1), defer.await("s"), defer.await(nil), select("#", defer.await()))
	local t = {}
	print(defer.await(t) == t)
end)()`, "1\ts\tnil\t1\ntrue\n"},
		{"a fired Deferred continues without a reactor turn", icHeader + `
reactor.call_later(0, function() print("turn") end)
local r = defer.inline_callbacks(function()
	print(defer.await(defer.succeed(1)))
	local ok, f = pcall(defer.await, defer.fail("e"))
	print(ok, f.value)
	local d = defer.succeed(2)
	d:add_callback(function(x) return x * 10 end)
	print(defer.await(d), d.result)
	return 3
end)()
print("called", r.called, r.result)`, "1\nfalse\te\n20\tnil\ncalled\ttrue\t3\n"},
		{"the first return value fires the Deferred", icHeader + `
defer.inline_callbacks(function() return "a", "b" end)():add_callback(function(...) print(select("#", ...), ...) end)
defer.inline_callbacks(function() end)():add_callback(function(...) print(select("#", ...), ...) end)`,
			"1\ta\n1\tnil\n"},
		{"arguments, nils counted, reach the function", icHeader + `
defer.inline_callbacks(function(...) print(select("#", ...), ...) end)(nil, 2, nil)`, "3\tnil\t2\tnil\n"},
		{"an error before any await gives a failed Deferred", icHeader + `
local r = defer.inline_callbacks(function() error("early") end)()
print(r.called)
r:add_errback(function(f) print(f.type, f.value) end)`, "true\nstring\ttest.lua:2: early\n"},
		{"an uncaught error errbacks with its traceback", icHeader + `
local d = defer.Deferred()
local r = defer.inline_callbacks(function()
	defer.await(d)
	error({code = 7})
end)()
r:add_errback(function(f) print(f.type, f.value.code); print(f.traceback) end)
d:callback(1)`, "table\t7\nstack traceback:\n\t[C]: in function 'error'\n\ttest.lua:5: in function <test.lua:3>\n"},
		{"an awaited failure not caught shows the await line, then where it was raised", icHeader + `
local d = defer.Deferred()
d:add_callback(function() error("deep") end)
local r = defer.inline_callbacks(function()
	local x = 1
	defer.await(d)
end)()
r:add_errback(function(f) print(f.value); print(f.traceback) end)
d:callback(1)`, "test.lua:3: deep\nstack traceback:\n\ttest.lua:6: in function <test.lua:4>\n" +
			"\t--- <awaited Failure, first raised at:> ---\n\t[C]: in function 'error'\n\ttest.lua:3: in function 'callback'\n\ttest.lua:9: in main chunk\n"},
		{"a Failure raised again elsewhere shows that line", icHeader + `
local r = defer.inline_callbacks(function()
	local ok, f = pcall(defer.await, defer.fail("x"))
	print(ok, f:check("string"), f:check("table"))
	f:raise()
end)()
r:add_errback(function(f) print(f.value); print(f.traceback) end)`,
			"false\tstring\tnil\nx\nstack traceback:\n\ttest.lua:5: in function <test.lua:2>\n"},
		{"pcall around await catches the Failure itself; trap re-raises it", icHeader + `
local d1, d2 = defer.Deferred(), defer.Deferred()
local f1
local r = defer.inline_callbacks(function()
	local ok, f = pcall(defer.await, d1)
	f1 = f
	print(ok, getmetatable(f) == defer.Failure, f:trap("string"))
	local ok2, g = pcall(function()
		local ok3, h = pcall(defer.await, d2)
		h:trap("CancelledError")
	end)
	print(ok2, g.value)
	return "done"
end)()
d1:errback("e1")
print(d1.result)
d2:errback("e2")
print(r.result)`, "false\ttrue\tstring\nnil\nfalse\te2\ndone\n"},
		{"await inside a nested pcall and xpcall in a loop of reactor turns", icHeader + `
local n = 0
local r = defer.inline_callbacks(function()
	for i = 1, 3 do
		local d = defer.Deferred()
		reactor.call_later(i, function() d:callback(i) end)
		local ok, v = xpcall(function() return select(2, pcall(defer.await, d)) end, print)
		n = n + v
	end
	print("sum", n, reactor.seconds())
	reactor.stop()
end)()
reactor.run()`, "sum\t6\t6\n"},
		{"a Deferred fired from a reactor callback resumes the coroutine there", icHeader + `
local r = defer.inline_callbacks(function()
	local d = defer.Deferred()
	reactor.call_later(5, d.callback, d, 2)
	local v = defer.await(d)
	print("got", v, reactor.seconds())
	local e = defer.Deferred()
	reactor.call_later(5, function() e:errback(defer.error_class("Boom")("3")) end)
	local ok, f = pcall(defer.await, e)
	print("got", f.type, f.value, reactor.seconds())
	reactor.stop()
end)()
reactor.run()`, "got\t2\t5\ngot\tBoom\tBoom: 3\t10\n"},
		{"nested inline_callbacks await each other", icHeader + `
local inner = defer.inline_callbacks(function(x)
	local d = defer.Deferred()
	reactor.call_later(1, function() d:callback(x * 2) end)
	return defer.await(d) + 1
end)
local failing = defer.inline_callbacks(function()
	defer.await(inner(0))
	error("inner failed")
end)
local outer = defer.inline_callbacks(function()
	local a = defer.await(inner(1))
	local b = defer.await(inner(a))
	local ok, f = pcall(defer.await, failing())
	return a .. " " .. b .. " " .. tostring(f.value)
end)
outer():add_callback(function(v) print(v); reactor.stop() end)
reactor.run()`, "3 7 test.lua:9: inner failed\n"},
		{"cancel cancels the awaited Deferred: CancelledError at the await", icHeader + `
local d = defer.Deferred(function() print("canceller of d") end)
local r = defer.inline_callbacks(function()
	local ok, f = pcall(defer.await, d)
	print("at the await", ok, f.type)
	local e = defer.Deferred()
	reactor.call_later(1, function() e:callback("after") end)
	return defer.await(e)
end)()
r:add_callback(function(v) print("result", v); reactor.stop() end)
r:cancel()
print("cancelled", d.called)
reactor.run()`, "canceller of d\nat the await\tfalse\tCancelledError\ncancelled\ttrue\nresult\tafter\n"},
		{"a cancel not caught fails the Deferred with CancelledError", icHeader + `
local r = defer.inline_callbacks(function() defer.await(defer.Deferred()) end)()
r:add_errback(function(f) print(f.type); print(f.traceback) end)
r:cancel()
r:cancel()`, "CancelledError\nstack traceback:\n\ttest.lua:2: in function <test.lua:2>\n"},
		{"cancelling twice reaches the second await", icHeader + `
local r = defer.inline_callbacks(function()
	print(pcall(defer.await, defer.Deferred()))
	print((select(2, pcall(defer.await, defer.Deferred()))).type)
	return "survived"
end)()
r:cancel()
r:cancel()
print(r.result)`, "false\t[Failure instance: Traceback (failure with no frames): <class 'CancelledError'>: \n]\nCancelledError\nsurvived\n"},
		{"cancelling a fired inline Deferred does nothing", icHeader + `
local r = defer.inline_callbacks(function() return 1 end)()
r:cancel()
print(r.result)`, "1\n"},
		{"await outside an inline_callbacks function raises", icHeader + `
print(pcall(function() defer.await(1) end))
local co = coroutine.wrap(function() return pcall(function() defer.await(2) end) end)
print(co())
defer.inline_callbacks(function()
	local g = coroutine.wrap(function() return pcall(defer.await, 3) end)
	print(g())
	local d = defer.succeed(4)
	d:add_callback(function(v) print(defer.await(v)) end)
end)()`, "false\ttest.lua:2: attempt to await outside an inline_callbacks function\n" +
			"false\ttest.lua:3: attempt to await outside an inline_callbacks function\n" +
			"false\tattempt to await outside an inline_callbacks function\n4\n"},
		// The same sub-thread (from the pool) runs both pcalls' functions:
		// what await_now found for the first must not answer for the second.
		{"await in a coroutine made inside one raises after an await there", icHeader + `
defer.inline_callbacks(function()
	print(pcall(function() return defer.await(defer.succeed(1)) end))
	local g = coroutine.wrap(function() return pcall(defer.await, defer.succeed(2)) end)
	print(g())
	print(pcall(function() return defer.await(defer.succeed(3)) end))
end)()`, "true\t1\nfalse\tattempt to await outside an inline_callbacks function\ntrue\t3\n"},
		{"a plain coroutine.yield fails the call with a clear message", icHeader + `
local r = defer.inline_callbacks(function()
	coroutine.yield(1)
	print("never")
end)()
r:add_errback(function(f) print(f.value); print(f.traceback) end)`,
			"attempt to yield from an inline_callbacks function (use defer.await to wait for a Deferred)\n" +
				"stack traceback:\n\ttest.lua:3: in function <test.lua:2>\n"},
		{"resuming the coroutine by hand does not end the await", icHeader + `
local co
local d = defer.Deferred()
local r = defer.inline_callbacks(function()
	co = coroutine.running()
	return defer.await(d)
end)()
print(coroutine.resume(co, "intruder") == true, r.called)
d:callback("real")
print(r.result)`, "true\tfalse\nreal\n"},
		{"a failure nothing handles is reported with the line", icHeader + `
local d = defer.Deferred()
defer.inline_callbacks(function()
	defer.await(d)
end)()
d:errback("lost")`, "", "Unhandled error in Deferred:\nFailure: string: lost\nstack traceback:\n\ttest.lua:4: in function <test.lua:3>"},
		{"the awaited Deferred's failure counts as handled", icHeader + `
local d = defer.Deferred()
defer.inline_callbacks(function() pcall(defer.await, d) end)()
d:errback("caught")`, ""},
		{"inline_callbacks checks its argument", icHeader + `
print(pcall(defer.inline_callbacks, 1))
print(pcall(defer.inline_callbacks))`,
			"false\tbad argument #1 to 'inline_callbacks' (function expected, got number)\n" +
				"false\tbad argument #1 to 'inline_callbacks' (function expected, got nil)\n"},
		{"100,000 awaits of fired Deferreds", icHeader + `
local n = 0
local r = defer.inline_callbacks(function()
	for i = 1, 100000 do
		n = n + defer.await(defer.succeed(1))
		local ok = pcall(defer.await, defer.fail("e"))
	end
	return n
end)()
print(r.result)`, "100000\n"},
	})
}

// TestInlineCallbacksFiredAwaitsKeepTheStack checks that the Go stack and
// the coroutine's Lua stack are as deep at the 100,000th await of a fired
// Deferred as at the first, both for a Deferred with nothing left to run
// and for one whose chain the await itself has to run.
func TestInlineCallbacksFiredAwaitsKeepTheStack(t *testing.T) {
	for _, tc := range []struct{ name, deferred string }{
		{"succeed", "defer.succeed(i)"},
		{"paused then unpaused", "(function() local d = defer.succeed(i); d:pause(); d:unpause(); return d end)()"},
		{"a chain returning a fired Deferred", "defer.succeed(i):add_callback(function(x) return defer.succeed(x) end)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			rt := Open(L, Config{})
			defer rt.Close()
			var depths [][2]int
			L.SetGlobal("depth", L.NewFunction(func(L *lua.LState) int {
				var pcs [4096]uintptr
				luaDepth := 0
				for {
					if _, ok := L.GetStack(luaDepth); !ok {
						break
					}
					luaDepth++
				}
				depths = append(depths, [2]int{runtime.Callers(0, pcs[:]), luaDepth})
				return 0
			}))
			err := L.DoString(`local defer = require("defer")
				local r = defer.inline_callbacks(function()
					for i = 1, 100000 do
						assert(defer.await(` + tc.deferred + `) == i)
						if i == 1 or i == 100000 then depth() end
					end
					return "done"
				end)()
				assert(r.result == "done", tostring(r.result))`)
			if err != nil {
				t.Fatal(err)
			}
			if len(depths) != 2 || depths[0] != depths[1] {
				t.Fatalf("stack depths (Go, Lua) at the first and last await: %v", depths)
			}
		})
	}
}

func TestDeferLater(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"fires with fn's result after the delay", icHeader + `
local task = require("task")
local d = task.defer_later(2, function(a, b) print("call", a, b, reactor.seconds()) return a + b end, 1, 2)
print(d.called)
d:add_callback(function(v) print("result", v); reactor.stop() end)
reactor.run()`, "false\ncall\t1\t2\t2\nresult\t3\n"},
		{"fails with fn's error and traceback", icHeader + `
local task = require("task")
task.defer_later(0, function() error("late") end):add_errback(function(f)
	print(f.value); print(f.traceback); reactor.stop()
end)
reactor.run()`, "test.lua:3: late\nstack traceback:\n\t[C]: in function 'error'\n\ttest.lua:3: in function <test.lua:3>\n" +
			"\t[C]: in function 'run'\n\ttest.lua:6: in main chunk\n"},
		{"a Deferred fn returns is chained", icHeader + `
local task = require("task")
task.defer_later(1, function() return task.defer_later(1, function() return "inner" end) end)
	:add_callback(function(v) print(v, reactor.seconds()); reactor.stop() end)
reactor.run()`, "inner\t2\n"},
		{"cancel stops the call", icHeader + `
local task = require("task")
local d = task.defer_later(1, function() print("never") end)
d:add_errback(function(f) print(f.type) end)
d:cancel()
reactor.call_later(2, reactor.stop)
reactor.run()`, "CancelledError\n"},
		{"on a task.clock", icHeader + `
local task = require("task")
local clock = task.clock()
local d = task.defer_later(clock, 3, function(x) return x end, "ticked")
clock:advance(2)
print(d.called)
clock:advance(1)
print(d.called, d.result)`, "false\ntrue\tticked\n"},
		{"awaited in inline callbacks", icHeader + `
local task = require("task")
defer.inline_callbacks(function()
	print(defer.await(task.defer_later(1, function() return "one" end)), reactor.seconds())
	reactor.stop()
end)()
reactor.run()`, "one\t1\n"},
		{"bad arguments", icHeader + `
local task = require("task")
print(pcall(task.defer_later, "x"))
print(pcall(task.defer_later, 1))
print(pcall(task.defer_later, task.clock(), -1, print))`,
			"false\ttest.lua:3: bad argument #1 to 'defer_later' (number expected, got string)\n" +
				"false\ttest.lua:4: bad argument #2 to 'defer_later' (function expected, got no value)\n" +
				"false\ttest.lua:5: bad argument #2 to 'defer_later' (non-negative number expected, got -1)\n"},
	})
}

// TestInlineCallbacksNoReport checks that the outer Deferred of a call
// whose failure is handled leaves nothing to report.
func TestInlineCallbacksHandledLeavesNoReport(t *testing.T) {
	res := runDefer(t, icHeader+`
local r = defer.inline_callbacks(function() error("x") end)()
r:add_errback(function() end)`)
	if res.err != nil || res.unhandled != 0 || strings.TrimSpace(res.reports) != "" {
		t.Fatalf("err %v, %d unhandled, reports %q", res.err, res.unhandled, res.reports)
	}
}
