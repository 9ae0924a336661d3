package tests

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The ports of twisted-intro's inline-callbacks/ programs: each one's output
// against a golden copy of Twisted 22.4's, and against Twisted's own run
// when python3-twisted is installed. Timed programs run on --clock virtual;
// Twisted's run in real time (10 s at most). Failure tracebacks compare by
// shape: Lua's frames replace Python's.
func TestInlineCallbacksScripts(t *testing.T) {
	gen := "starting up\n1\nworkin'\n2\nstill workin'\n3\ndone\n"
	for _, tc := range []struct {
		name, golden string
		virtual      bool
	}{
		{"gen-1", gen, false},
		{"gen-2", gen, false},
		{"gen-3", "1\n10\n2\n20\n3\n30\n40\n", false},
		{"gen-4", "starting up\n1\ngot: 10\n2\ngot: 20\n3\nmalfunction!\n4\ndone\n", false},
		{"inline-callbacks-1", "first callback\nsecond callback got 1\nthird callback got 2\nfourth callback got Exception(3)\n", true},
		{"inline-callbacks-2", "my_callbacks_1 first callback\nmy_callbacks_err first callback\n" +
			"my_callbacks_1 second callback\nmy_callbacks_err second callback\n" +
			"my_callbacks_1 third callback\ngot result: 1\nmy_callbacks_err third callback\n" +
			"got error: [Failure instance: Traceback: <class 'Exception'>: uh oh\n" +
			"TRACEBACK\n]\nall done\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"scripts/inline-callbacks/" + tc.name + ".lua"}
			if tc.virtual {
				args = append([]string{"--clock", "virtual"}, args...)
			}
			r := run(t, args...)
			expect(t, r, 0, []check{}, nil)
			got := luaTracebacks(r.stdout)
			if got != tc.golden {
				t.Errorf("output:\n%s\nwant:\n%s", got, tc.golden)
			}
			if strings.Contains(tc.golden, "TRACEBACK") &&
				!strings.Contains(r.stdout, "\tscripts/inline-callbacks/"+tc.name+".lua:35: in function") {
				t.Errorf("the traceback does not show the line of the error:\n%s", r.stdout)
			}
			py := twistedPython(t)
			twisted := string(runTool(t, nil, py, filepath.Join(twistedIntro(t), "inline-callbacks", tc.name+".py")))
			if w := pythonTracebacks(twisted); w != tc.golden {
				t.Errorf("Twisted's output:\n%s\nwant (golden):\n%s", w, tc.golden)
			}
		})
	}
}

// TestInlineCallbacksTraceback: the stack printed inside an inline callbacks
// function shows the script's line, as inline-callbacks-tb.py's does.
func TestInlineCallbacksTraceback(t *testing.T) {
	r := run(t, "scripts/inline-callbacks/inline-callbacks-tb.lua")
	expect(t, r, 0, []check{is("")}, []check{firstLine("stack traceback:"),
		contains("\tscripts/inline-callbacks/inline-callbacks-tb.lua:10: in function <scripts/inline-callbacks/inline-callbacks-tb.lua:8>")})
	py := twistedPython(t)
	twisted := runToolStderr(t, py, filepath.Join(twistedIntro(t), "inline-callbacks", "inline-callbacks-tb.py"))
	if !strings.Contains(twisted, "inline-callbacks-tb.py\", line 9, in my_callbacks") {
		t.Errorf("Twisted's stack lacks the generator's line:\n%s", twisted)
	}
}

var (
	luaTracebackBlock    = regexp.MustCompile(`(?m)^stack traceback:\n(\t.*\n)+`)
	pythonTracebackBlock = regexp.MustCompile(`(?m)^(/.*:\d+:\w+\n|--- <exception caught here> ---\n)+`)
)

// luaTracebacks and pythonTracebacks replace each traceback block with the
// line TRACEBACK.
func luaTracebacks(s string) string { return luaTracebackBlock.ReplaceAllString(s, "TRACEBACK\n") }
func pythonTracebacks(s string) string {
	return pythonTracebackBlock.ReplaceAllString(s, "TRACEBACK\n")
}

// runToolStderr runs a program to the end and returns what it wrote on
// standard error.
func runToolStderr(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Dir = repoRoot
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return stderr.String()
}
