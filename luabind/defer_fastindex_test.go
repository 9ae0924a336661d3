package luabind

import (
	"testing"
)

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
