package tests

import "testing"

// os.exit ends loopscript with the status asked for, after the output
// written so far, wherever it is called; a bad argument is an error of the
// script (status 1), not a Go crash.
func TestOSExitStatus(t *testing.T) {
	t.Parallel()
	runCLICases(t, []cliCase{
		{name: "number", args: []string{"-e", "os.exit(3)"}, code: 3},
		{name: "true", args: []string{"-e", "os.exit(true)"}, code: 0},
		{name: "false", args: []string{"-e", "os.exit(false)"}, code: 1},
		{name: "through pcall", args: []string{"-e", "print(pcall(os.exit, true)) print('not here')"}, code: 0},
		{name: "io.write is flushed", args: []string{"-e", "io.write('partial line') os.exit(4)"}, code: 4,
			stdout: []check{firstLine("partial line")}},
		{name: "in a callback", args: []string{"-e", `local r = require("reactor")
r.add_system_event_trigger("before", "shutdown", print, "no trigger")
r.call_later(0, function() print("cb") os.exit(5) end)
r.call_later(0, print, "not run")
r.run() print("not after run")`}, code: 5, stdout: []check{firstLine("cb"), oneLine()}},
		{name: "bad argument", args: []string{"-e", "os.exit('x')"}, code: 1,
			stderr: []check{contains("bad argument #1 to 'exit' (number expected, got string)")}},
	})
}
