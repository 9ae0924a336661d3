package tests

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The VM's runtime errors and `..` read as Lua 5.1's in what the CLI
// reports: uncaught in the main chunk, uncaught in a callback, caught by
// pcall, and numbers joined with `..`.
func TestVMErrorsAsLua51(t *testing.T) {
	t.Parallel()
	indexErr := writeFile(t, "index.lua", []byte("local config\n\nprint(config.port)\n"))
	callErr := writeFile(t, "call.lua", []byte("local reactor = require(\"reactor\")\nreactor.call_later(0, function() stop_it() end)\nreactor.call_later(0.01, reactor.stop)\nreactor.run()\n"))
	runCLICases(t, []cliCase{
		{name: "uncaught index error", args: []string{indexErr}, code: 1,
			stderr: []check{is("loopscript: " + indexErr + ":3: attempt to index local 'config' (a nil value)\nstack traceback:\n\t" + indexErr + ":3: in main chunk\n")}},
		{name: "uncaught call error in a callback", args: []string{callErr},
			stderr: []check{contains(callErr + ":2: attempt to call global 'stop_it' (a nil value)"), count("Unhandled error", 1)}},
		{name: "pcall'd errors", args: []string{"-e", `local t = {}
print(select(2, pcall(function() return t.a.b end)))
print(select(2, pcall(function() return t + 1 end)))
print(select(2, pcall(function() return "x" .. t.name end)))
print(select(2, pcall(function() return t < 1 end)))
print(select(2, pcall(function() return #t.n end)))
print(select(2, pcall(function() t:run() end)))
print(select(2, pcall(function() for i = t, 2 do end end)))`},
			stdout: []check{is(`(command line):2: attempt to index field 'a' (a nil value)
(command line):3: attempt to perform arithmetic on upvalue 't' (a table value)
(command line):4: attempt to concatenate field 'name' (a nil value)
(command line):5: attempt to compare table with number
(command line):6: attempt to get length of field 'n' (a nil value)
(command line):7: attempt to call method 'run' (a nil value)
(command line):8: 'for' initial value must be a number
`)}},
		{name: "numbers joined with ..", args: []string{"-e", `print("" .. 1/3, "" .. 1e15, "" .. 2^53, 1/0 .. "", -1/0 .. "", "n=" .. 10)`},
			stdout: []check{is("0.33333333333333\t1e+15\t9.007199254741e+15\tinf\t-inf\tn=10\n")}},
	})
}

// TestVMErrorsMatchLua51CLI: the uncaught error's first line is lua5.1's,
// with loopscript's name in front.
func TestVMErrorsMatchLua51CLI(t *testing.T) {
	t.Parallel()
	interp, err := exec.LookPath("lua5.1")
	if err != nil {
		t.Skip("lua5.1 is not installed: TestVMErrorsAsLua51 checks the literal messages")
	}
	for _, src := range []string{
		"local config\n\nprint(config.port)\n",
		"local t = {}\nt.handler()\n",
		"local s = 'a' .. {}\n",
		"print(#nil)\n",
		"local n\nif n > 1 then end\n",
	} {
		script := writeFile(t, "t.lua", []byte(src))
		r := run(t, script)
		cmd := exec.Command(interp, filepath.Base(script))
		cmd.Dir = filepath.Dir(script)
		out, _ := cmd.CombinedOutput()
		want, _, _ := strings.Cut(strings.Replace(string(out), interp+": ", "loopscript: "+filepath.Dir(script)+"/", 1), "\n")
		if got, _, _ := strings.Cut(r.stderr, "\n"); got != want {
			t.Errorf("%q:\n got %q\nwant %q", src, got, want)
		}
	}
}
