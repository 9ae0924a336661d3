package luabind

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzDefer runs random sequences of operations on a few Deferreds:
// adding callbacks of every kind (returning, raising, recovering, failing,
// returning another Deferred), firing, cancelling (with cancellers that do
// nothing, fire or raise), pausing, lists, timeouts on a task.clock, bad
// arguments. Every operation runs under pcall. It must never end in a Go
// panic or an error from inside defer.lua, and these hold throughout:
//
//   - a callback runs at most once;
//   - the callbacks of a Deferred run in the order they were added;
//   - no callback of a Deferred runs before it is called;
//   - called is a boolean, paused a number, result nil until called.
//
// go test ./luabind -run '^$' -fuzz FuzzDefer -fuzztime 60s
func FuzzDefer(f *testing.F) {
	for _, seed := range []string{
		"\x00\x00\x00\x01\x00\x00\x06\x00\x00",
		"\x00\x00\x00\x00\x01\x00\x05\x00\x01\x06\x01\x00\x06\x00\x00",
		"\x00\x00\x02\x08\x00\x00\x06\x00\x00\x06\x00\x00",
		"\x00\x00\x00\x00\x01\x00\x0a\x00\x01\x07\x00\x00\x06\x01\x00",
		"\x00\x00\x00\x0b\x00\x03\x09\x00\x00\x0c\x00\x04\x09\x00\x01",
		"\x00\x00\x00\x00\x01\x00\x05\x00\x01\x05\x01\x00\x08\x00\x00\x06\x01\x00",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		code := deferFuzzProgram(ops)
		res := runDefer(t, code)
		if res.err != nil {
			t.Fatalf("%v\nprogram:\n%s", res.err, code)
		}
		if strings.Contains(res.out, "VIOLATION") || strings.Contains(res.out, "defer.lua") {
			t.Fatalf("output:\n%s\nprogram:\n%s", res.out, code)
		}
		if strings.Contains(res.reports, "defer.lua") {
			t.Fatalf("reports:\n%s\nprogram:\n%s", res.reports, code)
		}
	})
}

const deferFuzzPrelude = `local defer = require("defer")
local clock = require("task").clock()
local ds = {}
local ran, last, seq = {}, {}, 0
local function violation(msg) print("VIOLATION " .. msg) end
local function get(i) return ds[(i % math.max(#ds, 1)) + 1] end
local function check(d)
  if type(d.called) ~= "boolean" then violation("called is " .. type(d.called)) end
  if type(d.paused) ~= "number" then violation("paused is " .. type(d.paused)) end
  if not d.called and d.result ~= nil then violation("a result before firing") end
end
-- track returns a callback for d that checks the invariants, then does kind.
local function track(d, kind, j)
  seq = seq + 1
  local id = seq
  return function(r)
    if ran[id] then violation("callback " .. id .. " ran twice") end
    ran[id] = true
    if not d.called then violation("callback " .. id .. " ran before its Deferred fired") end
    if (last[d] or 0) > id then violation("callback " .. id .. " ran after a later one") end
    last[d] = id
    if kind == 0 then return id
    elseif kind == 1 then error("raised " .. id)
    elseif kind == 2 then return "recovered"
    elseif kind == 3 then return defer.Failure("failed " .. id)
    else return get(j) end
  end
end
local function op(fn, ...)
  local ok, err = pcall(fn, ...)
  if not ok and tostring(err):find("defer.lua", 1, true) then violation(tostring(err)) end
end
`

// deferFuzzProgram turns ops, three bytes an operation (what, i, j), into a
// Lua program over the Deferreds ds.
func deferFuzzProgram(ops []byte) string {
	var b strings.Builder
	b.WriteString(deferFuzzPrelude)
	for n := 0; n+2 < len(ops) && n < 3*64; n += 3 {
		what, i, j := ops[n]%16, int(ops[n+1]), int(ops[n+2])
		d := fmt.Sprintf("get(%d)", i)
		var line string
		switch what {
		case 0:
			cancellers := []string{"nil", "function() end", "function(d) d:callback('cancelled') end",
				"function(d) d:errback('cancel failed') end", "function() error('canceller raised') end"}
			line = fmt.Sprintf("ds[#ds + 1] = defer.Deferred(%s)", cancellers[j%len(cancellers)])
		case 1:
			line = fmt.Sprintf("op(function() local d = %s; d:add_callback(track(d, %d, %d)) end)", d, j%5, j/5)
		case 2:
			line = fmt.Sprintf("op(function() local d = %s; d:add_errback(track(d, %d, %d)) end)", d, j%5, j/5)
		case 3:
			line = fmt.Sprintf("op(function() local d = %s; d:add_both(track(d, %d, %d)) end)", d, j%5, j/5)
		case 4:
			line = fmt.Sprintf("op(function() local d = %s; d:add_callbacks(track(d, %d, 0), track(d, %d, 1)) end)", d, j%5, (j/5)%5)
		case 5:
			line = fmt.Sprintf("op(function() local d = %s; d:callback(%d) end)", d, j)
		case 6:
			line = fmt.Sprintf("op(function() local d = %s; d:errback('fired failure %d') end)", d, j)
		case 7:
			line = fmt.Sprintf("op(function() %s:cancel() end)", d)
		case 8:
			line = fmt.Sprintf("op(function() local d = %s; if %d %% 2 == 0 then d:pause() else d:unpause() end end)", d, j)
		case 9:
			opts := []string{"nil", "{consume_errors = true}", "{fire_on_one_callback = true}",
				"{fire_on_one_errback = true}", "{bogus = 1}"}
			line = fmt.Sprintf("op(function() ds[#ds + 1] = defer.DeferredList({%s, get(%d)}, %s) end)", d, j, opts[j%len(opts)])
		case 10:
			line = fmt.Sprintf("op(function() ds[#ds + 1] = defer.gather_results({%s, get(%d)}, {consume_errors = %v}) end)", d, j, j%2 == 0)
		case 11:
			line = fmt.Sprintf("op(function() %s:add_timeout(%d, clock) end)", d, j%4)
		case 12:
			line = fmt.Sprintf("op(clock.advance, clock, %d)", j%3)
		case 13:
			line = fmt.Sprintf("op(function() local d = %s; tostring(d); check(d) end)", d)
		case 14:
			bad := []string{"d:add_callback(nil)", "d:add_callbacks(print, 1)", "d:errback()", "d.callback(1)",
				"d:callback(d)", "d:add_callbacks(print, nil, {callback_args = 1})", "d:no_such_method()", "d:add_timeout(0/0)"}
			line = fmt.Sprintf("op(function() local d = %s; %s end)", d, bad[j%len(bad)])
		case 15:
			if j%2 == 0 {
				line = fmt.Sprintf("op(function() ds[#ds + 1] = defer.maybe_deferred(function() return get(%d) end) end)", j)
			} else {
				line = fmt.Sprintf("op(function() %s:chain_deferred(get(%d)) end)", d, j)
			}
		}
		b.WriteString(line)
		b.WriteString("\nfor _, d in ipairs(ds) do check(d) end\n")
	}
	return b.String()
}
