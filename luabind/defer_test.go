package luabind

import (
	"regexp"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/reactor"
)

// deferRun is what a chunk did: its output, and the reports written after
// it, callback errors and the unhandled failures ReportUnhandled found.
type deferRun struct {
	out, reports string
	err          error
	unhandled    int
}

// runDefer runs code as "test.lua" on a virtual clock, as runLua does, then
// reports the unhandled failures as the host does at the end of a run.
// Addresses (0x...) read 0xADDR, so outputs can be compared.
func runDefer(t testing.TB, code string) deferRun {
	t.Helper()
	return runDeferOn(t, Config{}, code)
}

// runDeferOn is runDefer on a runtime opened with cfg, its Clock and
// OnError replaced.
func runDeferOn(t testing.TB, cfg Config, code string) deferRun {
	t.Helper()
	var reports strings.Builder
	cfg.Clock = reactor.NewVirtualClock()
	cfg.OnError = func(e *CallbackError) { reports.WriteString(e.Report()) }
	L, rt, out := testState(t, cfg)
	fn, err := L.Load(strings.NewReader(code), "test.lua")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	var res deferRun
	res.err = rt.PCall(fn)
	res.unhandled = rt.ReportUnhandled()
	res.out = hideAddresses(out.String())
	res.reports = hideAddresses(reports.String())
	return res
}

var addressPattern = regexp.MustCompile(`0x[0-9a-f]+`)

func hideAddresses(s string) string { return addressPattern.ReplaceAllString(s, "0xADDR") }

// deferCase is {name, code, want output [, reports]}: when reports is
// given, each of its lines must appear in the reports, in order; otherwise
// there must be none.
type deferCase []string

func runDeferCases(t *testing.T, tests []deferCase) {
	t.Helper()
	runDeferCasesOn(t, Config{}, tests)
}

// runDeferCasesOn is runDeferCases on runtimes opened with cfg (see
// runDeferOn).
func runDeferCasesOn(t *testing.T, cfg Config, tests []deferCase) {
	t.Helper()
	for _, tc := range tests {
		name, code, want := tc[0], tc[1], tc[2]
		reports := ""
		if len(tc) > 3 {
			reports = tc[3]
		}
		t.Run(name, func(t *testing.T) {
			res := runDeferOn(t, cfg, code)
			if res.err != nil {
				t.Fatalf("error: %v\n%s", res.err, res.err.(*CallbackError).Traceback)
			}
			if res.out != want {
				t.Errorf("output:\n%s\nwant:\n%s", res.out, want)
			}
			if reports == "" && res.reports != "" {
				t.Errorf("unexpected reports:\n%s", res.reports)
			}
			if reports != "" && !containsInOrder(res.reports, strings.Split(reports, "\n")) {
				t.Errorf("reports:\n%s\nwant, in order:\n%s", res.reports, reports)
			}
		})
	}
}

// containsInOrder says whether each of parts occurs in s, after the one
// before it.
func containsInOrder(s string, parts []string) bool {
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

const header = "local defer = require('defer')\n"

func TestDeferredChain(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"each return value is the next result", header + `
local d = defer.Deferred()
print(d:add_callback(function(x) return x + 1 end) == d)
d:add_callback(function(x) return x * 10 end)
d:add_callback(print)
d:callback(1)`, "true\n20\n"},
		{"extra arguments come after the result, nils counted", header + `
local d = defer.Deferred()
d:add_callback(function(...) print(select("#", ...), ...) return "r" end, "a", nil)
d:add_errback(print, "never")
d:add_both(function(...) print(select("#", ...), ...) end, nil, "b")
d:callback(0)`, "3\t0\ta\tnil\n3\tr\tnil\tb\n"},
		{"an error raised switches to the errbacks, which recover", header + `
local d = defer.Deferred()
d:add_callback(function(x) error("boom") end)
d:add_callback(function(x) print("skipped") end)
d:add_errback(function(f) print(f.type, f.value, f:get_error_message()) return "recovered" end)
d:add_callback(print)
d:callback(1)`, "string\ttest.lua:4: boom\ttest.lua:4: boom\nrecovered\n"},
		{"a returned Failure switches to the errbacks", header + `
local d = defer.Deferred()
d:add_callback(function(x) return defer.Failure("bad " .. x) end)
d:add_callback(function(x) print("skipped") end)
d:add_errback(function(f) print("errback", f.value) return f end)
d:add_errback(function(f) print("again", f.value) end)
d:add_callback(print)
d:callback(1)`, "errback\tbad 1\nagain\tbad 1\nnil\n"},
		{"an errback that raises passes its own error on", header + `
local d = defer.Deferred()
d:add_errback(function(f) error({code = 7}) end)
d:add_errback(function(f) print(f.type, f.value.code) end)
d:errback("first")`, "table\t7\n"},
		{"a Failure given to callback acts as errback", header + `
local d = defer.Deferred()
d:add_callbacks(function() print("callback") end, function(f) print("errback", f.value) end)
d:callback(defer.Failure("x"))`, "errback\tx\n"},
		{"errback wraps any value; a Failure stays itself", header + `
local f = defer.Failure("v")
local d = defer.Deferred()
d:add_errback(function(g) print(g == f, g.value) end)
d:errback(f)
local d2 = defer.Deferred()
d2:add_errback(function(g) print(g.type, g.value) end)
d2:errback(42)`, "true\tv\nnumber\t42\n"},
		{"callbacks added after firing run at once", header + `
local d = defer.succeed("now")
print("before")
d:add_callback(function(v) print("got", v) return v .. "!" end)
print("after", d.result)`, "before\ngot\tnow\nafter\tnow!\n"},
		{"add_callbacks with arguments for each path", header + `
local d = defer.Deferred()
d:add_callbacks(print, print, {callback_args = {"cb", nil, n = 2}, errback_args = {"eb"}})
d:add_callbacks(function() error("e") end, nil)
d:add_callbacks(print, function(f, a) print("eb", a) end, {errback_args = {"x"}})
d:callback(1)`, "1\tcb\tnil\neb\tx\n"},
		{"a returned unfired Deferred pauses the chain and its result goes on", header + `
local inner = defer.Deferred()
local d = defer.Deferred()
d:add_callback(function(v) print("first", v) return inner end)
d:add_callback(function(v) print("second", v) return "done" end)
d:callback(1)
print("waiting", d.paused, tostring(d):match("waiting on") ~= nil)
inner:callback(2)
print(d.result, inner.result, d.paused)`, "first\t1\nwaiting\t1\ttrue\nsecond\t2\ndone\tnil\t0\n"},
		{"callbacks added to the inner Deferred after the chain see nil", header + `
local inner = defer.Deferred()
local d = defer.Deferred()
d:add_callback(function() return inner end)
d:callback(1)
inner:add_callback(function(v) print("inner after", v) end)
inner:callback("x")
print(d.result)`, "inner after\tnil\nx\n"},
		{"a returned fired Deferred continues at once", header + `
local d = defer.Deferred()
d:add_callback(function() return defer.succeed(7) end)
d:add_callback(function(v) print("sync continue", v) end)
d:callback(0)
print("after callback")`, "sync continue\t7\nafter callback\n"},
		{"a returned fired but paused Deferred waits for unpause", header + `
local inner = defer.succeed("late")
inner:pause()
local d = defer.Deferred()
d:add_callback(function() return inner end)
d:add_callback(print)
d:callback(0)
print("paused")
inner:unpause()`, "paused\nlate\n"},
		{"a returned failed Deferred continues with its failure", header + `
local d = defer.Deferred()
d:add_callback(function() return defer.fail("inner failed") end)
d:add_errback(function(f) print("errback", f.value) end)
d:callback(0)`, "errback\tinner failed\n"},
		{"callbacks added while running run in the same loop, no re-entry", header + `
local d = defer.Deferred()
d:add_callback(function(v)
  d:add_callback(function(w) print("added inside", w) return w end)
  print("first", v)
  return v + 1
end)
d:add_callback(function(v) print("second", v) return v + 1 end)
d:callback(1)`, "first\t1\nsecond\t2\nadded inside\t3\n"},
		{"defer-10: the chain waits on an inner Deferred", header + `
local function cb(n) return function(r) print("callback_" .. n .. " got " .. tostring(r)) return r + 1 end end
local d = defer.Deferred()
d:add_callback(cb(1)) d:add_callback(cb(2)) d:add_callback(cb(3))
d:callback(0)
local d2 = defer.Deferred()
local d3 = defer.Deferred()
d2:add_callback(cb(1))
d2:add_callback(function(r) print("callback_2 got " .. r) return d3 end)
d2:add_callback(function(r) print("callback_3 got " .. r) end)
d2:callback(0)
print("firing inner")
d3:callback(2)`, "callback_1 got 0\ncallback_2 got 1\ncallback_3 got 2\ncallback_1 got 0\ncallback_2 got 1\nfiring inner\ncallback_3 got 2\n"},
		{"defer-11: pause is a counter", header + `
local d = defer.succeed(0)
d:add_callback(function(r) print("callback_1 got", r) return 1 end)
d:pause() d:pause()
d:add_callback(function(r) print("callback_2 got", r) return 2 end)
print("paused", d.paused)
d:unpause()
print("still", d.paused)
d:unpause()
print("done", d.paused, d.result)`, "callback_1 got\t0\npaused\t2\nstill\t1\ncallback_2 got\t1\ndone\t0\t2\n"},
		{"pause while running lets the loop finish, as Twisted's does", header + `
local d = defer.Deferred()
d:add_callback(function(v) d:pause() return v end)
d:add_callback(function(v) print("still runs", v) end)
d:callback(1)
d:add_callback(function(v) print("waits for unpause") end)
print("paused", d.paused)
d:unpause()`, "still runs\t1\npaused\t1\nwaits for unpause\n"},
		{"called, paused and result are live", header + `
local d = defer.Deferred()
print(d.called, d.paused, d.result)
d:pause()
d:callback("x")
print(d.called, d.paused, d.result)`, "false\t0\tnil\ntrue\t1\tx\n"},
		{"chain_deferred", header + `
local a, b = defer.Deferred(), defer.Deferred()
b:add_callback(function(v) print("b got", v) return "b" end)
a:chain_deferred(b)
a:add_callback(function(v) print("a then", v) end)
a:callback(1)`, "b got\t1\na then\tnil\n"},
		{"a callable table as a callback", header + `
local obj = setmetatable({}, {__call = function(self, v, extra) print("called", v, extra) end})
defer.succeed(5):add_callback(obj, "e")`, "called\t5\te\n"},
		{"tostring", header + `
local d = defer.Deferred()
print(tostring(d))
d:callback("x")
print(tostring(d))
local e = defer.Deferred()
d:add_callback(function() return e end)
print(tostring(d))
print(tostring(defer.fail("no")))
print(tostring(defer.succeed(1.5)))`, "<Deferred at 0xADDR>\n<Deferred at 0xADDR current result: \"x\">\n" +
			"<Deferred at 0xADDR waiting on Deferred at 0xADDR>\n<Deferred at 0xADDR current result: <Failure string: no>>\n" +
			"<Deferred at 0xADDR current result: 1.5>\n", "Failure: string: no"},
		{"a callback returning its own Deferred stalls it, as in Twisted", header + `
local d = defer.Deferred()
d:add_callback(function() return d end)
d:add_callback(function(v) print("never", v) end)
d:callback(1)
print(d.paused)`, "1\n"},
	})
}

func TestDeferredFiringRules(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"firing twice raises AlreadyCalledError", header + `
local d = defer.succeed(1)
local ok, e = pcall(d.callback, d, 2)
print(ok, tostring(e), getmetatable(e) == defer.AlreadyCalledError)
ok, e = pcall(d.errback, d, "x")
print(ok, tostring(e))
print(d.result)`, "false\tAlreadyCalledError\ttrue\nfalse\tAlreadyCalledError\n1\n"},
		{"AlreadyCalledError as a Failure", header + `
local d = defer.succeed(1)
local f = defer.Failure(select(2, pcall(d.callback, d, 2)))
print(f.type, f:check(defer.AlreadyCalledError) ~= nil, f:check("AlreadyCalledError"), tostring(f))`,
			"AlreadyCalledError\ttrue\tAlreadyCalledError\t[Failure instance: Traceback (failure with no frames): <class 'AlreadyCalledError'>: \n]\n"},
		{"errback needs an error value", header + `
local d = defer.Deferred()
print(pcall(d.errback, d))
print(pcall(d.errback, d, nil))
print(pcall(defer.fail))
print(d.called)`, "false\tbad argument #1 to 'errback' (error value expected, got no value)\n" +
			"false\tbad argument #1 to 'errback' (error value expected, got nil)\n" +
			"false\tbad argument #1 to 'fail' (error value expected, got no value)\nfalse\n"},
		{"a Deferred is not a result", header + `
local d = defer.Deferred()
print(pcall(d.callback, d, defer.Deferred()))
print(d.called)`, "false\tbad argument #1 to 'callback' (a Deferred cannot be a result: return it from a callback to chain it)\nfalse\n"},
		{"bad arguments", header + `
local d = defer.Deferred()
print(pcall(function() d:add_callback(5) end))
print(pcall(function() d:add_errback() end))
print(pcall(function() d:add_callbacks(print, 3) end))
print(pcall(function() d:add_callbacks(print, nil, {callbak_args = {}}) end))
print(pcall(function() d.add_callback(print) end))
print(pcall(function() d:addCallback(print) end))
print(pcall(function() return d.reslt end))
print(pcall(defer.Deferred, "canceller"))
print(pcall(function() d:add_timeout(-1) end))`,
			"false\ttest.lua:4: bad argument #1 to 'add_callback' (function expected, got number)\n" +
				"false\ttest.lua:5: bad argument #1 to 'add_errback' (function expected, got nil)\n" +
				"false\ttest.lua:6: bad argument #2 to 'add_callbacks' (function or nil expected, got number)\n" +
				"false\ttest.lua:7: bad argument #3 to 'add_callbacks' (unknown option 'callbak_args')\n" +
				"false\ttest.lua:8: bad argument #1 to 'add_callback' (Deferred expected, got function; use d:add_callback, not d.add_callback)\n" +
				"false\ttest.lua:9: Deferred has no field 'addCallback' (did you mean 'add_callback'?)\n" +
				"false\ttest.lua:10: Deferred has no field 'reslt' (did you mean 'result'?)\n" +
				"false\tbad argument #1 to 'Deferred' (function expected, got string)\n" +
				"false\ttest.lua:12: bad argument #1 to 'add_timeout' (non-negative finite number expected, got -1)\n"},
		{"the traceback of an error raised in a callback", header + `
local d = defer.Deferred()
local function parse(s)
  error("cannot parse " .. s)
end
d:add_callback(parse)
d:add_errback(function(f) print(tostring(f)) end)
d:callback("x")`, "[Failure instance: Traceback: <class 'string'>: test.lua:5: cannot parse x\nstack traceback:\n" +
			"\t[C]: in function 'error'\n\ttest.lua:5: in function 'callback'\n\ttest.lua:9: in main chunk\n]\n"},
		{"maybe_deferred", header + `
defer.maybe_deferred(function(a, b) return a + b end, 1, 2):add_callback(print)
defer.maybe_deferred(function() error("raised") end):add_errback(function(f)
  print(f.value, f.traceback:match("test.lua:4: in function") ~= nil)
end)
defer.maybe_deferred(function() return defer.Failure("returned") end):add_errback(function(f) print(f.value) end)
local d = defer.Deferred()
print(defer.maybe_deferred(function() return d end) == d)
print(pcall(defer.maybe_deferred, 1))`, "3\ntest.lua:4: raised\ttrue\nreturned\ntrue\n" +
			"false\tbad argument #1 to 'maybe_deferred' (function expected, got number)\n"},
		{"error classes", header + `
local errors = require("errors")
local PoemError = defer.error_class("PoemError")
local Rhyme = defer.error_class("RhymeSchemeViolation", PoemError)
local e = Rhyme("bad rhyme")
print(tostring(e), e.message)
local f = defer.Failure(e)
print(f.type, f:check(PoemError) == PoemError, f:check("PoemError"), f:check(errors.ConnectError))
print(pcall(f.trap, f, errors.ConnectError) == false, f:trap(Rhyme) == Rhyme)
print(defer.TimeoutError ~= errors.TimeoutError, defer.Failure(defer.TimeoutError()):check(errors.TimeoutError))`,
			"RhymeSchemeViolation: bad rhyme\tbad rhyme\nRhymeSchemeViolation\ttrue\tPoemError\tnil\ntrue\ttrue\ntrue\tnil\n"},
	})
}

func TestDeferredCancel(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"no canceller: CancelledError, then one late fire is swallowed", header + `
local d = defer.Deferred()
d:add_errback(function(f) print("errback got", tostring(f)) end)
d:cancel()
d:callback("result")
print("late fire ignored")
print(pcall(d.callback, d, "again"))`,
			"errback got\t[Failure instance: Traceback (failure with no frames): <class 'CancelledError'>: \n]\nlate fire ignored\nfalse\tAlreadyCalledError\n"},
		{"a canceller that does not fire: CancelledError, a late fire raises", header + `
local d = defer.Deferred(function(d) print("I need to cancel this deferred:", tostring(d)) end)
d:add_errback(function(f) print("errback got", f.type) end)
d:cancel()
print(pcall(d.callback, d, "late"))`,
			"I need to cancel this deferred:\t<Deferred at 0xADDR>\nerrback got\tCancelledError\nfalse\tAlreadyCalledError\n"},
		{"a canceller that fires callback: that result stands", header + `
local d = defer.Deferred(function(d) d:callback("result") end)
d:add_callbacks(function(v) print("callback got:", v) end, function(f) print("errback got:", f) end)
d:cancel()
print(pcall(d.callback, d, "late"))`, "callback got:\tresult\nfalse\tAlreadyCalledError\n"},
		{"a canceller that fires errback: that failure stands", header + `
local d = defer.Deferred(function(d) d:errback("error!") end)
d:add_errback(function(f) print("errback got:", f:get_error_message()) end)
d:cancel()`, "errback got:\terror!\n"},
		{"cancelling a fired Deferred does nothing, twice neither", header + `
local d = defer.Deferred(function() print("canceller called") end)
d:add_callback(function(v) print("callback got:", v) end)
d:callback("result")
d:cancel()
d:cancel()
print("done")`, "callback got:\tresult\ndone\n"},
		{"cancel twice before firing", header + `
local n = 0
local d = defer.Deferred()
d:add_errback(function(f) n = n + 1 end)
d:cancel()
d:cancel()
print(n)`, "1\n"},
		{"defer-cancel-12: cancelling the outer cancels the inner", header + `
local inner = defer.Deferred(function() print("inner cancel callback.") end)
local outer = defer.Deferred(function() print("outer cancel callback.") end)
outer:add_callback(function() print("first outer callback, returning inner deferred") return inner end)
outer:add_errback(function(f) print("outer errback got:", f.type) end)
outer:callback("result")
print("canceling outer deferred.")
outer:cancel()
print("done")`, "first outer callback, returning inner deferred\ncanceling outer deferred.\ninner cancel callback.\nouter errback got:\tCancelledError\ndone\n"},
		{"a canceller's error reaches the caller", header + `
local d = defer.Deferred(function() error("cannot cancel") end)
print(pcall(d.cancel, d))
print(d.called)`, "false\ttest.lua:3: cannot cancel\nfalse\n"},
		{"unhandled CancelledError is reported (defer-cancel-1)", header + `
local d = defer.Deferred()
d:cancel()
print("done")`, "done\n", "Unhandled error in Deferred:\nFailure: CancelledError: \n"},
	})
}

func TestDeferredList(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"results in list order whatever the firing order", header + `
local d1, d2 = defer.Deferred(), defer.Deferred()
local dl = defer.DeferredList({d1, d2})
dl:add_callback(function(rs)
  for i, r in ipairs(rs) do print(i, r[1], r[2]) end
end)
d2:callback("d2 result")
print("d2 fired")
d1:callback("d1 result")`, "d2 fired\n1\ttrue\td1 result\n2\ttrue\td2 result\n"},
		{"an empty list fires at once", header + `
defer.DeferredList({}):add_callback(function(rs) print("We got:", #rs) end)
local never = defer.DeferredList({}, {fire_on_one_callback = true})
print(never.called)`, "We got:\t0\nfalse\n"},
		{"failures are {false, failure} and passed on to later member callbacks", header + `
local d1, d2 = defer.Deferred(), defer.Deferred()
defer.DeferredList({d1, d2}):add_callback(function(rs)
  print(rs[1][1], rs[1][2], rs[2][1], rs[2][2].value)
end)
d2:add_errback(function(f) print("member errback", f.value) end)
d1:callback("d1 result")
d2:errback("d2 failure")`, "true\td1 result\tfalse\td2 failure\nmember errback\td2 failure\n", ""},
		{"consume_errors gives later member callbacks nil", header + `
local d1 = defer.Deferred()
defer.DeferredList({d1}, {consume_errors = true}):add_callback(function(rs) print(rs[1][1], rs[1][2].value) end)
d1:add_callback(function(v) print("member after", v) end)
d1:errback("failed")`, "false\tfailed\nmember after\tnil\n"},
		{"an unhandled member failure is reported (deferred-list-6)", header + `
local d1 = defer.Deferred()
defer.DeferredList({d1}):add_callback(function(rs) print(rs[1][1]) end)
d1:errback("d1 failure")
print("done")`, "false\ndone\n", "Unhandled error in Deferred:\nFailure: string: d1 failure"},
		{"fire_on_one_callback gives {value, index}, 1-based", header + `
local d1, d2 = defer.Deferred(), defer.Deferred()
local dl = defer.DeferredList({d1, d2}, {fire_on_one_callback = true})
dl:add_callback(function(r) print(r[1], r[2]) end)
d2:callback("two")
d1:callback("one")
print(dl.called)`, "two\t2\ntrue\n"},
		{"fire_on_one_errback gives a FirstError, 1-based", header + `
local d1, d2 = defer.Deferred(), defer.Deferred()
local dl = defer.DeferredList({d1, d2}, {fire_on_one_errback = true, consume_errors = true})
dl:add_errback(function(f)
  print(f.type, f.value.index, f.value.sub_failure.value, f:check(defer.FirstError) ~= nil)
  print(tostring(f.value))
end)
d1:callback("ok")
d2:errback("e2")`, "FirstError\t2\te2\ttrue\nFirstError[#2, string: e2]\n"},
		{"gather_results", header + `
local d1, d2 = defer.Deferred(), defer.Deferred()
defer.gather_results({d1, d2}):add_callback(function(vs) print(#vs, vs[1], vs[2]) end)
d2:callback("b")
d1:callback("a")
local d3 = defer.Deferred()
defer.gather_results({defer.succeed(1), d3}, {consume_errors = true}):add_errback(function(f)
  print(f.type, f.value.index, f.value.sub_failure.value)
end)
d3:errback("bad")`, "2\ta\tb\nFirstError\t2\tbad\n"},
		{"cancelling a list cancels its members; a canceller's error is reported", header + `
local d1 = defer.Deferred(function() print("cancel d1") end)
local d2 = defer.Deferred(function() error("d2 cannot cancel") end)
local d3 = defer.Deferred()
local dl = defer.DeferredList({d1, d2, d3}, {consume_errors = true})
dl:add_callback(function(rs) print(rs[1][2].type, rs[3][2].type) end)
dl:cancel()
print(dl.called, d2.called)
d2:callback("late")`, "cancel d1\nfalse\tfalse\nCancelledError\tCancelledError\n",
			"Unhandled error in canceller:\ntest.lua:4: d2 cannot cancel\nstack traceback:\n\t[C]: in function 'error'\n\ttest.lua:4: in function 'canceller'\n\ttest.lua:8: in main chunk"},
		{"cancelling a fired list does nothing", header + `
local d1 = defer.Deferred(function() print("never") end)
local dl = defer.DeferredList({d1}, {fire_on_one_callback = true})
d1:callback(1)
local d2 = defer.Deferred(function() print("nor this") end)
defer.DeferredList({d2})
dl:cancel()
print(dl.called)`, "true\n"},
		{"bad arguments", header + `
print(pcall(defer.DeferredList, 1))
print(pcall(defer.DeferredList, {defer.Deferred(), 2}))
print(pcall(defer.DeferredList, {}, {consume = true}))
print(pcall(defer.gather_results, {}, {fire_on_one_callback = true}))`,
			"false\tbad argument #1 to 'DeferredList' (table expected, got number)\n" +
				"false\tbad argument #1 to 'DeferredList' (list of Deferreds expected, item 2 is a number)\n" +
				"false\tbad argument #2 to 'DeferredList' (unknown option 'consume')\n" +
				"false\tbad argument #2 to 'gather_results' (unknown option 'fire_on_one_callback')\n"},
	})
}

func TestDeferredTimeout(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"times out on a task.clock", header + `
local errors = require("errors")
local clock = require("task").clock()
local d = defer.Deferred()
d:add_errback(function(f) print("before the timeout sees", f.type) return f end)
d:add_timeout(5, clock)
d:add_errback(function(f)
  print(f.type, f:check(defer.TimeoutError) ~= nil, f:check(errors.TimeoutError), f:check("TimeoutError"))
  print(f.value.timeout, f:get_error_message())
end)
clock:advance(4.9)
print("not yet", d.called)
clock:advance(0.1)
print(clock:pending())`, "not yet\tfalse\nbefore the timeout sees\tCancelledError\nTimeoutError\ttrue\tnil\tTimeoutError\n5\tDeferred timed out after 5 seconds\n0\n"},
		{"a result in time cancels the timer", header + `
local clock = require("task").clock()
local d = defer.Deferred()
d:add_timeout(5, clock)
print(clock:pending())
d:callback("in time")
print(clock:pending(), d.result)
clock:advance(10)
print(d.result)`, "1\n0\tin time\nin time\n"},
		{"a canceller that fires keeps its result", header + `
local clock = require("task").clock()
local d = defer.Deferred(function(d) d:callback("from canceller") end)
d:add_timeout(1, clock)
clock:advance(1)
print(d.result)`, "from canceller\n"},
		// Found by FuzzDefer: the report named the timer's function in
		// lua/defer.lua and showed its frames. As in Twisted, a canceller
		// that raises leaves d unfired.
		{"a canceller's error at the timeout is reported as a canceller's", header + `
local clock = require("task").clock()
local d = defer.Deferred(function() error("cannot cancel") end)
d:add_timeout(1, clock)
d:add_errback(function(f) print(f.type) end)
clock:advance(1)
print(d.called)`, "false\n",
			"Unhandled error in canceller:\ntest.lua:4: cannot cancel\nstack traceback:\n\t[C]: in function 'error'\n\ttest.lua:4: in function 'canceller'\n\t[C]: in function 'advance'\n\ttest.lua:7: in main chunk"},
		{"on the reactor by default", header + `
local reactor = require("reactor")
local d = defer.Deferred()
d:add_timeout(2)
d:add_errback(function(f) print(reactor.seconds(), f.type) reactor.stop() end)
reactor.run()`, "2\tTimeoutError\n"},
	})
}

func TestUnhandledFailures(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"a failure left at the end of a chain is reported once", header + `
local d = defer.Deferred()
d:add_callback(function() error("oops") end)
d:callback(1)
print("Finished")`, "Finished\n",
			"Unhandled error in Deferred:\nFailure: string: test.lua:4: oops\nstack traceback:\n\t[C]: in function 'error'\n\ttest.lua:4: in function 'callback'\n\ttest.lua:5: in main chunk\n"},
		{"an errback added later handles it", header + `
local d = defer.fail("x")
d:add_errback(function() end)
print("ok")`, "ok\n"},
		{"a failure taken by the Deferred waiting on it is that one's", header + `
local inner = defer.Deferred()
local outer = defer.Deferred()
outer:add_callback(function() return inner end)
outer:callback(1)
inner:errback("inner failed")
outer:add_errback(function(f) print("handled", f.value) end)`, "handled\tinner failed\n"},
		{"reported in the order they failed", header + `
local a, b = defer.Deferred(), defer.Deferred()
b:errback("second")
a:errback("first")`, "", "Failure: string: second\nFailure: string: first"},
		{"handled and failed again", header + `
local d = defer.fail("one")
d:add_errback(function() return defer.Failure("two") end)`, "", "Failure: string: two"},
		{"an error's __tostring that fails does not stop the report", header + `
local bad = setmetatable({}, {__tostring = function() error("nope") end})
defer.fail(bad)`, "", "Unhandled error in Deferred:\nFailure: table: "},
	})
}

// Chains run iteratively: neither a long chain nor a deep nest of
// Deferreds waiting on one another grows the Lua or the Go stack.
func TestDeferredDepth(t *testing.T) {
	runDeferCases(t, []deferCase{
		{"a chain of 1,000,000 callbacks", header + `
local d = defer.Deferred()
local function inc(x) return x + 1 end
for i = 1, 1000000 do d:add_callback(inc) end
d:callback(0)
print(d.result)`, "1000000\n"},
		{"10,000 nested Deferreds, each waiting on the next", header + `
local ds = {}
for i = 1, 10000 do ds[i] = defer.Deferred() end
for i = 9999, 1, -1 do -- from the inside out: each returns one that waits already
  local nxt = ds[i + 1]
  ds[i]:add_callback(function() return nxt end)
  ds[i]:callback(i)
end
ds[1]:add_callback(function(v) return "outer got " .. v end)
print(ds[1].paused, ds[9999].paused)
ds[10000]:callback("innermost")
print(ds[1].result, ds[1].paused, ds[5000].result)`, "1\t1\nouter got innermost\t0\tnil\n"},
		{"10,000 nested Deferreds cancelled from the outermost", header + `
local innermost = defer.Deferred(function() print("innermost canceller") end)
local d = innermost
for i = 1, 10000 do
  local inner = d
  d = defer.Deferred(function() print("never") end)
  d:add_callback(function() return inner end)
  d:callback(i)
end
d:add_errback(function(f) print("outermost got", f.type) end)
d:cancel()`, "innermost canceller\noutermost got\tCancelledError\n"},
		{"150 Deferreds fired from callbacks of one another", header + `
local ds = {}
for i = 1, 150 do ds[i] = defer.Deferred() end
for i = 1, 149 do
  local nxt = ds[i + 1]
  ds[i]:add_callback(function(v) nxt:callback(v + 1) end)
end
ds[150]:add_callback(function(v) print("last got", v) end)
ds[1]:callback(1)`, "last got\t150\n"},
		// That nests a protected call per level, as Lua nests C calls:
		// Lua's limit applies, and the callback that goes too deep fails
		// (the Deferred it fired has its result, its callbacks not run).
		{"10,000 Deferreds fired from callbacks of one another", header + `
local ds = {}
for i = 1, 10000 do ds[i] = defer.Deferred() end
for i = 1, 9999 do
  local nxt = ds[i + 1]
  ds[i]:add_callback(function(v) nxt:callback(v + 1) end)
end
ds[10000]:add_callback(function(v) print("last got", v) end)
ds[1]:callback(1)
for i = 1, 10000 do
  local r = ds[i].result
  if type(r) == "table" then print(i, r.value) elseif r ~= nil then print(i, "result", r) end
end`, "199\tC stack overflow\n200\tresult\t200\n", "Unhandled error in Deferred:\nFailure: string: C stack overflow\n"},
	})
}
