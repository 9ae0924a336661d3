package luabind

import (
	"sort"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// The commonest mistakes with the modules and objects, each with the error
// that names it. Every case runs on line 2 of test.lua.
func TestStrictModulesAndMethods(t *testing.T) {
	const setup = `local reactor, task = require("reactor"), require("task"); local dc, lc, clock = reactor.call_later(1, print), task.looping_call(print), task.clock()
`
	tests := []struct{ code, want string }{
		// A misspelt name, Twisted's spelling, a name with nothing near.
		{`reactor.call_latr(1, print)`, "reactor has no field 'call_latr' (did you mean 'call_later'?)"},
		{`reactor.callLater(1, print)`, "reactor has no field 'callLater' (did you mean 'call_later'?)"},
		{`reactor.stpo()`, "reactor has no field 'stpo' (did you mean 'stop'?)"},
		{`reactor.strat()`, "reactor has no field 'strat'"},
		{`local x = reactor.runing`, "reactor has no field 'runing' (did you mean 'running'?)"},
		{`local x = reactor.listenTCP`, "reactor has no field 'listenTCP' (did you mean 'listen_tcp'?)"},
		{`local x = reactor[1]`, "reactor has no field 1 (a number)"},
		{`task.looping_cal(print)`, "task has no field 'looping_cal' (did you mean 'looping_call'?)"},
		{`require("pollreactor").instal()`, "pollreactor has no field 'instal' (did you mean 'install'?)"},
		// ':' for '.' on a module.
		{`reactor:call_later(1, print)`, "bad argument #1 to 'call_later' (number expected, got table; use reactor.call_later, not reactor:call_later)"},
		{`reactor:call_when_running(print)`, "bad argument #1 to 'call_when_running' (function expected, got table; use reactor.call_when_running, not reactor:call_when_running)"},
		{`reactor:add_system_event_trigger("before", "shutdown", print)`, "bad argument #1 to 'add_system_event_trigger' (string expected, got table; use reactor.add_system_event_trigger, not reactor:add_system_event_trigger)"},
		{`task:looping_call(print)`, "bad argument #1 to 'looping_call' (function expected, got table; use task.looping_call, not task:looping_call)"},
		{`task.looping_call(reactor)`, "bad argument #1 to 'looping_call' (function expected, got table)"},
		// Modules are read-only.
		{`reactor.running = true`, "attempt to modify read-only module 'reactor' (field 'running')"},
		{`reactor.seconds_ = reactor.seconds`, "attempt to modify read-only module 'reactor' (field 'seconds_')"},
		{`task.helper = print`, "attempt to modify read-only module 'task' (field 'helper')"},
		{`require("epollreactor").force = true`, "attempt to modify read-only module 'epollreactor' (field 'force')"},
		{`setmetatable(reactor, nil)`, "cannot change a protected metatable"},
		// '.' for ':' on an object, and misspelt methods.
		{`dc.cancel()`, "bad argument #1 to 'cancel' (DelayedCall expected, got no value; use dc:cancel, not dc.cancel)"},
		{`dc.reset(2)`, "bad argument #1 to 'reset' (DelayedCall expected, got number; use dc:reset, not dc.reset)"},
		{`dc:cancle()`, "DelayedCall has no field 'cancle' (did you mean 'cancel'?)"},
		{`lc.start(1)`, "bad argument #1 to 'start' (LoopingCall expected, got number; use lc:start, not lc.start)"},
		{`lc:strat(1)`, "LoopingCall has no field 'strat' (did you mean 'start'?)"},
		{`local x = lc.intervall`, "LoopingCall has no field 'intervall' (did you mean 'interval'?)"},
		{`clock.advance(1)`, "bad argument #1 to 'advance' (Clock expected, got number; use clock:advance, not clock.advance)"},
		{`clock:advnce(1)`, "Clock has no field 'advnce' (did you mean 'advance'?)"},
		{`clock:callLater(1, print)`, "Clock has no field 'callLater' (did you mean 'call_later'?)"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			res := runLua(t, setup+`print(pcall(function() `+tt.code+` end))`)
			want := "false\ttest.lua:2: " + tt.want + "\n"
			if res.err != nil || res.out != want {
				t.Errorf("output %q, error %v; want %q", res.out, res.err, want)
			}
		})
	}
}

// Strictness leaves what works alone: live fields read live, pairs lists
// the API, objects' fields and methods work, rawset writes. The I/O
// functions (each group's file fills in its own) are listed apart, so the
// test names only the core.
func TestStrictModulesStillWork(t *testing.T) {
	rt := &Runtime{}
	var ioNames []string
	for _, group := range []map[string]lua.LGFunction{
		rt.tcpFunctions(), rt.udpFunctions(), rt.processFunctions(), rt.watcherFunctions(),
	} {
		for name := range group {
			ioNames = append(ioNames, name)
		}
	}
	sort.Strings(ioNames)
	res := runLua(t, `local reactor, task = require("reactor"), require("task")
print(reactor.running, reactor.name, pcall(function() reactor.running = true end))
reactor.call_when_running(function() print(reactor.running) reactor.stop() end)
reactor.run()
print(reactor.running)
local io_names = {}
for name in ("`+strings.Join(ioNames, " ")+`"):gmatch("%S+") do io_names[name] = true end
local names, io = {}, {}
for k in pairs(reactor) do
  if io_names[k] then io[#io + 1] = k else names[#names + 1] = k end
end
table.sort(names)
table.sort(io)
print(table.concat(names, " "))
print(table.concat(io, " "))
names = {}
for k in pairs(task) do names[#names + 1] = k end
table.sort(names)
print(table.concat(names, " "))
local lc = task.looping_call(print)
print(lc.running, lc.interval, type(lc.start), getmetatable(reactor))
rawset(task, "extra", 1)
print(task.extra)`)
	want := "false\tepoll\tfalse\ttest.lua:2: attempt to modify read-only module 'reactor' (field 'running')\n" +
		"true\nfalse\n" +
		"add_system_event_trigger call_later call_when_running name remove_system_event_trigger run seconds stop\n" +
		strings.Join(ioNames, " ") + "\n" +
		"clock defer_later looping_call looping_call_with_count\n" +
		"false\tnil\tfunction\tfalse\n1\n"
	if res.err != nil || res.out != want {
		t.Errorf("output:\n%s\nerror %v; want:\n%s", res.out, res.err, want)
	}
}

func TestNearestName(t *testing.T) {
	names := []string{"call_later", "call_when_running", "run", "seconds", "stop"}
	for _, tt := range []struct{ name, want string }{
		{"call_latr", "call_later"},
		{"CALL_LATER", "call_later"},
		{"callWhenRunning", "call_when_running"},
		{"rnu", "run"},   // a swap counts one
		{"sotp", "stop"}, // so does this one
		{"sec", ""},      // too far: four edits for three letters
		{"x", ""},
		{"", ""},
	} {
		if got := nearestName(tt.name, names); got != tt.want {
			t.Errorf("nearestName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
