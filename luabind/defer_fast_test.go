package luabind

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestCallbackNowMatchesTheLoop runs each callback on a fired Deferred twice:
// added while the Deferred has nothing queued, so it runs at once through
// the Go add_callback (defer_fast.go), and added while the Deferred is paused, so
// it runs in lua/defer.lua's loop at the unpause, on the same line. The
// output, the reports (tracebacks included) and the unhandled count must
// not tell the two apart. ADD is replaced by the line that adds cb to d.
func TestCallbackNowMatchesTheLoop(t *testing.T) {
	const fast, loop = "d:add_callback(cb)", "d:pause() d:add_callback(cb) d:unpause()"
	tests := []struct{ name, code string }{
		{"a value", `local d = defer.succeed(1)
local function cb(v) return v + 1 end
ADD
print(d.result, tostring(d))`},
		{"nil", `local d = defer.succeed(1)
local function cb(v) end
ADD
print(d.result, tostring(d), d.called)`},
		{"an error, taken by an errback", `local d = defer.succeed(1)
local function cb(v) error("boom " .. v) end
ADD
d:add_errback(function(f) print(f.type, f:get_error_message()) print(f.traceback) return "ok" end)
print(d.result)`},
		{"an error left unhandled", `local d = defer.succeed(1)
local function cb(v) local t = nil; return t.x end
ADD
print(tostring(d))`},
		{"an error value that is a table", `local d = defer.succeed(1)
local function cb(v) error({code = 7}) end
ADD
d:add_errback(function(f) print(f.type, f.value.code) end)`},
		{"a returned Failure", `local d = defer.succeed(1)
local function cb(v) return defer.Failure("bad " .. v) end
ADD
print(tostring(d))
d:add_errback(function(f) print("errback", f.value) end)
print(tostring(d))`},
		{"a returned Deferred with no result", `local d = defer.succeed(1)
local inner = defer.Deferred()
local function cb(v) return inner end
ADD
d:add_callback(function(v) print("after", v) return v * 2 end)
print(tostring(d), d.paused)
inner:callback(5)
print(d.result, inner.result, tostring(d), d.paused)`},
		{"a returned Deferred that has fired", `local d = defer.succeed(1)
local function cb(v) return defer.succeed(v + 6) end
ADD
print(d.result, tostring(d))`},
		{"a returned Deferred that has failed", `local d = defer.succeed(1)
local function cb(v) return defer.fail("late " .. v) end
ADD
print(tostring(d))`},
		{"a returned Deferred that is paused", `local d = defer.succeed(1)
local inner = defer.succeed(3)
inner:pause()
local function cb(v) return inner end
ADD
print(tostring(d), d.paused)
inner:unpause()
print(d.result, tostring(d))`},
		{"callbacks added to d inside the callback", `local d = defer.succeed(1)
local function cb(v)
	d:add_callback(function(x) print("inner", x) return x * 10 end)
	return v + 1
end
ADD
print(d.result)`},
		{"an error after callbacks added inside", `local d = defer.succeed(1)
local function cb(v)
	d:add_errback(function(f) print("caught", f.value) return "fine" end)
	error("late", 0)
end
ADD
print(d.result)`},
		{"a pause inside the callback", `local d = defer.succeed(1)
local function cb(v)
	d:pause()
	d:add_callback(function(x) print("resumed", x) return x + 1 end)
	return v + 1
end
ADD
print(d.result, d.paused)
d:unpause()
print(d.result, d.paused)`},
		{"firing d again inside", `local d = defer.succeed(1)
local function cb(v) d:callback(2) end
ADD
d:add_errback(function(f) print(f.type, f:get_error_message()) end)`},
		{"another fired Deferred's callback inside", `local d, e = defer.succeed(1), defer.succeed(10)
local function cb(v)
	e:add_callback(function(x) return x + v end)
	return v + 1
end
ADD
print(d.result, e.result)`},
		{"a Deferred waiting on this one", `local d = defer.succeed(1)
local outer = defer.succeed(0)
outer:add_callback(function() return d end)
print(tostring(outer))
local function cb(v) return v + 1 end
ADD
print(tostring(d), tostring(outer))`},
		{"a callable table", `local d = defer.succeed(1)
local cb = setmetatable({}, {__call = function(self, v) print("called", v) return v + 1 end})
ADD
print(d.result, tostring(d))`},
		{"a Go function", `local d = defer.succeed("x")
local cb = tostring
ADD
print(d.result)`},
		{"an error in a callback that another one runs at once", `local d, e = defer.succeed(1), defer.succeed(2)
local function inner(x) error("deep " .. x) end
local function cb(v)
	e:add_callback(inner)
	e:add_errback(function(f) print(f.traceback) end)
	return v
end
ADD
print(d.result)`},
		{"an error in a callback deeper down", `local d = defer.succeed(1)
local function deeper(v) error("down " .. v) end
local function cb(v) return deeper(v) end
ADD
d:add_errback(function(f) print(f.traceback) end)`},
		{"a recovered failure", `local d = defer.fail("first")
d:add_errback(function(f) return "recovered" end)
local function cb(v) return v .. "!" end
ADD
print(d.result)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code := header + strings.Replace(tc.code, "ADD", fast, 1)
			got := runDefer(t, code)
			want := runDefer(t, header+strings.Replace(tc.code, "ADD", loop, 1))
			if (got.err == nil) != (want.err == nil) || got.out != want.out || got.reports != want.reports ||
				got.unhandled != want.unhandled {
				t.Errorf("at once:\n%s%v\n%s(%d unhandled)\nin the loop:\n%s%v\n%s(%d unhandled)",
					got.out, got.err, got.reports, got.unhandled, want.out, want.err, want.reports, want.unhandled)
			}
		})
	}
}

// TestAddCallbackAllocations pins what d:add_callback(inc) allocates: on a
// fired Deferred with inc's run (a chain step), on one not fired yet (the
// chain's growth amortized away), and on a Deferred defer.succeed has just
// made (its table and the table's array, and nothing for the step: clearing
// the chained_to slot, past the seven slots succeed makes, grew the array
// once per Deferred). The VM finds the method without calling the
// Deferred's __index (internal/luastate's SetFastIndex), which boxed its
// name: one allocation more per step before; the Lua add_callback that
// used to wrap the method took another, for its varargs.
func TestAddCallbackAllocations(t *testing.T) {
	for _, tc := range []struct {
		name, deferred, step, result string
		want                         lua.LNumber // the result at the end
		max                          float64     // allocations per step
	}{
		{"a step on a fired Deferred", "defer.succeed(0)", "d:add_callback(inc)", "d.result", runsPerAllocTest + 1, 0},
		{"queued on one not fired", "defer.Deferred()", "d:add_callback(inc)",
			"(function() d:callback(0) return d.result end)()", runsPerAllocTest + 1, 0},
		{"a step on a new defer.succeed", "nil", "last = defer.succeed(0):add_callback(inc)", "last.result", 1, 2},
		// d.called, d.result and d.paused are read in place too (gopher-lua
		// boxed each name when the lookup called __index).
		{"reading the live slots", "defer.succeed(0)", "assert(d.called) local r = d.result local p = d.paused", "d.result", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, _, _ := testState(t, Config{})
			if err := L.DoString(`
				local defer = require("defer")
				local d = ` + tc.deferred + `
				local function inc(v) return v + 1 end
				function step() ` + tc.step + ` end
				function result() return ` + tc.result + ` end`); err != nil {
				t.Fatal(err)
			}
			step := L.GetGlobal("step")
			allocs := testing.AllocsPerRun(runsPerAllocTest, func() {
				L.Push(step)
				L.Call(0, 0)
			})
			if allocs > tc.max {
				t.Errorf("add_callback allocates %v times, want at most %v", allocs, tc.max)
			}
			L.Push(L.GetGlobal("result"))
			L.Call(0, 1)
			if got := L.Get(-1); got != tc.want {
				t.Errorf("the chain ended with %v, want %v", got, tc.want)
			}
		})
	}
}

// runsPerAllocTest is how many steps an allocation test averages over.
const runsPerAllocTest = 5000

// TestAwaitAllocations pins what await(succeed(i)) allocates in an inline
// callbacks function: the Deferred succeed makes (its table and the table's
// array, in one allocation), and nothing for the await.
func TestAwaitAllocations(t *testing.T) {
	L, _, _ := testState(t, Config{})
	if err := L.DoString(`
		local defer = require("defer")
		local await, succeed = defer.await, defer.succeed
		local awaits = defer.inline_callbacks(function(n)
			local sum = 0
			for i = 1, n do sum = sum + await(succeed(i)) end
			return sum
		end)
		function run(n)
			local d = awaits(n)
			assert(d.result == n * (n + 1) / 2, tostring(d))
		end`); err != nil {
		t.Fatal(err)
	}
	run := func(n int) float64 {
		return testing.AllocsPerRun(5, func() {
			L.Push(L.GetGlobal("run"))
			L.Push(lua.LNumber(n))
			L.Call(1, 0)
		})
	}
	const n = 4000
	perAwait := (run(n) - run(0)) / n
	if perAwait > 1.1 {
		t.Errorf("await(succeed(i)) allocates %.2f times, want at most 1", perAwait)
	}
}

// TestSucceed pins what defer.succeed makes now that Go builds it.
func TestSucceed(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"a value, nil, no value", header + `
for _, d in ipairs({defer.succeed(1), defer.succeed(nil), defer.succeed()}) do
	print(d.called, d.result, d.paused, tostring(d))
end`, "true\t1\t0\t<Deferred at 0xADDR current result: 1>\n" +
			"true\tnil\t0\t<Deferred at 0xADDR current result: nil>\n" +
			"true\tnil\t0\t<Deferred at 0xADDR current result: nil>\n"},
		{"a Deferred is refused at the caller's line", header + `
print(pcall(defer.succeed, defer.Deferred()))
print(pcall(function() local d = defer.succeed(defer.Deferred()) return d end))`,
			"false\tbad argument #1 to 'succeed' (a Deferred cannot be a result)\n" +
				"false\ttest.lua:4: bad argument #1 to 'succeed' (a Deferred cannot be a result)\n"},
		{"a Failure is the errbacks' and unhandled until one takes it", header + `
local d = defer.succeed(defer.Failure("x"))
d:add_errback(function(f) print("errback", f.value) return 3 end)
print(d.result)
defer.succeed(defer.Failure("left"))`, "errback\tx\n3\n", "Unhandled error in Deferred:\nFailure: string: left"},
		{"callbacks run on it at once", header + `
local d = defer.succeed(2)
d:add_callback(function(v) return v * 5 end)
print(d.result)`, "10\n"},
		// The slots succeed makes come in one block with the table: a chain
		// queued past them grows the table as any other.
		{"a chain queued on it grows past its first slots", header + `
local d = defer.succeed(1)
d:pause()
for i = 1, 5 do d:add_callback(function(v) return v * 10 + i end) end
d:add_both(function(v, x) return v .. x end, "!")
print(d.paused, d.result, #d > 7)
d:unpause()
print(d.paused, d.result, tostring(d))
local n = 0
for k in pairs(d) do n = n + 1 end
print(n > 7)`, "1\t1\ttrue\n0\t112345!\t<Deferred at 0xADDR current result: \"112345!\">\ntrue\n"},
	})
}

// TestFiredPathsAreGoFunctions pins the shape of the hot paths of W13:
// d:add_callback, defer.succeed and defer.await are the Go functions
// themselves, so a step on a fired Deferred costs one Go call around the
// callback, and an await(succeed(i)) two Go calls and no Lua call. A Lua
// function put back around any of them (to check an argument, say) would
// cost a Lua call per step again: a fifth of a step, a fifth of an await.
func TestFiredPathsAreGoFunctions(t *testing.T) {
	L, _, _ := testState(t, Config{})
	if err := L.DoString(`
		local defer = require("defer")
		add_callback, succeed, await = defer.succeed(1).add_callback, defer.succeed, defer.await`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"add_callback", "succeed", "await"} {
		fn, ok := L.GetGlobal(name).(*lua.LFunction)
		if !ok || !fn.IsG {
			t.Errorf("%s is %v, want a Go function", name, L.GetGlobal(name))
		}
	}
}

// TestAwaitRemembersItsThread pins await_now's memory of the thread it found
// running in the driver's coroutine: an await after the first in the same
// coroutine finds it there (not asking the sub-threads again, a sixth of
// await_now's time), and once the driver's resume returns (here with the
// coroutine waiting on a Deferred not fired yet), nothing is kept: neither
// thread stays alive for it.
func TestAwaitRemembersItsThread(t *testing.T) {
	L, rt, _ := testState(t, Config{})
	L.SetGlobal("remembered", L.NewFunction(func(L *lua.LState) int {
		s := &rt.deferred
		L.Push(lua.LBool(s.awaitThread == L && s.awaitCurrent == rt.visibleThread(L)))
		return 1
	}))
	holds := func() bool { return rt.deferred.awaitThread != nil || rt.deferred.awaitCurrent != nil }
	if err := L.DoString(`
		local defer = require("defer")
		later = defer.Deferred()
		local d = defer.inline_callbacks(function()
			local seen = {remembered()}
			defer.await(defer.succeed(1))
			seen[2] = remembered()
			defer.await(defer.succeed(2))
			seen[3] = remembered()
			defer.await(later)
			defer.await(defer.succeed(3))
			seen[4] = remembered()
			for i = 1, 4 do seen[i] = tostring(seen[i]) end
			return table.concat(seen, " ")
		end)()
		function result() return d.result end`); err != nil {
		t.Fatal(err)
	}
	if holds() {
		t.Errorf("with the coroutine waiting, await_now still holds %p and %p", rt.deferred.awaitThread, rt.deferred.awaitCurrent)
	}
	if err := L.DoString(`later:callback(0)`); err != nil {
		t.Fatal(err)
	}
	L.Push(L.GetGlobal("result"))
	L.Call(0, 1)
	if got := L.Get(-1).String(); got != "false true true true" {
		t.Errorf("remembered before an await, after one, two and three: %s, want false true true true", got)
	}
	if holds() {
		t.Errorf("after the coroutine ended, await_now still holds %p and %p", rt.deferred.awaitThread, rt.deferred.awaitCurrent)
	}
}

// TestCallAtOnceErrorsAsTheRunLoop: an error in a callback that add_callback
// runs at once (luastate.ProtectedCall, no runner) reaches the errback with
// the value, message and traceback the run loop gives it (the same callback
// added to an unfired Deferred, then fired, on the same line): a Lua error,
// a table error, a Go panic in a Go function the callback calls, with and
// without IncludeGoStackTrace, and a stack overflow in a coroutine; and the
// upvalues of the frames the error ended are closed as Lua closes them.
//
// Two differences are the run loop's and are left out: gopher-lua's
// traceback of a Go panic shows the loop's runner ("[C]: in function
// (anonymous)"), and a stack overflow's traceback, cut to its first and last
// frames, ends differently under the loop's extra frames (only the message
// is compared there).
func TestCallAtOnceErrorsAsTheRunLoop(t *testing.T) {
	const runnerLine = "\t[C]: in function (anonymous)\n"
	for _, tc := range []struct {
		name, callback string
		goTrace        bool
		messageOnly    bool
	}{
		{"error", `function(v) error("boom " .. v) end`, false, false},
		{"a table", `function(v) error({code = v}) end`, false, false},
		{"a Go panic", `function(v) return gopanic(v) end`, false, false},
		{"a Go panic, Go trace on", `function(v) return gopanic(v) end`, true, false},
		{"upvalues", `function(v)
			local x = v
			keep = function() return x end
			error("with upvalue")
		end`, false, false},
		{"stack overflow in a coroutine", `function(v)
			local function deep(n) return 1 + deep(n + 1) end
			return deep(v)
		end`, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, _, out := testState(t, Config{})
			L.Options.IncludeGoStackTrace = tc.goTrace
			L.SetGlobal("gopanic", L.NewFunction(func(L *lua.LState) int {
				var m map[string]int
				m["x"] = L.CheckInt(1) // a nil map: Go's runtime panics
				return 0
			}))
			src := `local defer = require("defer")
local cb = ` + tc.callback + `
local function run(fired)
	local d = fired and defer.succeed(1) or defer.Deferred()
	d:add_callback(cb) if not fired then d:callback(1) end
	d:add_errback(function(f)
		local v = f.value
		if type(v) == "table" then v = "code " .. tostring(v.code) end
		print(v)
		print(f.traceback)
		if keep then print("upvalue", keep()) keep = nil end
	end)
end
local co = coroutine.create(function() run(true) print("--") run(false) end)
assert(coroutine.resume(co))`
			if err := L.DoString(src); err != nil {
				t.Fatal(err)
			}
			fast, slow, found := strings.Cut(out.String(), "--\n")
			if !found || fast == "" {
				t.Fatalf("output %q", out.String())
			}
			slow = strings.ReplaceAll(slow, runnerLine, "")
			if tc.messageOnly {
				fast, _, _ = strings.Cut(fast, "\n")
				slow, _, _ = strings.Cut(slow, "\n")
			}
			if fast != slow {
				t.Errorf("at once:\n%s\nby the run loop:\n%s", fast, slow)
			}
		})
	}
}

// TestCallAtOnceFrames pins the frames of a step: a callback add_callback
// runs at once is called by add_callback itself, one Go frame, with no
// runner between them (the step is one Go call and one Lua call).
func TestCallAtOnceFrames(t *testing.T) {
	L, _, _ := testState(t, Config{})
	L.SetGlobal("depth", L.NewFunction(func(L *lua.LState) int {
		n := 0
		for {
			if _, ok := L.GetStack(n); !ok {
				break
			}
			n++
		}
		L.Push(lua.LNumber(n))
		return 1
	}))
	if err := L.DoString(`
		local d = require("defer").succeed(0)
		local here = depth()
		local inside
		d:add_callback(function() inside = depth() end)
		result = inside - here`); err != nil {
		t.Fatal(err)
	}
	// here counts depth's own frame; inside counts it, the callback and
	// add_callback.
	if got := L.GetGlobal("result"); got != lua.LNumber(2) {
		t.Errorf("the callback runs %v frames above add_callback's caller, want 2", got)
	}
}
