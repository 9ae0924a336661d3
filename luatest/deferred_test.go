package luatest

import (
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/internal/testfiles"
)

// deferredHeader starts the test files below: a Deferred that fires with v
// after the given virtual seconds.
const deferredHeader = `-- lines 1-8 are the header
local defer = require("defer")
local reactor = require("reactor")
local function later(seconds, v)
  local d = defer.Deferred()
  reactor.call_later(seconds, function() d:callback(v) end)
  return d
end
`

// TestDeferredPhases: a test, before_each and after_each may return a
// Deferred, which the runner waits for on the test's reactor (virtual time);
// a failed Deferred fails the test with its traceback; assert_failure checks
// the class of a failure.
func TestDeferredPhases(t *testing.T) {
	tests := []struct {
		name    string
		body    string // after deferredHeader
		runner  Runner
		verbose bool
		ok      bool
		want    []string // substrings of the report, in order; the last is the summary
		notWant []string
	}{
		{
			name: "a Deferred test passes once it fires, on virtual time",
			body: `test("waits an hour", function()
  return later(3600, "done"):add_callback(function(v)
    assert_eq(v, "done")
    assert_eq(reactor.seconds(), 3600)
    print("fired")
  end)
end)`,
			verbose: true, ok: true,
			want: []string{"ok   a_test.lua:9: waits an hour\n    output:\n    fired\n", "1 passed, 0 failed\n"},
		},
		{
			name: "a failed Deferred fails the test with its traceback, reported once",
			body: `local function check(v) error("bad value " .. v) end
test("fails later", function()
  return later(5, 3):add_callback(function(v) check(v) end)
end)`,
			want: []string{
				"FAIL a_test.lua:10: fails later\n    a_test.lua:9: bad value 3\n    stack traceback:\n",
				"a_test.lua:9: in function 'check'\n",
				"a_test.lua:11: in function",
				"0 passed, 1 failed\n",
			},
			notWant: []string{"Unhandled error in Deferred"},
		},
		{
			name: "a Deferred failed with an error class instance",
			body: `test("refused", function()
  return defer.fail(require("errors").ConnectionRefusedError())
end)`,
			want: []string{"FAIL a_test.lua:9: refused\n    ConnectionRefusedError: Connection was refused by other side.\n", "0 passed, 1 failed\n"},
		},
		{
			name:   "a Deferred that never fires while the reactor is busy times out",
			runner: Runner{Timeout: 300 * time.Millisecond},
			body: `test("forever", function()
  require("task").looping_call(function() end):start(1)
  return defer.Deferred()
end)`,
			want: []string{"FAIL a_test.lua:9: forever\n    timed out after 300ms waiting for a Deferred to fire\n", "0 passed, 1 failed\n"},
		},
		{
			name: "a Deferred that nothing can fire fails at once",
			body: `test("never", function() return defer.Deferred() end)`,
			want: []string{"FAIL a_test.lua:9: never\n    " + idleDeferredMessage + "\n", "0 passed, 1 failed\n"},
		},
		{
			name: "before_each and after_each run around each test, waiting for their Deferreds",
			body: `local log = {}
before_each(function()
  log[#log + 1] = "before@" .. reactor.seconds()
  return later(1)
end)
before_each(function() log[#log + 1] = "before2@" .. reactor.seconds() end)
after_each(function()
  log[#log + 1] = "after@" .. reactor.seconds()
  return later(1):add_callback(function() print(table.concat(log, " ")) end)
end)
test("first", function()
  log[#log + 1] = "test@" .. reactor.seconds()
  return later(1)
end)
test("second, synchronous", function() log[#log + 1] = "test@" .. reactor.seconds() end)`,
			verbose: true, ok: true,
			want: []string{
				"ok   a_test.lua:19: first\n    output:\n    before@0 before2@1 test@1 after@2\n",
				"ok   a_test.lua:23: second, synchronous\n    output:\n    before@0 before2@1 test@1 after@1\n",
				"2 passed, 0 failed\n",
			},
		},
		{
			name: "after_each runs after a failed test",
			body: `after_each(function() print("after ran") end)
test("fails", function() error("test broke") end)`,
			want: []string{"FAIL a_test.lua:10: fails\n    a_test.lua:10: test broke\n    output:\n    after ran\n", "0 passed, 1 failed\n"},
		},
		{
			name: "a failed before_each skips the test and after_each",
			body: `before_each(function()
  return later(1):add_callback(function() error("no set-up") end)
end)
after_each(function() print("after ran") end)
test("set-up fails", function() print("test ran") end)`,
			want:    []string{"FAIL a_test.lua:13: set-up fails\n    before_each: a_test.lua:10: no set-up\n", "0 passed, 1 failed\n"},
			notWant: []string{"test ran", "after ran"},
		},
		{
			name: "a failing after_each fails a passing test",
			body: `after_each(function() return defer.fail("cleanup failed") end)
test("passes", function() end)`,
			want: []string{"FAIL a_test.lua:10: passes\n    after_each: cleanup failed\n", "0 passed, 1 failed\n"},
		},
		{
			name: "assert_failure fires with the error when the class matches, by class or by name",
			body: `local errors = require("errors")
test("by class", function()
  local d = later(1):add_callback(function() error(errors.ConnectionRefusedError()) end)
  return assert_failure(d, errors.ConnectError):add_callback(function(e)
    assert_eq(e.message, "Connection was refused by other side.")
  end)
end)
test("by name, among several", function()
  return assert_failure(defer.fail(defer.TimeoutError("slow")), "CancelledError", "TimeoutError")
end)`,
			ok:   true,
			want: []string{"2 passed, 0 failed\n"},
		},
		{
			name: "assert_failure fails the test for another failure, or for a success",
			body: `test("another class", function()
  return assert_failure(defer.fail(defer.CancelledError("x")), defer.TimeoutError)
end)
test("success", function()
  return assert_failure(later(1, 5), "TimeoutError", "CancelledError")
end)
test("bad arguments", function() assert_failure(later(1)) end)`,
			want: []string{
				"FAIL a_test.lua:9: another class\n    assert_failure: expected a failure of TimeoutError, got CancelledError: x\n",
				"FAIL a_test.lua:12: success\n    assert_failure: expected a failure of TimeoutError or CancelledError, but the Deferred succeeded with 5\n",
				"FAIL a_test.lua:15: bad arguments\n    a_test.lua:15: bad argument #2 to 'assert_failure' (error class or class name expected, got no value)\n",
				"0 passed, 3 failed\n",
			},
		},
		{
			name: "a failure left unhandled when the test ends fails it",
			body: `test("drops a failure", function() defer.fail("lost") end)`,
			want: []string{"FAIL a_test.lua:9: drops a failure\n", "Unhandled error in Deferred:\n", "string: lost", "0 passed, 1 failed\n"},
		},
		{
			name: "a Deferred returned after the test ran the reactor cannot be waited for",
			body: `test("ran the reactor", function()
  reactor.call_when_running(reactor.stop)
  reactor.run()
  return defer.Deferred()
end)
test("stops the reactor", function()
  reactor.call_later(1, reactor.stop)
  return later(2)
end)`,
			want: []string{
				"FAIL a_test.lua:9: ran the reactor\n    the test returned a Deferred that has not fired, and the reactor cannot run to fire it (reactor not restartable): return the Deferred instead of calling reactor.run()\n",
				"FAIL a_test.lua:14: stops the reactor\n    the reactor stopped before the Deferred the test returned fired: was reactor.stop() called?\n",
				"0 passed, 2 failed\n",
			},
		},
		{
			// On the virtual clock, the 30 s connect timeout and the timer
			// must wait while the lookup, the connect or the child are in
			// flight (reactor/pending.go).
			name: "a name lookup, a connect and a process are waited for, not jumped over",
			body: `local protocol = require("protocol")
test("connect by name", function()
  local port = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = protocol.Protocol}(), {interface = "127.0.0.1"})
  local d = defer.Deferred()
  local F = protocol.ClientFactory:extend{protocol = protocol.Protocol}
  function F:client_connection_failed(c, reason) d:errback(reason) end
  function F:build_protocol(addr) d:callback("connected") return nil end
  reactor.connect_tcp("localhost", port:get_host().port, F())
  return d:add_callback(function(v) assert_eq(v, "connected") assert_eq(reactor.seconds(), 0) end)
end)
test("process", function()
  local d = defer.Deferred()
  local P = protocol.ProcessProtocol:extend()
  function P:process_ended() if not d.called then d:callback("ended") end end
  reactor.spawn_process(P(), "/bin/sh", {"sh", "-c", "sleep 0.05"}, {env = {}})
  reactor.call_later(30, function() if not d.called then d:callback("timer") end end)
  return d:add_callback(function(v) assert_eq(v, "ended") end)
end)`,
			ok:   true,
			want: []string{"2 passed, 0 failed\n"},
		},
		{
			name: "an error in an after_each run after a wait shows its own frames only",
			body: `local function cleanup() error("cleanup broke") end
after_each(function() cleanup() end)
test("waits", function() return later(1) end)`,
			want: []string{
				"FAIL a_test.lua:11: waits\n    after_each: a_test.lua:9: cleanup broke\n    stack traceback:\n",
				"\ta_test.lua:9: in function 'cleanup'\n    \ta_test.lua:10: in function <a_test.lua:10>\n0 passed, 1 failed\n",
			},
		},
		{
			name: "before_each and after_each are declared at the top level, with a function",
			body: `before_each(42)`,
			want: []string{"FAIL a_test.lua\n    a_test.lua:9: bad argument #1 to 'before_each' (function expected, got number)\n", "0 passed, 1 failed\n"},
		},
		{
			name: "after_each inside a test is an error",
			body: `test("inside", function() after_each(function() end) end)`,
			want: []string{"FAIL a_test.lua:9: inside\n    a_test.lua:9: after_each() is called at the top level of a test file, not inside a test\n", "0 passed, 1 failed\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testfiles.Write(t, map[string]string{"a_test.lua": deferredHeader + tt.body})
			sum, report, err := runLuaTests(t, dir, tt.runner, tt.verbose)
			if err != nil {
				t.Fatalf("Run: %v\nreport:\n%s", err, report)
			}
			if sum.OK() != tt.ok {
				t.Errorf("OK() = %v, want %v (%+v)\nreport:\n%s", sum.OK(), tt.ok, sum, report)
			}
			rest := report
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("the report lacks (in order) %q\nreport:\n%s", w, report)
					break
				}
				rest = rest[i+len(w):]
			}
			if rest != "" {
				t.Errorf("the report goes on after the summary: %q", rest)
			}
			for _, nw := range tt.notWant {
				if strings.Contains(report, nw) {
					t.Errorf("the report has %q\nreport:\n%s", nw, report)
				}
			}
		})
	}
}
