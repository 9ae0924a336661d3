package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cliCase is one run of loopscript and what it must print and return.
type cliCase struct {
	name   string
	args   []string
	stdin  string
	code   int
	stdout []check // nil: must print nothing
	stderr []check // nil: must print nothing
}

func runCLICases(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runStdin(t, tc.stdin, tc.args...)
			expect(t, r, tc.code, tc.stdout, tc.stderr)
		})
	}
}

func TestCLI(t *testing.T) {
	t.Parallel()
	script := writeFile(t, "args.lua", []byte(
		`print(arg[0], arg[1], arg[2], select("#", ...), ...)`+"\n"))
	printX := writeFile(t, "x.lua", []byte("print(x)\n"))
	syntax := writeFile(t, "syntax.lua", []byte("local x = 1\nx = = 2\n"))
	runtimeErr := writeFile(t, "runtime.lua", []byte("local x = 1\nerror(\"boom\")\n"))
	recursion := writeFile(t, "recurse.lua", []byte(
		"local function down(n) return 1 + down(n + 1) end\ndown(1)\n"))
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.lua")
	shebang := writeFile(t, "shebang.lua", []byte("#!/usr/bin/env loopscript\nprint(\"ran\")\n"))

	runCLICases(t, []cliCase{
		{name: "-v", args: []string{"-v"},
			stdout: []check{oneLine(), firstLinePrefix("loopscript ")}},
		{name: "-v then the script", args: []string{"-v", script, "x"},
			stdout: []check{firstLinePrefix("loopscript "), contains("\n" + script + "\tx\tnil\t1\tx\n")}},
		{name: "-v then -e", args: []string{"-v", "-e", "print('e')"},
			stdout: []check{firstLinePrefix("loopscript "), contains("\ne\n")}},
		{name: "-v alone reads no stdin", args: []string{"-v"}, stdin: "print('piped')\n",
			stdout: []check{oneLine(), firstLinePrefix("loopscript ")}},
		{name: "--version", args: []string{"--version"},
			stdout: []check{oneLine(), firstLinePrefix("loopscript ")}},
		{name: "--version exits", args: []string{"--version", "-e", "print('e')"},
			stdout: []check{oneLine(), firstLinePrefix("loopscript ")}},
		{name: "-h", args: []string{"-h"},
			stdout: []check{firstLinePrefix("usage: loopscript "), contains("-e ", "-l ", "--reactor", "-v", "-h", "--", "Exit status")}},
		{name: "--help", args: []string{"--help"},
			stdout: []check{firstLinePrefix("usage: loopscript ")}},
		{name: "unknown option", args: []string{"--bogus", "scripts/countdown.lua"}, code: 2,
			stderr: []check{firstLinePrefix("loopscript: "), firstLineContains("--bogus")}},
		{name: "unknown short option", args: []string{"-x"}, code: 2,
			stderr: []check{firstLinePrefix("loopscript: "), firstLineContains("-x")}},
		{name: "unknown reactor", args: []string{"--reactor", "kqueue", "scripts/countdown.lua"}, code: 2,
			stderr: []check{firstLinePrefix("loopscript: "), firstLineContains("kqueue")}},
		{name: "--reactor without a name", args: []string{"--reactor"}, code: 2,
			stderr: []check{firstLinePrefix("loopscript: "), firstLineContains("--reactor")}},
		{name: "-e without a chunk", args: []string{"-e"}, code: 2,
			stderr: []check{firstLinePrefix("loopscript: "), firstLineContains("-e")}},
		{name: "missing script", args: []string{missing}, code: 1,
			stderr: []check{oneLine(), firstLinePrefix("loopscript: "), contains(missing)}},
		{name: "directory as script", args: []string{dir}, code: 1,
			stderr: []check{oneLine(), firstLinePrefix("loopscript: "), contains(dir)}},
		{name: "-e chunks in order", args: []string{"-e", "print(1)", "-e", "print(2)"},
			stdout: []check{is("1\n2\n")}},
		{name: "-e before a script", args: []string{"-e", "x = 42", printX},
			stdout: []check{is("42\n")}},
		{name: "-e attached", args: []string{"-eprint('attached')"},
			stdout: []check{is("attached\n")}},
		{name: "-l task", args: []string{"-l", "task", "-e", "print(task, type(package.loaded.task.looping_call))"},
			stdout: []check{is("nil\tfunction\n")}},
		{name: "-l reactor", args: []string{"-l", "reactor", "-e", "print(reactor, package.loaded.reactor.name)"},
			stdout: []check{is("nil\tepoll\n")}},
		{name: "-l name is not code", args: []string{"-l", `print("injected") --`}, code: 1,
			stderr: []check{firstLine(`loopscript: module 'print("injected") --' not found:`)}},
		{name: "-l unknown module", args: []string{"-l", "nosuchmodule"}, code: 1,
			stderr: []check{firstLinePrefix("loopscript: "), contains("nosuchmodule")}},
		{name: "modules are not globals", args: []string{"-e", "print(reactor, task)"},
			stdout: []check{is("nil\tnil\n")}},
		{name: "script from stdin", args: []string{"-", "a", "b"},
			stdin:  "print(arg[0], arg[1], arg[2], ...)\n",
			stdout: []check{is("-\ta\tb\ta\tb\n")}},
		{name: "stdin when no script", stdin: "print('piped')\n",
			stdout: []check{is("piped\n")}},
		{name: "stdin /dev/null when no script"}, // exec gives the child /dev/null
		{name: "-- ends options", args: []string{"--", script, "-v", "--bogus"},
			stdout: []check{is(script + "\t-v\t--bogus\t2\t-v\t--bogus\n")}},
		{name: "arg table and ...", args: []string{script, "x", "y"},
			stdout: []check{is(script + "\tx\ty\t2\tx\ty\n")}},
		{name: "arg before the script", args: []string{"--reactor", "poll", "-e", "print(arg[-2], arg[-3], arg[-4], arg[-5] ~= nil, arg[-6])", script},
			stdout: []check{is("-e\tpoll\t--reactor\ttrue\tnil\n" + script + "\tnil\tnil\t0\n")}},
		{name: "#! line skipped", args: []string{shebang},
			stdout: []check{is("ran\n")}},
		{name: "syntax error", args: []string{syntax}, code: 1,
			stderr: []check{oneLine(), firstLinePrefix("loopscript: " + syntax + ":2: ")}},
		{name: "syntax error in -e", args: []string{"-e", "x = = 1"}, code: 1,
			stderr: []check{oneLine(), firstLinePrefix("loopscript: (command line):1: ")}},
		{name: "runtime error in main chunk", args: []string{runtimeErr}, code: 1,
			stderr: []check{
				firstLine("loopscript: " + runtimeErr + ":2: boom"),
				contains("\nstack traceback:\n", "\t"+runtimeErr+":2: in main chunk"),
			}},
		{name: "error with a table value", args: []string{"-e", "error({})"}, code: 1,
			stderr: []check{firstLinePrefix("loopscript: "), contains("table"), lacks("0x")}},
		{name: "infinite recursion", args: []string{recursion}, code: 1,
			stderr: []check{firstLinePrefix("loopscript: " + recursion + ":1: "), contains("stack overflow")}},
		{name: "callback errors keep exit 0", args: []string{"-e",
			`local r = require("reactor") r.call_when_running(function() error("oops") end) r.call_later(0, r.stop) r.run()`},
			stderr: []check{firstLinePrefix("Unhandled error in "), contains("oops")}},
	})
}

// firstLineContains wants sub in the first line.
func firstLineContains(sub string) check {
	return func(t *testing.T, stream, text string) {
		t.Helper()
		if line, _, _ := strings.Cut(text, "\n"); !strings.Contains(line, sub) {
			t.Errorf("%s: first line %q does not mention %q", stream, line, sub)
		}
	}
}

// TestGarbageScripts: binary data as a script is a clean syntax error, one
// line naming the file.
func TestGarbageScripts(t *testing.T) {
	t.Parallel()
	elf, err := os.ReadFile(loopscript)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"elf", elf[:4096]},
		{"bytecode", []byte("\x1bLuaQ\x00\x01\x04\x08\x04\x08\x00")},
		{"nul bytes", []byte("print('a')\x00\x00\x00")},
		{"invalid utf-8", []byte("\xff\xfe\xfd = 1\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, "garbage.lua", tc.data)
			r := run(t, path)
			expect(t, r, 1, nil, []check{oneLine(), firstLinePrefix("loopscript: " + path + ":")})
		})
	}
}

// TestGarbageMessagePrintable: a control character in a syntax error is
// shown as Lua 5.1 shows a stray one, char(27), or as <\27> inside a quoted
// token, never copied raw to the terminal, where it could be taken for an
// escape sequence.
func TestGarbageMessagePrintable(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "garbage.lua", []byte("\x1bLua\x01\x02"))
	r := run(t, path)
	expect(t, r, 1, nil, []check{oneLine(), firstLinePrefix("loopscript: " + path + ":1: "), contains(`near 'char(27)'`)})
	for _, c := range r.stderr {
		if c < ' ' && c != '\n' && c != '\t' {
			t.Errorf("stderr has control character %q: %q", c, r.stderr)
		}
	}
}

// TestUnreadableScript: a script that exists but cannot be read.
func TestUnreadableScript(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root can read any file")
	}
	path := writeFile(t, "secret.lua", []byte("print(1)\n"))
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	r := run(t, path)
	expect(t, r, 1, nil, []check{oneLine(), firstLinePrefix("loopscript: "), contains(path)})
}

// TestGoErrorHasPosition: an error raised inside a Go builtin (here
// string.rep asked for 2^62 bytes) is an error in the main chunk like any
// other: "loopscript: FILE:LINE: message".
func TestGoErrorHasPosition(t *testing.T) {
	t.Parallel()
	r := run(t, "-e", `local s = string.rep("x", 2^62)`)
	expect(t, r, 1, nil, []check{firstLinePrefix("loopscript: (command line):1: ")})
}

// TestCommandLineLikeLua51 runs command lines through lua5.1 and loopscript,
// in a folder holding the modules they load, and wants the same exit status
// and standard output: -l passes its name to require and sets no global, and
// an empty standard input (/dev/null) is an empty script.
func TestCommandLineLikeLua51(t *testing.T) {
	t.Parallel()
	lua51, err := exec.LookPath("lua5.1")
	if err != nil {
		t.Skip("lua5.1 is not installed: nothing to compare with")
	}
	dir := t.TempDir()
	for name, src := range map[string]string{
		"a/b.lua": `b = "set by a.b"; return "its value"`,
		"mod.lua": `return {x = 1}`,
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{},
		{"-l", "a.b", "-e", "print(b, a, package.loaded['a.b'])"},
		{"-l", "mod", "-e", "print(mod, package.loaded.mod.x)"},
		{"-l", `print("injected") --`},
		{"-l", "nosuch"},
		{"-e", "print(1)", "-l", "mod", "-e", "print(2)"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(lua51, args...)
			cmd.Dir = dir
			want, err := cmd.Output()
			wantCode := 0
			if ee, ok := err.(*exec.ExitError); ok {
				wantCode = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			r := startWith(t, func(cmd *exec.Cmd) { cmd.Dir = dir }, args...).wait(30 * time.Second)
			if r.code != wantCode || r.stdout != string(want) {
				t.Errorf("loopscript: status %d, stdout %q; lua5.1: status %d, stdout %q\nloopscript's stderr:\n%s",
					r.code, r.stdout, wantCode, want, r.stderr)
			}
		})
	}
}

// TestReactorFlagAndScriptInstall: --reactor and the script's own install
// agree when they ask for the same kind (simple-poll.lua then idles as
// usual); when they do not, the error says which kind --reactor installed.
func TestReactorFlagAndScriptInstall(t *testing.T) {
	t.Parallel()
	t.Run("same kind", func(t *testing.T) {
		t.Parallel()
		runIdle(t, syscall.SIGINT, "", "--reactor", "poll", "scripts/simple-poll.lua")
	})
	t.Run("another kind", func(t *testing.T) {
		t.Parallel()
		line := lineOf(t, "scripts/simple-poll.lua", `require("pollreactor").install()`)
		r := run(t, "--reactor", "select", "scripts/simple-poll.lua")
		expect(t, r, 1, nil, []check{firstLine(fmt.Sprintf(
			"loopscript: scripts/simple-poll.lua:%d: reactor already installed (select, by --reactor)", line))})
	})
}
