package luabind

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestDeferredFieldsWithoutACall pins that a Deferred's methods and live
// slots are found by the VM in place (luastate.SetFastIndex) rather than by
// calling its __index: a fired chain step, d:add_callback(inc), allocates
// nothing, and neither does reading d.called or d.result. Through the call,
// gopher-lua boxed the field's name, one allocation per lookup.
func TestDeferredFieldsWithoutACall(t *testing.T) {
	for _, tc := range []struct {
		name, step, result string
		want               lua.LNumber // the result at the end
	}{
		{"a step on a fired Deferred", "d:add_callback(inc)", "d.result", runsPerAllocTest + 1},
		{"its live slots", "assert(d.called) local r = d.result local p = d.paused", "d.result", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, _, _ := testState(t, Config{})
			if err := L.DoString(`
				local defer = require("defer")
				local d = defer.succeed(0)
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
			if allocs != 0 {
				t.Errorf("%s allocates %v times, want 0", tc.step, allocs)
			}
			L.Push(L.GetGlobal("result"))
			L.Call(0, 1)
			if got := L.Get(-1); got != tc.want {
				t.Errorf("the chain ended with %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDeferredFieldErrorsAsBefore: a field a Deferred has not is still
// looked up by calling its __index, so the error is positioned at the
// script's line and its traceback keeps the function's frame ("[C]: in ?"),
// as before the VM found fields in place.
func TestDeferredFieldErrorsAsBefore(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"in a callback", header + `
local d = defer.Deferred()
local function read(v) return d.reslt end
d:add_callback(read)
d:add_errback(function(f) print(tostring(f)) end)
d:callback("x")`, "[Failure instance: Traceback: <class 'string'>: test.lua:4: " +
			"Deferred has no field 'reslt' (did you mean 'result'?)\nstack traceback:\n" +
			"\t[C]: in ?\n\ttest.lua:4: in function 'callback'\n\ttest.lua:7: in main chunk\n]\n"},
		{"a method", header + `
local d = defer.succeed(1)
print(pcall(function() d:add_callbak(print) end))`,
			"false\ttest.lua:4: Deferred has no field 'add_callbak' (did you mean 'add_callback'?)\n"},
	})
}
