package main

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/internal/testfiles"
)

// runCLI runs loopscript with args in process, from dir, stdin feeding its
// standard input.
func runCLI(t *testing.T, dir string, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Chdir(dir)
	var out, errOut strings.Builder
	code = run(append([]string{"loopscript"}, args...), stdin, &out, &errOut)
	return code, out.String(), errOut.String()
}

func openDevNull(t *testing.T) *os.File {
	t.Helper()
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestIsTerminal: only a real terminal counts, not every character device.
func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	regular, err := os.Open("main.go")
	if err != nil {
		t.Fatal(err)
	}
	defer regular.Close()
	cases := []struct {
		name string
		r    io.Reader
		want bool
	}{
		{"/dev/null", openDevNull(t), false},
		{"pipe", r, false},
		{"regular file", regular, false},
		{"not a file", strings.NewReader("print(1)"), false},
	}
	if tty := openTerminal(t); tty != nil {
		cases = append(cases, struct {
			name string
			r    io.Reader
			want bool
		}{"pseudo-terminal", tty, true})
	}
	for _, c := range cases {
		if got := isTerminal(c.r); got != c.want {
			t.Errorf("isTerminal(%s) = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestCommandLineAsLua: each case runs loopscript in process and checks
// what lua5.1 does with the same command line.
func TestCommandLineAsLua(t *testing.T) {
	dir := testfiles.Write(t, map[string]string{
		"a/b.lua":   `b = "set by a.b"; return "its value"`,
		"mod.lua":   `return {x = 1}`,
		"s.lua":     `print("script", ...)`,
		"stdin.lua": `print("from stdin")`,
	})
	stdinScript := func(t *testing.T) io.Reader {
		f, err := os.Open(dir + "/stdin.lua")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	cases := []struct {
		name        string
		args        []string
		stdin       func(*testing.T) io.Reader // nil: /dev/null
		code        int
		stdout      string
		stderrHas   string // "" : stderr must be empty
		stderrLacks string
	}{
		// Defect 10: /dev/null is no terminal; its empty script runs.
		{name: "stdin /dev/null", code: 0},
		{name: "stdin a file", stdin: stdinScript, stdout: "from stdin\n"},
		{name: "-v alone", args: []string{"-v"}, stdin: stdinScript, stdout: version + "\n"},
		{name: "-v -e", args: []string{"-v", "-e", "print(1)"}, stdout: version + "\n1\n"},
		{name: "-v script", args: []string{"-v", "s.lua", "x"}, stdout: version + "\nscript\tx\n"},
		{name: "-v -", args: []string{"-v", "-"}, stdin: stdinScript, stdout: version + "\nfrom stdin\n"},
		{name: "--version exits", args: []string{"--version", "s.lua"}, stdout: version + "\n"},
		// Defect 9: -l passes the name to require, as a value.
		{name: "-l dotted name", args: []string{"-l", "a.b", "-e", "print(b, a, package.loaded['a.b'])"},
			stdout: "set by a.b\tnil\tits value\n"},
		{name: "-l sets no global", args: []string{"-l", "mod", "-e", "print(mod, package.loaded.mod.x)"},
			stdout: "nil\t1\n"},
		{name: "-l name is not code", args: []string{"-l", `print("injected") --`}, code: 1,
			stderrHas: `loopscript: module 'print("injected") --' not found:`, stderrLacks: "injected\n"},
		{name: "-l reactor installs it", args: []string{"-l", "reactor", "-e", "print(package.loaded.reactor.running)"},
			stdout: "false\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdin := io.Reader(openDevNull(t))
			if c.stdin != nil {
				stdin = c.stdin(t)
			}
			code, stdout, stderr := runCLI(t, dir, stdin, c.args...)
			if code != c.code || stdout != c.stdout {
				t.Errorf("loopscript %s: status %d, stdout %q; want %d, %q\nstderr:\n%s",
					strings.Join(c.args, " "), code, stdout, c.code, c.stdout, stderr)
			}
			switch {
			case c.stderrHas == "" && stderr != "":
				t.Errorf("stderr: %q, want nothing", stderr)
			case !strings.Contains(stderr, c.stderrHas):
				t.Errorf("stderr: %q, want it to contain %q", stderr, c.stderrHas)
			case c.stderrLacks != "" && strings.Contains(stderr+stdout, c.stderrLacks):
				t.Errorf("output contains %q: the name ran as code", c.stderrLacks)
			}
		})
	}
}
