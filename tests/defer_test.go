package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A failure no errback handled is reported on standard error when the run
// ends, after everything the script printed, in Twisted's words, with the
// Lua traceback of where it was raised; the exit status is the script's.
func TestUnhandledDeferredReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, code   string
		status       int
		stdout       string
		stderrFormat string // FILE stands for the script's path
	}{
		{"error in a callback (defer-unhandled)", `local defer = require("defer")
local d = defer.Deferred()
d:add_callback(function() error("oops") end)
d:callback(1)
print("Finished")`, 0, "Finished\n",
			"Unhandled error in Deferred:\nFailure: string: FILE:3: oops\nstack traceback:\n" +
				"\t[C]: in function 'error'\n\tFILE:3: in function 'callback'\n\tFILE:4: in main chunk\n"},
		{"after reactor.run() returns", `local defer = require("defer")
local reactor = require("reactor")
local d = defer.Deferred()
d:add_callback(function() error("late oops") end)
reactor.call_later(0.01, function() d:callback(1) reactor.stop() end)
reactor.run()
print("done")`, 0, "done\n",
			"Unhandled error in Deferred:\nFailure: string: FILE:4: late oops\nstack traceback:\n" +
				"\t[C]: in function 'error'\n\tFILE:4: in function 'callback'\n\tFILE:5: in function <FILE:5>\n" +
				"\t[C]: in function 'run'\n\tFILE:6: in main chunk\n"},
		{"a cancel nothing handles (defer-cancel-1), and a value with no frames", `local defer = require("defer")
defer.Deferred():cancel()
defer.fail("no frames")
print("done")`, 0, "done\n",
			"Unhandled error in Deferred:\nFailure: CancelledError: \nUnhandled error in Deferred:\nFailure: string: no frames\n"},
		{"handled: nothing", `local defer = require("defer")
local d = defer.fail("x")
d:add_errback(function(f) print("handled", f.value) end)`, 0, "handled\tx\n", ""},
		{"before the error of the script, which still fails", `local defer = require("defer")
defer.fail("first")
error("the script fails")`, 1, "",
			"Unhandled error in Deferred:\nFailure: string: first\nloopscript: FILE:3: the script fails\n" +
				"stack traceback:\n\t[C]: in function 'error'\n\tFILE:3: in main chunk\n"},
		{"os.exit ends the process at once: no report", `local defer = require("defer")
defer.fail("dropped")
os.exit(0)`, 0, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			script := filepath.Join(t.TempDir(), "script.lua")
			if err := os.WriteFile(script, []byte(tc.code), 0o644); err != nil {
				t.Fatal(err)
			}
			r := run(t, script)
			wantErr := strings.ReplaceAll(tc.stderrFormat, "FILE", script)
			if r.code != tc.status || r.stdout != tc.stdout || r.stderr != wantErr {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, stdout:\n%s\nstderr:\n%s",
					r.code, r.stdout, r.stderr, tc.status, tc.stdout, wantErr)
			}
		})
	}
}
