package luabind

import (
	"os/exec"
	"testing"
)

// Differential tests: the same chains written against Twisted 22.4's
// Deferred (Debian's python3-twisted) and against require("defer") must
// print the same lines. out() prints its arguments joined by spaces, with
// Python's None, True and False as Lua's nil, true and false, so the two
// outputs compare as they are. Indices print 1-based on both sides.

const pythonPrelude = `
import sys
from twisted.internet import defer
from twisted.python.failure import Failure
def show(x):
    if x is None: return "nil"
    if x is True: return "true"
    if x is False: return "false"
    return str(x)
def out(*a):
    print(" ".join(show(x) for x in a))
`

const luaPrelude = `local defer = require("defer")
local function out(...)
  local t = {}
  for i = 1, select("#", ...) do t[i] = tostring((select(i, ...))) end
  print(table.concat(t, " "))
end
`

var twistedCases = []struct{ name, python, lua string }{
	{"errors switch paths and errbacks recover", `
d = defer.Deferred()
def boom(x):
    raise Exception("boom")
d.addCallback(lambda x: x + 1)
d.addCallback(boom)
d.addCallback(lambda x: out("skipped"))
d.addErrback(lambda f: (out("errback", f.getErrorMessage()), "recovered")[1])
d.addBoth(lambda r: (out("both", r), Failure(Exception("again")))[1])
d.addCallbacks(lambda r: out("no"), lambda f: out("eb", f.getErrorMessage()))
d.addCallback(lambda r: out("last", r))
d.callback(1)
`, `
local d = defer.Deferred()
d:add_callback(function(x) return x + 1 end)
d:add_callback(function(x) error("boom", 0) end)
d:add_callback(function() out("skipped") end)
d:add_errback(function(f) out("errback", f:get_error_message()) return "recovered" end)
d:add_both(function(r) out("both", r) return defer.Failure("again") end)
d:add_callbacks(function() out("no") end, function(f) out("eb", f:get_error_message()) end)
d:add_callback(function(r) out("last", r) end)
d:callback(1)
`},
	{"nested Deferreds: waiting, fired, paused", `
inner = defer.Deferred()
d = defer.Deferred()
d.addCallback(lambda r: (out("first", r), inner)[1])
d.addCallback(lambda r: (out("second", r), defer.succeed("sync"))[1])
d.addCallback(lambda r: out("third", r))
d.callback(0)
out("paused", d.paused)
inner.addCallback(lambda r: out("inner after", r))
inner.callback("from inner")
out("inner result", inner.result, "paused", d.paused)
p = defer.succeed("p")
p.pause()
e = defer.Deferred()
e.addCallback(lambda r: p)
e.addCallback(lambda r: out("got", r))
e.callback(1)
out("before unpause")
p.unpause()
`, `
local inner = defer.Deferred()
local d = defer.Deferred()
d:add_callback(function(r) out("first", r) return inner end)
d:add_callback(function(r) out("second", r) return defer.succeed("sync") end)
d:add_callback(function(r) out("third", r) end)
d:callback(0)
out("paused", d.paused)
inner:add_callback(function(r) out("inner after", r) end)
inner:callback("from inner")
out("inner result", inner.result, "paused", d.paused)
local p = defer.succeed("p")
p:pause()
local e = defer.Deferred()
e:add_callback(function() return p end)
e:add_callback(function(r) out("got", r) end)
e:callback(1)
out("before unpause")
p:unpause()
`},
	{"callbacks added while running, pause inside a callback", `
d = defer.Deferred()
def first(v):
    d.addCallback(lambda w: (out("added inside", w), w)[1])
    d.pause()
    out("first", v)
    return v + 1
d.addCallback(first)
d.addCallback(lambda v: (out("second", v), v + 1)[1])
d.callback(1)
d.addCallback(lambda v: out("after pause", v))
out("paused", d.paused)
d.unpause()
`, `
local d = defer.Deferred()
d:add_callback(function(v)
  d:add_callback(function(w) out("added inside", w) return w end)
  d:pause()
  out("first", v)
  return v + 1
end)
d:add_callback(function(v) out("second", v) return v + 1 end)
d:callback(1)
d:add_callback(function(v) out("after pause", v) end)
out("paused", d.paused)
d:unpause()
`},
	{"cancel", `
d = defer.Deferred()
d.addErrback(lambda f: out("1 errback", f.type.__name__))
d.cancel()
d.callback("late")
try:
    d.callback("again")
except defer.AlreadyCalledError:
    out("1 already called")
d = defer.Deferred(lambda d: out("2 canceller"))
d.addErrback(lambda f: out("2 errback", f.type.__name__))
d.cancel()
try:
    d.callback("late")
except defer.AlreadyCalledError:
    out("2 already called")
d = defer.Deferred(lambda d: d.callback("from canceller"))
d.addCallback(lambda r: out("3 callback", r))
d.cancel()
d.cancel()
inner = defer.Deferred(lambda d: out("4 inner canceller"))
outer = defer.Deferred(lambda d: out("4 outer canceller"))
outer.addCallback(lambda r: inner)
outer.addErrback(lambda f: out("4 outer errback", f.type.__name__))
outer.callback(0)
outer.cancel()
out("4 inner called", inner.called)
`, `
local d = defer.Deferred()
d:add_errback(function(f) out("1 errback", f.type) end)
d:cancel()
d:callback("late")
if not pcall(d.callback, d, "again") then out("1 already called") end
d = defer.Deferred(function() out("2 canceller") end)
d:add_errback(function(f) out("2 errback", f.type) end)
d:cancel()
if not pcall(d.callback, d, "late") then out("2 already called") end
d = defer.Deferred(function(d) d:callback("from canceller") end)
d:add_callback(function(r) out("3 callback", r) end)
d:cancel()
d:cancel()
local inner = defer.Deferred(function() out("4 inner canceller") end)
local outer = defer.Deferred(function() out("4 outer canceller") end)
outer:add_callback(function() return inner end)
outer:add_errback(function(f) out("4 outer errback", f.type) end)
outer:callback(0)
outer:cancel()
out("4 inner called", inner.called)
`},
	{"DeferredList", `
def show_list(tag):
    def f(rs):
        for i, (ok, v) in enumerate(rs):
            out(tag, i + 1, ok, v.getErrorMessage() if isinstance(v, Failure) else v)
        return rs
    return f
d1, d2, d3 = defer.Deferred(), defer.Deferred(), defer.Deferred()
defer.DeferredList([d1, d2, d3], consumeErrors=True).addCallback(show_list("all"))
d2.addBoth(lambda r: out("member d2 then", r))
d3.callback("three")
d2.errback(Exception("two failed"))
d1.callback("one")
a, b = defer.Deferred(), defer.Deferred()
defer.DeferredList([a, b], fireOnOneCallback=True).addCallback(lambda r: out("first", r[0], r[1] + 1))
b.callback("b")
a.callback("a")
x, y = defer.Deferred(), defer.Deferred()
def first_error(f):
    out("first error", f.type.__name__, f.value.index + 1, f.value.subFailure.getErrorMessage())
defer.DeferredList([x, y], fireOnOneErrback=True, consumeErrors=True).addErrback(first_error)
x.callback("x")
y.errback(Exception("y failed"))
defer.gatherResults([defer.succeed(1), defer.succeed(2)]).addCallback(lambda vs: out("gathered", *vs))
defer.DeferredList([]).addCallback(lambda rs: out("empty", len(rs)))
`, `
local function show_list(tag)
  return function(rs)
    for i, r in ipairs(rs) do
      out(tag, i, r[1], r[1] and r[2] or r[2]:get_error_message())
    end
    return rs
  end
end
local d1, d2, d3 = defer.Deferred(), defer.Deferred(), defer.Deferred()
defer.DeferredList({d1, d2, d3}, {consume_errors = true}):add_callback(show_list("all"))
d2:add_both(function(r) out("member d2 then", r) end)
d3:callback("three")
d2:errback("two failed")
d1:callback("one")
local a, b = defer.Deferred(), defer.Deferred()
defer.DeferredList({a, b}, {fire_on_one_callback = true}):add_callback(function(r) out("first", r[1], r[2]) end)
b:callback("b")
a:callback("a")
local x, y = defer.Deferred(), defer.Deferred()
defer.DeferredList({x, y}, {fire_on_one_errback = true, consume_errors = true}):add_errback(function(f)
  out("first error", f.type, f.value.index, f.value.sub_failure:get_error_message())
end)
x:callback("x")
y:errback("y failed")
defer.gather_results({defer.succeed(1), defer.succeed(2)}):add_callback(function(vs) out("gathered", unpack(vs)) end)
defer.DeferredList({}):add_callback(function(rs) out("empty", #rs) end)
`},
	{"fired Deferreds, maybe_deferred, trap", `
d = defer.succeed(1)
d.addCallback(lambda r: (out("runs at once", r), r * 2)[1])
out("result", d.result)
def raising():
    raise ValueError("bad value")
m = defer.maybeDeferred(raising)
def trapper(f):
    f.trap(KeyError)
m.addErrback(trapper)
m.addErrback(lambda f: out("trap re-raised", f.type.__name__, f.getErrorMessage()))
defer.maybeDeferred(lambda: 5).addCallback(lambda r: out("maybe", r))
try:
    d.errback(Exception("x"))
except defer.AlreadyCalledError:
    out("already called")
`, `
local d = defer.succeed(1)
d:add_callback(function(r) out("runs at once", r) return r * 2 end)
out("result", d.result)
local ValueError = defer.error_class("ValueError")
local KeyError = defer.error_class("KeyError")
local m = defer.maybe_deferred(function() error(ValueError("bad value")) end)
m:add_errback(function(f) f:trap(KeyError) end)
m:add_errback(function(f) out("trap re-raised", f.type, f:get_error_message()) end)
defer.maybe_deferred(function() return 5 end):add_callback(function(r) out("maybe", r) end)
if not pcall(d.errback, d, "x") then out("already called") end
`},
}

func TestDeferredAgainstTwisted(t *testing.T) {
	py := twistedPython(t)
	for _, tc := range twistedCases {
		t.Run(tc.name, func(t *testing.T) {
			want, err := exec.Command(py, "-c", pythonPrelude+tc.python).CombinedOutput()
			if err != nil {
				t.Fatalf("python: %v\n%s", err, want)
			}
			res := runDefer(t, luaPrelude+tc.lua)
			if res.err != nil {
				t.Fatalf("lua: %v", res.err)
			}
			if res.out != string(want) {
				t.Errorf("loopscript:\n%s\nTwisted 22.4:\n%s", res.out, want)
			}
		})
	}
}
