package luabind

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzInlineCallbacks runs random sequences of awaits, fires and cancels:
// three Deferreds, and inline callbacks coroutines whose bodies await them
// (plainly, under pcall, nested in another inline call, after a plain
// yield or an error), fired, failed and cancelled in random order, on a
// task.clock too. Every operation runs under pcall. It must never end in a
// Go panic or an error from inside defer.lua, and a coroutine's Deferred
// fires at most once.
//
// go test ./luabind -run '^$' -fuzz FuzzInlineCallbacks -fuzztime 60s
func FuzzInlineCallbacks(f *testing.F) {
	for _, seed := range []string{
		"\x00\x00\x01\x00\x02\x00",
		"\x00\x01\x00\x02\x03\x00\x04\x01",
		"\x05\x00\x00\x02\x06\x00\x03\x01\x02\x02",
		"\x07\x00\x08\x00\x00\x01\x04\x00\x01\x02",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		code := inlineFuzzProgram(ops)
		res := runDefer(t, code)
		if res.err != nil {
			t.Fatalf("%v\nprogram:\n%s", res.err, code)
		}
		for _, s := range []string{res.out, res.reports} {
			if strings.Contains(s, "VIOLATION") || strings.Contains(s, "defer.lua") || strings.Contains(s, "inline_callbacks.go") {
				t.Fatalf("output:\n%s\nreports:\n%s\nprogram:\n%s", res.out, res.reports, code)
			}
		}
	})
}

const inlineFuzzPrelude = `local defer = require("defer")
local task = require("task")
local clock = task.clock()
local ds = {defer.Deferred(), defer.Deferred(function() end), defer.Deferred()}
local calls = {}
local function d(i) return ds[i % #ds + 1] end
local function track(r)
	local n = 0
	r:add_both(function(v) n = n + 1 if n > 1 then print("VIOLATION: fired twice") end return v end)
	calls[#calls + 1] = r
	return r
end
local bodies = {
	function(i) return defer.await(d(i)) end,
	function(i) local ok, f = pcall(defer.await, d(i)) if not ok then f:trap("CancelledError", "string") end return defer.await(d(i + 1)) end,
	function(i) return defer.await(defer.inline_callbacks(function() return defer.await(d(i)) end)()) end,
	function(i) coroutine.yield(i) end,
	function(i) defer.await(task.defer_later(clock, i % 3, function() return i end)) error("after") end,
	function(i) for k = 1, i % 4 do defer.await(defer.succeed(k)) end return defer.await(d(i)) end,
}
`

func inlineFuzzProgram(ops []byte) string {
	var b strings.Builder
	b.WriteString(inlineFuzzPrelude)
	for i := 0; i+1 < len(ops) && i < 64; i += 2 {
		op, arg := ops[i]%10, int(ops[i+1])
		var stmt string
		switch op {
		case 0, 1:
			stmt = fmt.Sprintf("track(defer.inline_callbacks(bodies[%d])(%d))", arg%6+1, arg)
		case 2:
			stmt = fmt.Sprintf("d(%d):callback(%d)", arg, arg)
		case 3:
			stmt = fmt.Sprintf("d(%d):errback('e%d')", arg, arg)
		case 4:
			stmt = fmt.Sprintf("d(%d):cancel()", arg)
		case 5:
			stmt = fmt.Sprintf("if calls[%d] then calls[%d]:cancel() end", arg%4+1, arg%4+1)
		case 6:
			stmt = fmt.Sprintf("ds[%d] = defer.Deferred()", arg%3+1)
		case 7:
			stmt = fmt.Sprintf("clock:advance(%d)", arg%3)
		case 8:
			stmt = fmt.Sprintf("defer.await(%d)", arg)
		case 9:
			stmt = fmt.Sprintf("if calls[%d] then defer.inline_callbacks(function() return defer.await(calls[%d]) end)() end", arg%4+1, arg%4+1)
		}
		b.WriteString("pcall(function() " + stmt + " end)\n")
	}
	b.WriteString("for _, r in ipairs(calls) do r:add_errback(function() end) end\n")
	return b.String()
}
