package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Slow and runaway callbacks, the sandbox and hostile scripts, through the
// real binary.

func TestWarnSlowOption(t *testing.T) {
	t.Parallel()
	slow := `local reactor = require("reactor")
local function slow() local t0 = reactor.seconds() while reactor.seconds() - t0 < 0.3 do end end
reactor.call_later(0, slow)
reactor.call_later(0.01, reactor.stop)
reactor.run()`
	warning := regexp.MustCompile(`^warning: callback slow \(\(command line\):2\) blocked the reactor for 0\.\d\d\d s\n$`)
	for _, tc := range []struct {
		args []string
		warn bool
	}{
		{nil, false}, // the default is 0.5 s
		{[]string{"--warn-slow", "0.1"}, true},
		{[]string{"--warn-slow", "100ms"}, true},
		{[]string{"--warn-slow=0.1s"}, true},
		{[]string{"--warn-slow", "0"}, false},
		{[]string{"--warn-slow", "1m"}, false},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := run(t, append(tc.args, "-e", slow)...)
			if tc.warn {
				expect(t, r, 0, nil, []check{func(t *testing.T, stream, text string) {
					if !warning.MatchString(text) {
						t.Errorf("%s %q, want one warning matching %s", stream, text, warning)
					}
				}})
			} else {
				expect(t, r, 0, nil, nil)
			}
		})
	}
}

func TestLimitOptionsUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--warn-slow", "soon", "-e", ""},
		{"--warn-slow", "-1", "-e", ""},
		{"--max-callback-time", "1parsec", "-e", ""},
		{"--max-callback-time", "-2s", "-e", ""},
		{"--max-callback-time"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := run(t, args...)
			expect(t, r, 2, nil, []check{firstLinePrefix("loopscript: "), contains("usage:")})
		})
	}
}

// A runaway callback is interrupted and reported with its name and
// FILE:LINE; the loop goes on and the script ends normally.
func TestMaxCallbackTimeOption(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "runaway.lua", []byte(`-- a callback that never returns
local reactor = require("reactor")
local function spin()
  while true do end
end
reactor.call_later(0, spin)
reactor.call_later(0.01, function() print("the loop goes on") reactor.stop() end)
reactor.run()
`))
	r := run(t, "--max-callback-time", "300ms", "--warn-slow", "0", path)
	expect(t, r, 0, []check{is("the loop goes on\n")}, []check{
		firstLine(fmt.Sprintf("Unhandled error in function 'spin' (%s:3):", path)),
		contains(fmt.Sprintf("\n%s:4: callback exceeded the time limit of 300ms\nstack traceback:\n", path)),
		count("Unhandled error", 1),
	})
	if r.elapsed < 300*time.Millisecond {
		t.Errorf("ended after %v, before the limit", r.elapsed)
	}
}

// While a callback never returns, the first Ctrl-C asks for a graceful stop
// (TestSecondSignalExits shows the second one exits at once with 130). With
// --max-callback-time, the interrupted callback lets that stop happen: the
// shutdown triggers run and the script ends normally.
func TestCtrlCWithRunawayCallback(t *testing.T) {
	t.Parallel()
	p := start(t, "", "--max-callback-time", "1s", "--warn-slow", "0", "-e", `local reactor = require("reactor")
reactor.add_system_event_trigger("before", "shutdown", function() print("shutting down") end)
reactor.call_when_running(function() print("busy") while true do end end)
reactor.run()
print("run returned")`)
	p.waitFor("busy", 10*time.Second, func() bool { return p.stdout.String() == "busy\n" })
	p.signal(syscall.SIGINT)
	r := p.wait(10 * time.Second)
	expect(t, r, 0, []check{is("busy\nshutting down\nrun returned\n")},
		[]check{contains("callback exceeded the time limit of 1s"), count("Unhandled error", 1)})
}

// A main chunk that never returns is interrupted too: exit status 1.
func TestMaxCallbackTimeMainChunk(t *testing.T) {
	t.Parallel()
	r := run(t, "--max-callback-time", "0.2", "-e", "while true do end")
	expect(t, r, 1, nil, []check{firstLine("loopscript: (command line):1: main chunk exceeded the time limit of 200ms")})
}

func TestSandboxOption(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, code := range map[string]string{
		"helper.lua": `return {twice = function(x) return 2 * x end}`,
		"main.lua": `local helper = require("helper")
print(helper.twice(21), io, os.execute, debug, loadfile, type(os.time()))`,
		"spy.lua":  `print(io.open("/etc/passwd"):read("*l"))`,
		"spin.lua": `local r = require("reactor") r.call_later(0, function() while true do end end) r.call_later(0.01, r.stop) r.run()`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("require beside the script, safe libraries only", func(t *testing.T) {
		t.Parallel()
		r := run(t, "--sandbox", filepath.Join(dir, "main.lua"))
		expect(t, r, 0, []check{is("42\tnil\tnil\tnil\tnil\tnumber\n")}, nil)
	})
	t.Run("no file access", func(t *testing.T) {
		t.Parallel()
		r := run(t, "--sandbox", filepath.Join(dir, "spy.lua"))
		expect(t, r, 1, nil, []check{firstLinePrefix("loopscript: " + filepath.Join(dir, "spy.lua") + ":1: "), lacks("root")})
	})
	t.Run("callbacks limited to 1 s by default", func(t *testing.T) {
		t.Parallel()
		r := run(t, "--sandbox", "--warn-slow", "0", filepath.Join(dir, "spin.lua"))
		expect(t, r, 0, nil, []check{contains("callback exceeded the time limit of 1s"), count("Unhandled error", 1)})
	})
	t.Run("without the sandbox", func(t *testing.T) {
		t.Parallel()
		r := run(t, filepath.Join(dir, "main.lua"))
		expect(t, r, 1, nil, []check{contains("module 'helper' not found")})
	})
}

// Hostile scripts end in clean Lua errors, never a Go crash.
func TestHostileScripts(t *testing.T) {
	t.Parallel()
	deep := writeFile(t, "deep.lua", []byte("return "+strings.Repeat("not ", 1000000)+"1\n"))
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []check
		stderr []check
	}{
		{"deeply nested script", []string{deep}, 1, nil,
			[]check{is("loopscript: " + deep + ":1: chunk has too many syntax levels\n")}},
		{"deeply nested string", []string{"-e", `print(loadstring("return " .. string.rep("not ", 1e6) .. "1"))`}, 0,
			[]check{is("nil\t[string \"return not not not not not not not not not not not not not not ...\"]:1: chunk has too many syntax levels\n")}, nil},
		{"huge string.rep", []string{"-e", `local s = string.rep("x", 1e15)`}, 1, nil,
			[]check{firstLine("loopscript: (command line):1: resulting string too large")}},
		{"huge format width", []string{"-e", `string.format("%999999999d", 1)`}, 1, nil,
			[]check{firstLine("loopscript: (command line):1: invalid format (width or precision too long)")}},
		{"yield across pcall", []string{"-e", `local co = coroutine.create(function() return pcall(coroutine.yield, "y") end) print(coroutine.resume(co)) print(coroutine.resume(co, "r"))`}, 0,
			[]check{is("true\ty\ntrue\ttrue\tr\n")}, nil},
		{"channel receive", []string{"-e", `channel.make():receive()`}, 1, nil,
			[]check{firstLinePrefix("loopscript: (command line):1: attempt to index global 'channel' (a nil value)")}},
		{"error in __tostring of an error", []string{"-e", `local r = require("reactor")
r.call_later(0, function() error(setmetatable({}, {__tostring = function() error("again") end})) end)
r.call_later(0.01, r.stop) r.run()`}, 0, nil,
			[]check{contains("\n(error object is a table value)\n"), count("Unhandled error", 1)}},
		{"math.random(0)", []string{"-e", `math.random(0)`}, 1, nil,
			[]check{firstLine("loopscript: (command line):1: bad argument #1 to 'random' (interval is empty)")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tc.args...)
			expect(t, r, tc.code, tc.stdout, tc.stderr)
		})
	}
}
