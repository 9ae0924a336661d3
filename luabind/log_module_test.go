package luabind

import (
	"regexp"
	"strings"
	"testing"
)

// logTime is the time at the head of each log line.
var logTime = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0000 `)

func TestLog(t *testing.T) {
	tests := []struct {
		name, code, stdout, stderr string
	}{
		{"before start_logging: msg dropped, err to stderr", `
local log = require("log")
log.msg("dropped")
log.err("a string")
log.err(defer.Failure("boom"), "why text")
log.err(require("errors").ConnectionDone())`, "",
			"'a string'\n" +
				"why text\nTraceback (failure with no frames): Failure: string: boom\n\n" +
				"Unhandled Error\nTraceback (failure with no frames): Failure: ConnectionDone: Connection was closed cleanly.\n\n"},
		{"lines after start_logging", `
local log = require("log")
log.start_logging(io.stdout)
log.msg("one", 2, nil, true)
log.msg()
log.msg("")
log.msg("multi\nline")
log.err("it's")
log.err("tab\tand \\ and \1")
log.err(42)`, "TIME [-] Log opened.\nTIME [-] one 2 nil true\nTIME [-] \nTIME [-] multi\n\tline\n" +
			"TIME [-] \"it's\"\nTIME [-] 'tab\\tand \\\\ and \\x01'\nTIME [-] 42\n", ""},
		{"a failure's traceback is tab-indented", `
local log = require("log")
log.start_logging(io.stdout)
local d = defer.Deferred()
d:add_callback(function() error("bad", 0) end)
d:add_errback(function(f) log.err(f) end)
d:callback(1)
log.err(defer.Failure("x"), "custom why")`, "TIME [-] Unhandled Error\n\tTraceback (most recent call last):\n\tstack traceback:\n" +
			"\t\t[C]: in function 'error'\n\t\ttest.lua:NN: in function 'callback'\n\t\ttest.lua:NN: in main chunk\n\tFailure: string: bad\n\t\n" +
			"TIME [-] custom why\n\tTraceback (failure with no frames): Failure: string: x\n\t\n", ""},
		{"anything with a write method", `
local log = require("log")
local lines = {}
log.start_logging({write = function(self, s) lines[#lines + 1] = s end})
log.msg("hello")
io.write(table.concat(lines))`, "TIME [-] Log opened.\nTIME [-] hello\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := runAsyncLua(t, Config{}, tc.code)
			if run.err != nil {
				t.Fatalf("chunk error: %v", run.err)
			}
			out := logTime.ReplaceAllString(run.out, "TIME ")
			out = regexp.MustCompile(`test\.lua:\d+`).ReplaceAllString(out, "test.lua:NN")
			if tc.name == "a failure's traceback is tab-indented" {
				out = out[strings.Index(out, "TIME [-] Unhandled"):]
			}
			if out != tc.stdout {
				t.Errorf("stdout:\n%q\nwant:\n%q", out, tc.stdout)
			}
			if run.stderr != tc.stderr {
				t.Errorf("stderr:\n%q\nwant:\n%q", run.stderr, tc.stderr)
			}
		})
	}
}

func TestLogArgumentErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`require("log").err()`, "test.lua:1: bad argument #1 to 'err' (error value or Failure expected, got no value)"},
		{`require("log").err(nil)`, "test.lua:1: bad argument #1 to 'err' (error value or Failure expected, got nil)"},
		{`require("log").err("x", 1)`, "test.lua:1: bad argument #2 to 'err' (string expected, got number)"},
		{`require("log").start_logging("stdout")`, "test.lua:1: bad argument #1 to 'start_logging' (file expected (io.stdout, or an object with a write method), got string)"},
		{`require("log").start_logging({})`, "test.lua:1: bad argument #1 to 'start_logging' (file expected (io.stdout, or an object with a write method), got table)"},
	}
	for _, tc := range tests {
		run := runAsyncLua(t, Config{}, tc.code)
		if run.err == nil || run.err.Error() != tc.want {
			t.Errorf("%s: error\n%v\nwant\n%s", tc.code, run.err, tc.want)
		}
	}
}
