package main

import (
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/internal/testfiles"
)

// runLuaTests runs "loopscript test ARGS..." from a new folder holding
// files (name -> content) and returns its exit status and output.
func runLuaTests(t *testing.T, files map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Chdir(testfiles.Write(t, files))
	var out, errOut strings.Builder
	code = run(append([]string{"loopscript", "test"}, args...), nil, &out, &errOut)
	return code, out.String(), errOut.String()
}

const passing = `test("one", function() end) test("two", function() end)`

// TestTestCommand: the arguments of loopscript test reach the runner, and
// its outcome becomes the exit status. (What the runner does is tested in
// package luatest.)
func TestTestCommand(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		args   []string
		code   int
		stdout string // a prefix of stdout
		stderr string // a prefix of stderr; empty: stderr must be empty
	}{
		{"all pass", map[string]string{"a_test.lua": passing}, nil, 0, "2 passed, 0 failed\n", ""},
		{"-v and --run", map[string]string{"a_test.lua": passing}, []string{"-v", "--run=^t"}, 0, "ok   a_test.lua:1: two\n1 passed, 0 failed\n", ""},
		{"a failure", map[string]string{"a_test.lua": `test("x", function() error("no") end)`}, nil, 1, "FAIL a_test.lua:1: x\n", ""},
		{"no test ran", map[string]string{"a_test.lua": passing}, []string{"--run", "none"}, 1, "no tests to run (--run none matched none)\n0 passed, 0 failed\n", ""},
		{"paths after --", map[string]string{"sub/a_test.lua": passing}, []string{"--", "sub"}, 0, "2 passed", ""},
		{"--timeout in plain seconds", map[string]string{"a_test.lua": passing}, []string{"--timeout", "5"}, 0, "2 passed", ""},
		{"--format tap", map[string]string{"a_test.lua": passing}, []string{"--format", "tap"}, 0, "TAP version 13\n# a_test.lua\nok 1 - one\nok 2 - two\n1..2\n", ""},
		{"--format junit", map[string]string{"a_test.lua": passing}, []string{"--format=junit"}, 0, `<?xml version="1.0" encoding="UTF-8"?>` + "\n<testsuites tests=\"2\"", ""},
		{"no test files", map[string]string{"notatest.lua": "error('must not run')"}, nil, 1, "", "loopscript test: no *_test.lua files in .\n"},
		{"a missing path", nil, []string{"missing"}, 1, "", "loopscript test: cannot open missing: no such file or directory\n"},
		{"a zero --timeout", nil, []string{"--timeout", "0"}, 2, "", "loopscript test: bad duration '0' for '--timeout' (must be positive)\nusage: loopscript test"},
		{"a --timeout that is no duration", nil, []string{"--timeout=soon"}, 2, "", "loopscript test: bad duration 'soon' for '--timeout' (want a number of seconds or a duration such as 200ms)\nusage: loopscript test"},
		{"an unknown format", nil, []string{"--format", "xml"}, 2, "", "loopscript test: unknown format 'xml' (want human, tap or junit)\nusage: loopscript test"},
		{"a bad --run", nil, []string{"--run", "("}, 2, "", "loopscript test: bad --run pattern: error parsing regexp"},
		{"an option without its value", nil, []string{"--format"}, 2, "", "loopscript test: '--format' needs an argument\nusage:"},
		{"a bad option", nil, []string{"--frobnicate"}, 2, "", "loopscript test: unrecognized option '--frobnicate'\nusage: loopscript test"},
		{"help", nil, []string{"-h"}, 0, "usage: loopscript test", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runLuaTests(t, tt.files, tt.args...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if !strings.HasPrefix(stdout, tt.stdout) {
				t.Errorf("stdout:\n%s\nwant it to start with:\n%s", stdout, tt.stdout)
			}
			if !strings.HasPrefix(stderr, tt.stderr) || (tt.stderr == "" && stderr != "") {
				t.Errorf("stderr:\n%s\nwant it to start with:\n%s", stderr, tt.stderr)
			}
		})
	}
}

// TestTestTimeoutUnits: --timeout reads plain numbers as seconds, as
// --warn-slow and --max-callback-time do, and Go's syntax as Go does.
func TestTestTimeoutUnits(t *testing.T) {
	for arg, want := range map[string]time.Duration{
		"5":     5 * time.Second,
		"0.25":  250 * time.Millisecond,
		"200ms": 200 * time.Millisecond,
		"2m":    2 * time.Minute,
	} {
		cmd, err := parseTestArgs([]string{"--timeout", arg})
		if err != nil {
			t.Errorf("--timeout %s: %v", arg, err)
			continue
		}
		if cmd.timeout != want {
			t.Errorf("--timeout %s: timeout %v, want %v", arg, cmd.timeout, want)
		}
	}
}
