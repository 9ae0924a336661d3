package tests

import "testing"

// lua is the command line running code as a -e chunk. Messages name the
// chunk "(command line)" and count its lines from 1.
func lua(code string, opts ...string) []string {
	return append(opts, "-e", code)
}

const preamble = `local reactor = require("reactor")`

// TestArguments: bad arguments raise Lua-style errors naming the argument;
// good ones reach the callback.
func TestArguments(t *testing.T) {
	t.Parallel()
	badArg := func(n, fn, detail string) []check {
		return []check{
			firstLine("loopscript: (command line):1: bad argument #" + n + " to '" + fn + "' (" + detail + ")"),
			contains("\nstack traceback:\n", "in main chunk"),
		}
	}
	badArgAny := func(n, fn string) []check {
		return []check{
			firstLinePrefix("loopscript: (command line):1: bad argument #" + n + " to '" + fn + "' ("),
			contains("\nstack traceback:\n"),
		}
	}
	runCLICases(t, []cliCase{
		{name: "string delay", args: lua(preamble + ` reactor.call_later("x", print)`), code: 1,
			stderr: badArg("1", "call_later", "number expected, got string")},
		{name: "numeric string delay", args: lua(preamble + ` reactor.call_later("1.5", print)`), code: 1,
			stderr: badArg("1", "call_later", "number expected, got string")},
		{name: "no delay", args: lua(preamble + ` reactor.call_later()`), code: 1,
			stderr: badArg("1", "call_later", "number expected, got no value")},
		{name: "negative delay", args: lua(preamble + ` reactor.call_later(-1, print)`), code: 1,
			stderr: badArgAny("1", "call_later")},
		{name: "nan delay", args: lua(preamble + ` reactor.call_later(0/0, print)`), code: 1,
			stderr: badArgAny("1", "call_later")},
		{name: "inf delay", args: lua(preamble + ` reactor.call_later(1/0, print)`), code: 1,
			stderr: badArgAny("1", "call_later")},
		{name: "-inf delay", args: lua(preamble + ` reactor.call_later(-1/0, print)`), code: 1,
			stderr: badArgAny("1", "call_later")},
		{name: "huge finite delay is accepted", args: lua(preamble + ` print(reactor.call_later(1e308, print):active())`),
			stdout: []check{is("true\n")}},
		{name: "number as function", args: lua(preamble + ` reactor.call_later(1, 5)`), code: 1,
			stderr: badArg("2", "call_later", "function expected, got number")},
		{name: "missing function", args: lua(preamble + ` reactor.call_later(1)`), code: 1,
			stderr: badArg("2", "call_later", "function expected, got no value")},
		{name: "table without __call", args: lua(preamble + ` reactor.call_later(1, {})`), code: 1,
			stderr: badArg("2", "call_later", "function expected, got table")},
		{name: "call_when_running non-callable", args: lua(preamble + ` reactor.call_when_running("f")`), code: 1,
			stderr: badArg("1", "call_when_running", "function expected, got string")},
		{name: "looping_call non-callable", args: lua(`require("task").looping_call(true)`), code: 1,
			stderr: badArg("1", "looping_call", "function expected, got boolean")},
		{name: "looping_call_with_count non-callable", args: lua(`require("task").looping_call_with_count(nil)`), code: 1,
			stderr: badArg("1", "looping_call_with_count", "function expected, got nil")},
		{name: "start negative interval", args: lua(`require("task").looping_call(print):start(-1)`), code: 1,
			stderr: badArgAny("1", "start")},
		{name: "start string interval", args: lua(`require("task").looping_call(print):start("1")`), code: 1,
			stderr: badArg("1", "start", "number expected, got string")},
		{name: "reset bad delay", args: lua(preamble + ` reactor.call_later(1, print):reset(-1)`), code: 1,
			stderr: badArgAny("1", "reset")},
		{name: "trigger bad phase", args: lua(preamble + ` reactor.add_system_event_trigger("sometime", "shutdown", print)`), code: 1,
			stderr: badArgAny("1", "add_system_event_trigger")},
		{name: "callable table and extra args", args: lua(preamble + `
local t = setmetatable({}, {__call = function(self, a, b, c) print("called", a, b, c) reactor.stop() end})
reactor.call_later(0, t, "x", nil, "z")
reactor.run()`),
			stdout: []check{is("called\tx\tnil\tz\n")}},
		{name: "extra args to call_later", args: lua(preamble + `
reactor.call_later(0, function(...) print(select("#", ...), ...) reactor.stop() end, 1, nil, "three")
reactor.run()`),
			stdout: []check{is("3\t1\tnil\tthree\n")}},
		{name: "extra args to call_when_running", args: lua(preamble + `
reactor.call_when_running(function(a, b) print(a, b) reactor.stop() end, "one", 2)
reactor.run()`),
			stdout: []check{is("one\t2\n")}},
		{name: "extra args to looping_call", args: lua(preamble + `
local lc
lc = require("task").looping_call(function(a, b) print(a, b) lc:stop() reactor.stop() end, "one", 2)
reactor.call_when_running(function() lc:start(1) end)
reactor.run()`),
			stdout: []check{is("one\t2\n")}},
		{name: "callable table to looping_call", args: lua(preamble + `
local lc
lc = require("task").looping_call(setmetatable({}, {__call = function() print("tick") lc:stop() reactor.stop() end}))
reactor.call_when_running(function() lc:start(0) end)
reactor.run()`),
			stdout: []check{is("tick\n")}},
	})
}

// TestReactorAPI: run, stop, running, name, seconds and their errors.
func TestReactorAPI(t *testing.T) {
	t.Parallel()
	runCLICases(t, []cliCase{
		{name: "run twice", args: lua(preamble + `
reactor.call_when_running(reactor.stop)
reactor.run()
reactor.run()`), code: 1,
			stderr: []check{firstLine("loopscript: (command line):4: reactor not restartable")}},
		{name: "run from a callback", args: lua(preamble + `
reactor.call_when_running(function() reactor.run() end)
reactor.call_when_running(reactor.stop)
reactor.run()
print("after")`),
			stdout: []check{is("after\n")},
			stderr: []check{
				firstLine("Unhandled error in function <(command line):2>:"),
				contains("\n(command line):2: reactor already running\nstack traceback:\n"),
				count("Unhandled error", 1),
			}},
		{name: "stop when not running", args: lua(preamble + `
reactor.stop()`), code: 1,
			stderr: []check{firstLine("loopscript: (command line):2: reactor not running")}},
		{name: "stop after run returned", args: lua(preamble + `
reactor.call_when_running(reactor.stop)
reactor.run()
reactor.stop()`), code: 1,
			stderr: []check{firstLine("loopscript: (command line):4: reactor not running")}},
		{name: "stop twice", args: lua(preamble + `
reactor.call_when_running(function()
  reactor.stop()
  reactor.stop()
end)
reactor.run()`),
			stderr: []check{
				firstLine("Unhandled error in function <(command line):2>:"),
				contains("\n(command line):4: reactor not running\n"),
			}},
		{name: "stop lets due calls finish", args: lua(preamble + `
reactor.add_system_event_trigger("before", "shutdown", function() print("shutdown") end)
reactor.call_later(0, function() print("timer") end)
reactor.call_when_running(function() print("first") reactor.stop() end)
reactor.call_when_running(function() print("second") end)
reactor.run()
print("returned")`),
			stdout: []check{is("first\nsecond\ntimer\nshutdown\nreturned\n")}},
		{name: "call_when_running while running calls at once", args: lua(preamble + `
reactor.call_when_running(function()
  reactor.call_when_running(function() print("inner") end)
  print("outer")
  reactor.stop()
end)
reactor.run()`),
			stdout: []check{is("inner\nouter\n")}},
		{name: "running is live", args: lua(preamble + `
print(reactor.running)
reactor.call_when_running(function() print(reactor.running) end)
reactor.call_later(0, function() print(reactor.running) reactor.stop() end)
reactor.run()
print(reactor.running)`),
			stdout: []check{is("false\ntrue\ntrue\nfalse\n")}},
		{name: "seconds never early", args: lua(preamble + `
local t0 = reactor.seconds()
reactor.call_later(0.05, function()
  print(type(t0), reactor.seconds() - t0 >= 0.05)
  reactor.stop()
end)
reactor.run()`),
			stdout: []check{is("number\ttrue\n")}},
		{name: "second install", args: lua(`require("pollreactor").install()
require("selectreactor").install()`), code: 1,
			stderr: []check{firstLine(`loopscript: (command line):2: reactor already installed (poll, by require("pollreactor").install() at (command line):1)`)}},
		{name: "install after require reactor", args: lua(preamble + `
require("selectreactor").install()`), code: 1,
			stderr: []check{firstLine(`loopscript: (command line):2: reactor already installed (epoll, by require("reactor") at (command line):1)`)}},
		{name: "install of the kind installed", args: lua(preamble + `
require("epollreactor").install()`)},
		{name: "install after --reactor", args: lua(`require("pollreactor").install()`, "--reactor", "select"), code: 1,
			stderr: []check{firstLine("loopscript: (command line):1: reactor already installed (select, by --reactor)")}},
		{name: "error in a trigger is reported", args: lua(preamble + `
reactor.add_system_event_trigger("after", "startup", function() error("trigger failed") end)
reactor.call_when_running(reactor.stop)
reactor.run()
print("returned")`),
			stdout: []check{is("returned\n")},
			stderr: []check{firstLinePrefix("Unhandled error in "), contains("(command line):2: trigger failed")}},
		{name: "stack overflow in a callback", args: lua(preamble + `
local function down() return 1 + down() end
reactor.call_when_running(down)
reactor.call_when_running(function() print("still here") reactor.stop() end)
reactor.run()`),
			stdout: []check{is("still here\n")},
			stderr: []check{firstLine("Unhandled error in function 'down' ((command line):2):"), contains("stack overflow")}},
		{name: "anonymous callback named by place", args: lua(preamble + `
reactor.call_later(0, function() error("anon") end)
reactor.call_later(0.01, reactor.stop)
reactor.run()`),
			stderr: []check{
				firstLine("Unhandled error in function <(command line):2>:"),
				contains("\n(command line):2: anon\nstack traceback:\n"),
			}},
	})
}

// TestReactorName: reactor.name follows --reactor, a script's install, or
// the default (epoll).
func TestReactorName(t *testing.T) {
	t.Parallel()
	var cases []cliCase
	for _, kind := range []string{"select", "poll", "epoll"} {
		cases = append(cases,
			cliCase{name: "--reactor " + kind, args: lua(`print(require("reactor").name)`, "--reactor", kind),
				stdout: []check{is(kind + "\n")}},
			cliCase{name: kind + "reactor.install()", args: lua(`require("` + kind + `reactor").install() print(require("reactor").name)`),
				stdout: []check{is(kind + "\n")}},
		)
	}
	cases = append(cases, cliCase{name: "default", args: lua(`print(require("reactor").name)`),
		stdout: []check{is("epoll\n")}})
	runCLICases(t, cases)
}

// TestDelayedCall: cancel, reset, delay, active, get_time and tostring, and
// their errors on called and cancelled calls.
func TestDelayedCall(t *testing.T) {
	t.Parallel()
	runCLICases(t, []cliCase{
		{name: "cancel inside its own callback", args: lua(preamble + `
local dc
dc = reactor.call_later(0, function()
  print("active inside:", dc:active())
  dc:cancel()
end)
reactor.call_later(0.01, reactor.stop)
reactor.run()`),
			stdout: []check{is("active inside:\tfalse\n")},
			stderr: []check{
				firstLine("Unhandled error in function <(command line):3>:"),
				contains("\n(command line):5: already called\n"),
			}},
		{name: "cancel twice", args: lua(preamble + `
local dc = reactor.call_later(1, print)
dc:cancel()
print(dc:active())
dc:cancel()`), code: 1,
			stdout: []check{is("false\n")},
			stderr: []check{firstLine("loopscript: (command line):5: already cancelled")}},
		{name: "reset a cancelled call", args: lua(preamble + `
local dc = reactor.call_later(1, print)
dc:cancel()
dc:reset(2)`), code: 1,
			stderr: []check{firstLine("loopscript: (command line):4: already cancelled")}},
		{name: "delay a called call", args: lua(preamble + `
local dc = reactor.call_later(0, function() end)
reactor.call_later(0.01, reactor.stop)
reactor.run()
dc:delay(1)`), code: 1,
			stderr: []check{firstLine("loopscript: (command line):5: already called")}},
		{name: "cancelled call does not run", args: lua(preamble + `
reactor.call_later(0, function() print("must not run") end):cancel()
reactor.call_later(0.05, function() print("ran") reactor.stop() end)
reactor.run()`),
			stdout: []check{is("ran\n")}},
		{name: "reset and delay move the call", args: lua(preamble + `
local t0 = reactor.seconds()
local dc = reactor.call_later(0.01, function() end)
local at = dc:get_time()
dc:reset(0.05)
local reset_at = dc:get_time()
dc:delay(0.05)
print(reset_at >= at + 0.039, dc:get_time() - reset_at >= 0.049, dc:active())
dc:cancel()`),
			stdout: []check{is("true\ttrue\ttrue\n")}},
		{name: "tostring is readable", args: lua(preamble + `
local dc = reactor.call_later(1, print)
local active = tostring(dc)
dc:cancel()
local cancelled = tostring(dc)
print(active:sub(1, 11), cancelled:sub(1, 11), active ~= cancelled, active:find("userdata") == nil)`),
			stdout: []check{is("DelayedCall\tDelayedCall\ttrue\ttrue\n")}},
	})
}

// TestLoopingCall: task.looping_call and its errors.
func TestLoopingCall(t *testing.T) {
	t.Parallel()
	const pre = preamble + ` local task = require("task")`
	runCLICases(t, []cliCase{
		{name: "start a running one", args: lua(pre + `
local lc = task.looping_call(function() end)
lc:start(1)
lc:start(1)`), code: 1,
			stderr: []check{firstLine("loopscript: (command line):4: already running")}},
		{name: "stop a stopped one", args: lua(pre + `
local lc = task.looping_call(function() end)
lc:stop()`), code: 1,
			stderr: []check{firstLine("loopscript: (command line):3: not running")}},
		{name: "running and interval are live", args: lua(pre + `
local lc = task.looping_call(function() end)
print(lc.running, lc.interval)
print(lc:start(0.5) == lc, lc.running, lc.interval)
lc:stop()
print(lc.running)
lc:start(2, false)
print(lc.running, lc.interval)
lc:stop()`),
			stdout: []check{is("false\tnil\ntrue\ttrue\t0.5\nfalse\ntrue\t2\n")}},
		{name: "first call inside start", args: lua(pre + `
local lc = task.looping_call(function() print("call") end)
lc:start(10)
print("started")
lc:stop()`),
			stdout: []check{is("call\nstarted\n")}},
		{name: "now=false waits an interval", args: lua(pre + `
local t0 = reactor.seconds()
local lc
lc = task.looping_call(function()
  print(reactor.seconds() - t0 >= 0.05)
  lc:stop()
  reactor.stop()
end)
lc:start(0.05, false)
reactor.run()`),
			stdout: []check{is("true\n")}},
		{name: "error stops the loop, reactor goes on", args: lua(pre + `
local n = 0
local lc
local function tick()
  n = n + 1
  print("tick", n)
  if n == 2 then
    -- A loop still running would tick several times before this.
    reactor.call_later(0.1, function() print("after", lc.running, n) reactor.stop() end)
    error("bad tick")
  end
end
lc = task.looping_call(tick)
reactor.call_when_running(function() lc:start(0.02) end)
reactor.run()`),
			stdout: []check{is("tick\t1\ntick\t2\nafter\tfalse\t2\n")},
			stderr: []check{
				firstLine("Unhandled error in function 'tick' ((command line):4):"),
				contains("\n(command line):10: bad tick\n"),
				count("Unhandled error", 1),
			}},
		{name: "restart after stop", args: lua(pre + `
local n = 0
local lc
lc = task.looping_call(function()
  n = n + 1
  print("call", n)
  if n == 2 then lc:stop() reactor.stop() end
end)
lc:start(1)
lc:stop()
reactor.call_when_running(function() lc:start(0.01) end)
reactor.run()`),
			stdout: []check{is("call\t1\ncall\t2\n")}},
		// The overrun is on purpose; on a loaded machine, where the process
		// waits for a core, the callback can hold the loop past the 0.5 s
		// that brings the slow-callback warning.
		{name: "with_count skips missed intervals", args: lua(pre+`
local calls = {}
local lc
lc = task.looping_call_with_count(function(count)
  calls[#calls + 1] = count
  if #calls == 1 then
    local t = reactor.seconds()
    while reactor.seconds() - t < 0.25 do end -- overrun 2.5 intervals
  else
    lc:stop()
    reactor.stop()
  end
end)
reactor.call_when_running(function() lc:start(0.1) end)
reactor.run()
print(calls[1], calls[2] >= 3)`, "--warn-slow", "0"),
			stdout: []check{is("1\ttrue\n")}},
		{name: "tostring", args: lua(pre + `
local lc = task.looping_call(print)
print(tostring(lc):sub(1, 11))`),
			stdout: []check{is("LoopingCall\n")}},
	})
}

// TestNoGlobalsLeak: the modules add no globals.
func TestNoGlobalsLeak(t *testing.T) {
	t.Parallel()
	r := run(t, lua(`local before = {}
for k in pairs(_G) do before[k] = true end
require("reactor") require("task") require("pollreactor")
local added = {}
for k in pairs(_G) do if not before[k] then added[#added + 1] = k end end
table.sort(added)
print(#added, table.concat(added, ","))`)...)
	expect(t, r, 0, []check{is("0\t\n")}, nil)
}
