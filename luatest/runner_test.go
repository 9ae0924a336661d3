package luatest

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/internal/testfiles"
)

// runLuaTests runs the tests under paths (default ".") from dir with the
// runner, reporting in the human format, and returns the summary, the report
// and Run's error.
func runLuaTests(t *testing.T, dir string, rn Runner, verbose bool, paths ...string) (Summary, string, error) {
	t.Helper()
	t.Chdir(dir)
	var out strings.Builder
	rn.Reporter = Human(&out, verbose)
	if len(paths) == 0 {
		paths = []string{"."}
	}
	sum, err := rn.Run(paths...)
	return sum, out.String(), err
}

const passingTests = `local reactor = require("reactor")

test("virtual time", function()
  local fired
  reactor.call_later(3600, function() fired = reactor.seconds(); reactor.stop() end)
  reactor.run()
  assert(fired == 3600, "fired at " .. tostring(fired))
end)

test("a fresh state for each test", function()
  assert(leaked == nil, "a global leaked from another test")
  leaked = true
  assert(not reactor.running)
  reactor.call_when_running(reactor.stop)
  reactor.run() -- a reactor runs once: this one must be new
end)

test("and again", function()
  assert(leaked == nil, "a global leaked from another test")
  leaked = true
end)
`

func TestRunner(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		runner  Runner
		verbose bool
		paths   []string
		ok      bool
		// want are substrings of the report, in order; the last is the summary.
		want    []string
		notWant []string
	}{
		{
			name:    "all pass: quiet, summary, exit 0",
			files:   map[string]string{"a_test.lua": passingTests},
			ok:      true,
			want:    []string{"3 passed, 0 failed\n"},
			notWant: []string{"ok ", "FAIL"},
		},
		{
			name:    "-v lists each test",
			files:   map[string]string{"a_test.lua": passingTests},
			verbose: true,
			ok:      true,
			want: []string{
				"ok   a_test.lua:3: virtual time\n",
				"ok   a_test.lua:10: a fresh state for each test\n",
				"ok   a_test.lua:18: and again\n",
				"3 passed, 0 failed\n",
			},
		},
		{
			name: "a failed assert names the file, the line and the message",
			files: map[string]string{"a_test.lua": `
test("good", function() end)
test("bad", function()
  print("a log line")
  assert(1 + 1 == 3, "arithmetic")
end)`},
			want: []string{
				"FAIL a_test.lua:3: bad\n    a_test.lua:5: arithmetic\n    output:\n    a log line\n",
				"1 passed, 1 failed\n",
			},
		},
		{
			name: "a Lua error fails the test, with the traceback when raised elsewhere",
			files: map[string]string{
				"helper.lua": "return {explode = function() local t; return t.x end}\n",
				"a_test.lua": `
local helper = dofile("helper.lua")
test("error", function() helper.explode() end)`,
			},
			want: []string{
				"FAIL a_test.lua:3: error\n    helper.lua:1: attempt to index",
				"stack traceback:",
				"a_test.lua:3:",
				"0 passed, 1 failed\n",
			},
		},
		{
			name: "an assert in a helper shows the traceback down to the test",
			files: map[string]string{"a_test.lua": `local function check(x)
  assert(x == 2, "x is " .. x)
end
test("helper", function() check(3) end)`},
			want: []string{
				"FAIL a_test.lua:4: helper\n    a_test.lua:2: x is 3\n    stack traceback:\n",
				"a_test.lua:2: in function 'check'\n",
				"a_test.lua:4: in function <a_test.lua:4>\n",
				"0 passed, 1 failed\n",
			},
		},
		{
			name: "--run picks tests by Go regexp, in every file",
			files: map[string]string{
				"a_test.lua":     `test("count up", function() end) test("stop", function() error("ran") end)`,
				"sub/b_test.lua": `test("countdown", function() end) test("other", function() error("ran") end)`,
			},
			verbose: true, runner: Runner{Filter: regexp.MustCompile("^count")},
			ok:      true,
			want:    []string{"ok   a_test.lua:1: count up\n", "ok   sub/b_test.lua:1: countdown\n", "2 passed, 0 failed\n"},
			notWant: []string{"stop", "other"},
		},
		{
			name:   "--run matching nothing is a failure",
			files:  map[string]string{"a_test.lua": passingTests},
			runner: Runner{Filter: regexp.MustCompile("nothing")},
			want:   []string{"no tests to run (--run nothing matched none)\n", "0 passed, 0 failed\n"},
		},
		{
			name:    "test files declaring no tests are a failure",
			files:   map[string]string{"a_test.lua": "local reactor = require(\"reactor\")\n"},
			want:    []string{"no tests to run\n", "0 passed, 0 failed\n"},
			notWant: []string{"--run"},
		},
		{
			name: "expect_output shows a diff",
			files: map[string]string{"a_test.lua": `
test("output", function()
  expect_output(function() print("Start!") print("5...") print("Stop!") end, "Start!\n5 ...\nStop!\n")
end)`},
			want: []string{"FAIL a_test.lua:2: output\n    a_test.lua:3: output differs (- expected, + got):\n      Start!\n    - 5 ...\n    + 5...\n      Stop!\n", "0 passed, 1 failed\n"},
		},
		{
			name: "expect_output runs a script relative to the test file, with times",
			files: map[string]string{
				"scripts/count.lua": `local reactor = require("reactor")
local n = 2
local function count()
  if n == 0 then reactor.stop() return end
  print(n); n = n - 1
  reactor.call_later(1, count)
end
reactor.call_when_running(count)
print("Start!", arg[0])
reactor.run()
print("Stop!")
`,
				"scripts/count_test.lua": `
test("timed", function()
  expect_output("count.lua", [[
[   0.000] Start!	scripts/count.lua
[   0.000] 2
[   1.000] 1
[   2.000] Stop!
]], {times = true})
end)
test("untimed, final newline optional", function()
  expect_output("count.lua", "Start!\tscripts/count.lua\n2\n1\nStop!")
end)
test("a failing script fails the test", function()
  expect_output("missing.lua", "")
end)`,
			},
			want: []string{"FAIL scripts/count_test.lua:13: a failing script fails the test\n    scripts/count_test.lua:14: script scripts/missing.lua failed: cannot open scripts/missing.lua", "2 passed, 1 failed\n"},
		},
		{
			name: "an unhandled callback error fails the test unless flushed",
			files: map[string]string{"a_test.lua": `
local reactor = require("reactor")
local function boom() error("boom") end
test("unflushed", function()
  reactor.call_later(1, boom); reactor.call_later(2, reactor.stop); reactor.run()
end)
test("flushed", function()
  reactor.call_later(1, boom); reactor.call_later(2, reactor.stop); reactor.run()
  local errors = flush_errors()
  assert(#errors == 1 and errors[1] == "a_test.lua:3: boom", errors[1])
  assert(#flush_errors() == 0)
end)`},
			want: []string{"FAIL a_test.lua:4: unflushed\n    unhandled error in a callback", "Unhandled error in function <a_test.lua:3>:\n    a_test.lua:3: boom\n", "1 passed, 1 failed\n"},
		},
		{
			name: "a Deferred failure left unhandled fails the test",
			files: map[string]string{"a_test.lua": `
local defer = require("defer")
test("unhandled", function()
  defer.Deferred():add_callback(function() error("lost") end):callback(1)
end)
test("handled", function()
  defer.fail("caught"):add_errback(function() end)
end)`},
			want: []string{"FAIL a_test.lua:3: unhandled\n    unhandled error in a callback",
				"Unhandled error in Deferred:\n    Failure: string: a_test.lua:4: lost\n", "1 passed, 1 failed\n"},
		},
		{
			name: "a test that never ends times out, and the others still run",
			files: map[string]string{"a_test.lua": `
local reactor = require("reactor")
test("never stops", function()
  reactor.call_later(0, function() print("ran once") end)
  require("task").looping_call(function() end):start(1)
  reactor.run()
end)
test("endless loop", function() while true do end end)
test("fine", function() end)`},
			runner: Runner{Timeout: 200 * time.Millisecond},
			want: []string{
				"FAIL a_test.lua:3: never stops\n    timed out after 200ms with the reactor running: was reactor.stop() called?\n    output:\n    ran once\n",
				"FAIL a_test.lua:8: endless loop\n    timed out after 200ms\n",
				"1 passed, 2 failed\n",
			},
		},
		{
			name: "a timeout inside expect_output shows what was printed so far",
			files: map[string]string{"a_test.lua": `
test("stuck", function()
  print("outside")
  expect_output(function() print("inside") while true do end end, "")
end)`},
			runner: Runner{Timeout: 200 * time.Millisecond},
			want: []string{
				"FAIL a_test.lua:2: stuck\n    timed out after 200ms\n    output:\n    outside\n    inside\n",
				"0 passed, 1 failed\n",
			},
		},
		{
			// The timeout is long: the failure must come from the idle reactor,
			// not from the timeout.
			name: "a reactor with nothing to do fails the test at once",
			files: map[string]string{"a_test.lua": `
local reactor = require("reactor")
test("forgot to stop", function()
  reactor.call_later(5, function() print("last timer") end)
  reactor.run()
  print("never printed")
end)
test("script forgot to stop", function()
  expect_output("idle.lua", "")
end)
test("fine", function() end)`,
				"idle.lua": `local reactor = require("reactor")
print("script started")
reactor.run()`},
			runner: Runner{Timeout: 20 * time.Second},
			want: []string{
				"FAIL a_test.lua:3: forgot to stop\n    " + idleMessage + "\n    output:\n    last timer\n",
				"FAIL a_test.lua:8: script forgot to stop\n    " + idleMessage + "\n    output:\n    script started\n",
				"1 passed, 2 failed\n",
			},
			notWant: []string{"never printed"},
		},
		{
			name: "an idle reactor while loading fails the file",
			files: map[string]string{
				"a_test.lua": "require('reactor').run()\ntest('x', function() end)\n",
			},
			runner: Runner{Timeout: 20 * time.Second},
			want:   []string{"FAIL a_test.lua\n    a_test.lua: while loading the file, " + idleMessage + "\n", "0 passed, 1 failed\n"},
		},
		{
			name: "require finds modules beside the test file, from another folder",
			files: map[string]string{
				"sub/a_test.lua":        `local helper = require("helper") local lib = require("lib") test("uses them", function() assert_eq(helper.x + lib.y, 3) end)`,
				"sub/helper.lua":        "return {x = 1}\n",
				"sub/lib/init.lua":      "return {y = 2}\n",
				"other/b_test.lua":      `test("does not see sub's", function() assert(not pcall(require, "helper")) end)`,
				"sub/deeper/c_test.lua": `test("sees its own folder first", function() assert_eq(require("helper").x, "deeper") end)`,
				"sub/deeper/helper.lua": `return {x = "deeper"}`,
			},
			paths:   []string{"sub", "other"},
			verbose: true,
			ok:      true,
			want:    []string{"ok   sub/a_test.lua:1: uses them\n", "ok   sub/deeper/c_test.lua:1: sees its own folder first\n", "ok   other/b_test.lua:1: does not see sub's\n", "3 passed, 0 failed\n"},
		},
		{
			name: "require beside the test file under a sandbox",
			files: map[string]string{
				"sub/a_test.lua": `test("sandboxed", function() assert_eq(require("helper").x, 1) assert(io == nil) end)`,
				"sub/helper.lua": "return {x = 1}\n",
			},
			runner: Runner{Options: host.Options{Sandbox: &host.Sandbox{}}},
			paths:  []string{"sub"},
			ok:     true,
			want:   []string{"1 passed, 0 failed\n"},
		},
		{
			name: "a file that fails to load counts as a failure",
			files: map[string]string{
				"a_test.lua": "test('x', function() end)\nlocal = 1\n",
				"b_test.lua": "test('fine', function() end)",
			},
			want: []string{"FAIL a_test.lua\n    a_test.lua:2: ", "1 passed, 1 failed\n"},
		},
		{
			name: "test() misuse is a load error",
			files: map[string]string{
				"a_test.lua": "test('x', function() end)\ntest('x', function() end)\n",
				"b_test.lua": "test(1, function() end)\n",
				"c_test.lua": "test('outer', function() test('inner', function() end) end)\n",
			},
			want: []string{
				"FAIL a_test.lua\n    a_test.lua:2: test 'x' is already declared at line 1\n",
				"FAIL b_test.lua\n    b_test.lua:1: bad argument #1 to 'test' (string expected, got number)\n",
				"FAIL c_test.lua:1: outer\n    c_test.lua:1: test() declares a test at the top level of a test file, not inside a test\n",
				"0 passed, 3 failed\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testfiles.Write(t, tt.files)
			sum, report, err := runLuaTests(t, dir, tt.runner, tt.verbose, tt.paths...)
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
			if len(tt.want) > 0 && rest != "" {
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

// TestNoTestFiles: Run refuses paths with no test file, before reporting
// anything, and paths that do not exist.
func TestNoTestFiles(t *testing.T) {
	dir := testfiles.Write(t, map[string]string{"notatest.lua": "error('must not run')"})
	_, report, err := runLuaTests(t, dir, Runner{}, false)
	if !errors.Is(err, ErrNoTestFiles) || err.Error() != "no *_test.lua files in ." || report != "" {
		t.Errorf("Run: %v, report %q; want %v, no report", err, report, ErrNoTestFiles)
	}
	_, _, err = runLuaTests(t, dir, Runner{}, false, "missing")
	if err == nil || err.Error() != "cannot open missing: no such file or directory" {
		t.Errorf("Run(missing): %v", err)
	}
}

func TestLineDiff(t *testing.T) {
	tests := []struct {
		name, want, got, diff string
	}{
		{
			name: "changed line",
			want: "a\nb\nc\n", got: "a\nB\nc\n",
			diff: "  a\n- b\n+ B\n  c\n",
		},
		{
			name: "missing and extra lines",
			want: "a\nb\nc", got: "a\nc\nd",
			diff: "  a\n- b\n  c\n+ d\n",
		},
		{
			name: "far context collapses",
			want: "1\n2\n3\n4\n5\n6\n7\n8\n9\n", got: "1\n2\n3\n4\n5\n6\n7\n8\nnine\n",
			diff: "  ...\n  6\n  7\n  8\n- 9\n+ nine\n",
		},
		{
			name: "changed lines pair up",
			want: "0\n1\n2\nend\n", got: "0\n1.5\n3\n4.5\nend\n",
			diff: "  0\n- 1\n+ 1.5\n- 2\n+ 3\n+ 4.5\n  end\n",
		},
		{
			name: "invisible differences are quoted",
			want: "Stop!", got: "Stop! \n",
			diff: "- Stop!\n+ \"Stop! \"\n",
		},
		{
			name: "empty output",
			want: "x\n", got: "",
			diff: "- x\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := lineDiff(tt.want, tt.got); d != tt.diff {
				t.Errorf("lineDiff:\n%s\nwant:\n%s", d, tt.diff)
			}
		})
	}
}

// The Lua suites of the repository (task.clock and LoopingCalls on it, the
// ports of Twisted's test_task.py cases) pass.
func TestRepositoryLuaSuites(t *testing.T) {
	sum, stdout, err := runLuaTests(t, "..", Runner{}, false, "tests/lua")
	if err != nil || !sum.OK() {
		t.Fatalf("%+v, %v\nreport:\n%s", sum, err, stdout)
	}
	var passed, failed int
	if _, err := fmt.Sscanf(lastLine(stdout), "%d passed, %d failed", &passed, &failed); err != nil || failed != 0 || passed < 30 {
		t.Fatalf("summary %q: want at least 30 passed, 0 failed", lastLine(stdout))
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return lines[len(lines)-1]
}
