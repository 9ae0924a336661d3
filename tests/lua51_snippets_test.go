package tests

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// lua51SnippetCases are short scripts whose whole output (standard output
// and standard error) is what lua5.1 prints for them. Each was a
// discrepancy once. A case prints values and messages, never addresses, so
// that it can be compared with lua5.1's output as it is.
var lua51SnippetCases = []struct{ name, src, want string }{
	{"loadfile and dofile fail with C's strerror", `print(loadfile("/nonexistent/x.lua"))
print(loadfile("/"))
print(pcall(dofile, "/nonexistent/x.lua"))
print(pcall(dofile, "/"))
`, `nil	cannot open /nonexistent/x.lua: No such file or directory
nil	cannot read /: Is a directory
false	cannot open /nonexistent/x.lua: No such file or directory
false	cannot read /: Is a directory
`},
}

// TestLua51Snippets runs each case and checks its output; with lua5.1
// installed, lua5.1's output for the case must be the same.
func TestLua51Snippets(t *testing.T) {
	t.Parallel()
	interp, _ := exec.LookPath("lua5.1")
	for _, c := range lua51SnippetCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			script := writeFile(t, "t.lua", []byte(c.src))
			cmd := exec.Command(loopscript, "t.lua")
			cmd.Dir = filepath.Dir(script)
			out, err := cmd.CombinedOutput()
			if err != nil || string(out) != c.want {
				t.Errorf("error %v, output:\n%s\nwant:\n%s", err, out, c.want)
			}
			if interp == "" {
				return
			}
			cmd = exec.Command(interp, "t.lua")
			cmd.Dir = filepath.Dir(script)
			if ref, err := cmd.CombinedOutput(); err != nil || string(ref) != c.want {
				t.Errorf("lua5.1 (error %v) prints:\n%s\nthe case wants:\n%s", err, ref, c.want)
			}
		})
	}
}
