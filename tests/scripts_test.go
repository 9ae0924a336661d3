package tests

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const countdownOutput = "Start!\n5 ...\n4 ...\n3 ...\n2 ...\n1 ...\nStop!\n"

// scriptCase is what one script in scripts/ must do when run with no
// arguments.
type scriptCase struct {
	stdout  []check // nil: must print nothing
	stderr  []check // nil: must print nothing
	minTime time.Duration
	// idle scripts never stop by themselves: the test waits until they
	// have printed idleOutput, interrupts them and expects a clean exit.
	// Under --clock virtual too: with nothing scheduled, a virtual clock
	// has nothing to jump to.
	idle       bool
	idleOutput string
	// realClockOnly scripts are about real time itself, which a virtual
	// clock does not see pass: TestScriptsOnVirtualClock skips them.
	realClockOnly bool
}

// scripts lists every script in scripts/; TestScripts fails for a script
// missing here, so a new one cannot go untested.
func scripts(t *testing.T) map[string]scriptCase {
	fallLine := lineOf(t, "scripts/exception.lua", `error("I fall down.")`)
	fallDefined := lineOf(t, "scripts/exception.lua", "function falldown")
	cases := map[string]scriptCase{
		"simple.lua":      {idle: true},
		"simple-poll.lua": {idle: true},
		"hello.lua": {idle: true,
			idleOutput: "Starting the reactor.\nHello from the reactor loop!\nLately I feel like I'm stuck in a rut.\n"},
		"stack.lua":     {stdout: []check{stackShowsRun(t)}},
		"countdown.lua": {stdout: []check{is(countdownOutput)}, minTime: 5 * time.Second},
		"exception.lua": {
			stdout: []check{is("Starting the reactor.\nBut I get up again.\n")},
			stderr: []check{
				firstLine(fmt.Sprintf("Unhandled error in function 'falldown' (scripts/exception.lua:%d):", fallDefined)),
				contains(fmt.Sprintf("\nscripts/exception.lua:%d: I fall down.\nstack traceback:\n", fallLine)),
				contains(fmt.Sprintf("\tscripts/exception.lua:%d: in function 'falldown'\n", fallLine)),
				count("Unhandled error", 1),
			},
		},
		"three-counters.lua": {
			// Lower bound: the slowest counter needs 4 intervals of 0.7 s.
			minTime: 2800 * time.Millisecond,
			stdout: []check{is(`Start!
counter A: 4 ...
counter B: 3 ...
counter C: 2 ...
counter A: 3 ...
counter B: 2 ...
counter C: 1 ...
counter A: 2 ...
counter B: 1 ...
counter C: done
counter A: 1 ...
counter B: done
counter A: done
Stop!
`)},
		},
		"looping-countdown.lua": {stdout: []check{is(countdownOutput)}, minTime: 5 * time.Second},
		"spawn.lua":             spawnScript(t),     // see process_test.go
		"stdio-echo.lua":        stdioEchoScript(t), // see stdio_test.go
		"blocking.lua": {
			// It busy-waits on the real clock.
			realClockOnly: true,
			minTime:       1200 * time.Millisecond,
			stdout:        []check{blockedTimer},
			stderr: []check{
				firstLinePrefix(fmt.Sprintf("warning: callback block (scripts/blocking.lua:%d) blocked the reactor for 1.",
					lineOf(t, "scripts/blocking.lua", "local function block"))),
				count("\n", 1),
			},
		},
	}
	maps.Copy(cases, poetryScripts()) // poetry_test.go
	return cases
}

// blockedTimer checks blocking.lua's output: the timer due at 0.1 s fired
// only once the 1.2 s busy wait was over (the lower bound is exact).
func blockedTimer(t *testing.T, stream, text string) {
	t.Helper()
	m := regexp.MustCompile(`^Start!
block: busy-waiting for 1\.2 s
block: done
the timer due at 0\.1 s fired at (\d+\.\d) s, (\d+\.\d) s late
Stop!
$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("%s:\n%s\nwant the timer's late firing between Start! and Stop!", stream, text)
	}
	if fired, _ := strconv.ParseFloat(m[1], 64); fired < 1.2 {
		t.Errorf("the timer fired at %s s, while the callback still held the loop", m[1])
	}
}

// stackShowsRun checks stack.lua's output: a Lua traceback taken inside the
// callback, with reactor.run under it and the main chunk's call of run
// under that. Go frames in between are allowed.
func stackShowsRun(t *testing.T) check {
	runLine := lineOf(t, "scripts/stack.lua", "reactor.run()")
	traceLine := lineOf(t, "scripts/stack.lua", "debug.traceback()")
	return func(t *testing.T, stream, text string) {
		t.Helper()
		lines := strings.Split(text, "\n")
		if len(lines) < 5 || lines[0] != "The Lua stack:" || lines[1] != "stack traceback:" {
			t.Fatalf("%s does not start with the header and a traceback:\n%s", stream, text)
		}
		callback := fmt.Sprintf("\tscripts/stack.lua:%d: ", traceLine)
		if !strings.HasPrefix(lines[2], callback) {
			t.Errorf("%s: innermost frame %q, want the callback (%q...)", stream, lines[2], callback)
		}
		run := slices.IndexFunc(lines, func(l string) bool { return strings.HasSuffix(l, "in function 'run'") })
		caller := fmt.Sprintf("\tscripts/stack.lua:%d: ", runLine)
		if run < 3 || run+1 >= len(lines) || !strings.HasPrefix(lines[run+1], caller) {
			t.Errorf("%s: want a frame of 'run' under the callback and %q... under it:\n%s", stream, caller, text)
		}
	}
}

// exampleScripts lists the runnable scripts in scripts/ by file name: every
// .lua file but the tests of the scripts, which loopscript test runs.
func exampleScripts(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot, "scripts", "*.lua"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts in %s/scripts (%v)", repoRoot, err)
	}
	var names []string
	for _, p := range paths {
		if name := filepath.Base(p); !strings.HasSuffix(name, "_test.lua") {
			names = append(names, name)
		}
	}
	return names
}

func TestScripts(t *testing.T) {
	t.Parallel()
	cases := scripts(t)
	found := map[string]bool{}
	for _, name := range exampleScripts(t) {
		found[name] = true
		c, ok := cases[name]
		if !ok {
			t.Errorf("scripts/%s has no expected output in scripts() (tests/scripts_test.go)", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkLeadingComment(t, filepath.Join(repoRoot, "scripts", name))
			if c.idle {
				runIdle(t, syscall.SIGINT, c.idleOutput, "scripts/"+name)
				return
			}
			r := run(t, "scripts/"+name)
			expect(t, r, 0, c.stdout, c.stderr)
			if r.elapsed < c.minTime {
				t.Errorf("took %v, want at least %v: timers fired early", r.elapsed, c.minTime)
			}
		})
	}
	for name := range cases {
		if !found[name] {
			t.Errorf("scripts() expects scripts/%s, which does not exist", name)
		}
	}
}

// checkLeadingComment wants a script to open with a comment saying what it
// shows.
func checkLeadingComment(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "-- ") {
		t.Errorf("%s does not start with a comment (\"-- ...\")", path)
	}
}

// runIdle runs a script that idles until interrupted. Once it has printed
// want and its reactor is waiting, it must use next to no CPU; then sig must
// stop it cleanly: exit status 0, nothing more printed, nothing on stderr.
func runIdle(t *testing.T, sig syscall.Signal, want string, args ...string) {
	t.Helper()
	p := start(t, "", args...)
	p.waitFor("output", 10*time.Second, func() bool { return p.stdout.String() == want })
	waitForWaker(t, p)
	time.Sleep(300 * time.Millisecond) // from reactor creation into run()'s wait

	before := cpuTicks(t, p)
	time.Sleep(time.Second)
	if used := cpuTicks(t, p) - before; used > 10 {
		t.Errorf("idle reactor used %d CPU ticks (1/100 s) in 1 s: a busy loop?", used)
	}
	if p.exited() {
		t.Fatalf("exited by itself; it should idle until interrupted\nstdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
	}
	p.signal(sig)
	r := p.wait(5 * time.Second)
	expect(t, r, 0, []check{is(want)}, nil)
}

// waitForWaker waits until the reactor exists: its eventfd waker is open.
// The script calls run() right after, which is when signals are handled.
func waitForWaker(t *testing.T, p *proc) {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid)
	p.waitFor("reactor (an eventfd)", 10*time.Second, func() bool {
		fds, _ := os.ReadDir(dir)
		for _, fd := range fds {
			if link, _ := os.Readlink(filepath.Join(dir, fd.Name())); link == "anon_inode:[eventfd]" {
				return true
			}
		}
		return false
	})
}

// cpuTicks is the user+system CPU time the process has used, in clock ticks.
func cpuTicks(t *testing.T, p *proc) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("cannot read CPU time: %v", err)
	}
	// Fields after the ")" closing the command name: state is field 3,
	// utime field 14, stime field 15.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	utime, err1 := strconv.Atoi(fields[11])
	stime, err2 := strconv.Atoi(fields[12])
	if err1 != nil || err2 != nil {
		t.Fatalf("cannot parse /proc/PID/stat: %q", data)
	}
	return utime + stime
}

func TestIdleStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	runIdle(t, syscall.SIGTERM, "", "scripts/simple.lua")
}

// TestCountdownReactors runs the countdown on each reactor: same output, and
// line k+1 of the count never before k seconds after the process started.
// (Lines are timed as the test reads them, which can only be later than the
// write: a lower bound is all that can be checked honestly.)
func TestCountdownReactors(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"select", "poll", "epoll"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			r := run(t, "--reactor", kind, "scripts/countdown.lua")
			expect(t, r, 0, []check{is(countdownOutput)}, nil)
			if r.elapsed < 5*time.Second {
				t.Errorf("took %v, want at least 5 s", r.elapsed)
			}
			lines := strings.Split(countdownOutput, "\n")
			for i, at := range r.lineTimes {
				// lines[0] is "Start!"; lines[1] ("5 ...") is due at 0 s.
				if due := time.Duration(max(i-1, 0)) * time.Second; at < due {
					t.Errorf("%q came %v after start, want at least %v: a timer fired early", lines[i], at, due)
				}
			}
		})
	}
}

// TestSecondSignalExits: a callback that never returns cannot be stopped
// gracefully; the second signal must end the process at once with
// 128+signal.
func TestSecondSignalExits(t *testing.T) {
	t.Parallel()
	busy := `local reactor = require("reactor")
reactor.call_when_running(function() print("busy") while true do end end)
reactor.run()`
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			p := start(t, "", "-e", busy)
			p.waitFor("busy", 10*time.Second, func() bool { return p.stdout.String() == "busy\n" })
			p.signal(tc.sig)
			time.Sleep(300 * time.Millisecond)
			if p.exited() {
				t.Fatalf("the first %v ended the busy callback; it should only ask the reactor to stop", tc.sig)
			}
			p.signal(tc.sig)
			r := p.wait(5 * time.Second)
			expect(t, r, tc.code, []check{is("busy\n")}, []check{lacks("goroutine")})
		})
	}
}

// TestSignalRunsShutdown: a graceful stop runs the shutdown triggers and
// returns from run(), so the main chunk goes on.
func TestSignalRunsShutdown(t *testing.T) {
	t.Parallel()
	p := start(t, "", "-e", `local reactor = require("reactor")
reactor.add_system_event_trigger("before", "shutdown", function() print("shutting down") end)
reactor.call_when_running(function() print("running") end)
reactor.run()
print("run returned")`)
	p.waitFor("running", 10*time.Second, func() bool { return p.stdout.String() == "running\n" })
	p.signal(syscall.SIGINT)
	r := p.wait(5 * time.Second)
	expect(t, r, 0, []check{is("running\nshutting down\nrun returned\n")}, nil)
}

// TestStdoutClosedEarly is `loopscript scripts/countdown.lua | head -1`:
// once the reader has gone, loopscript must end (a SIGPIPE death is the Unix
// way) without hanging and without a Go panic.
func TestStdoutClosedEarly(t *testing.T) {
	t.Parallel()
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p := startWith(t, func(cmd *exec.Cmd) { cmd.Stdout = wr }, "scripts/countdown.lua")
	wr.Close()
	line, err := bufio.NewReader(rd).ReadString('\n')
	rd.Close()
	if line != "Start!\n" {
		t.Errorf("first line %q (%v), want \"Start!\\n\"", line, err)
	}
	r := p.wait(10 * time.Second)
	if r.code != 0 && r.signal == 0 && !strings.HasPrefix(r.stderr, "loopscript: ") {
		t.Errorf("exit status %d with stderr %q: want a SIGPIPE death or a clean message", r.code, r.stderr)
	}
	t.Logf("after its reader went away, loopscript ended with status %d (signal %v) after %v", r.code, r.signal, r.elapsed)
}
