package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestScriptsOnVirtualClock: every script that ends by itself prints under
// --clock virtual exactly what TestScripts wants it to print in real time,
// in a fraction of the time.
func TestScriptsOnVirtualClock(t *testing.T) {
	cases := scripts(t)
	ran := 0
	for _, name := range exampleScripts(t) {
		c, ok := cases[name] // TestScripts fails for a script missing there
		if !ok || c.idle || c.realClockOnly {
			continue
		}
		ran++
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := run(t, "--clock", "virtual", "scripts/"+name)
			expect(t, r, 0, c.stdout, c.stderr)
			// Generous for a loaded machine: a virtual run is a process start
			// and a few milliseconds of Lua.
			if r.elapsed > time.Second {
				t.Errorf("virtual run took %v of wall time", r.elapsed)
			}
		})
	}
	if ran < 5 {
		t.Errorf("only %d scripts ran; expected the tutorial's programs in scripts/", ran)
	}
}

// TestIdleScriptOnVirtualClock: with nothing scheduled, virtual time does not
// end a script: it idles, as in real time, until interrupted.
func TestIdleScriptOnVirtualClock(t *testing.T) {
	t.Parallel()
	// The -e chunk says when simple.lua's run() has started: a SIGINT any
	// earlier ends the process at once, which a slow start on a loaded
	// machine made happen.
	p := start(t, "", "--clock", "virtual",
		"-e", `require("reactor").call_when_running(function() print("running") end)`, "scripts/simple.lua")
	p.waitFor("running", 10*time.Second, func() bool { return p.stdout.String() == "running\n" })
	time.Sleep(300 * time.Millisecond)
	if p.exited() {
		r := p.wait(time.Second)
		t.Fatalf("simple.lua ended by itself under --clock virtual (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
	p.signal(syscall.SIGINT)
	r := p.wait(10 * time.Second)
	expect(t, r, 0, []check{is("running\n")}, nil)
}

// countdownTrace is the trace of scripts/countdown.lua on the virtual clock,
// count being defined at line countLine.
func countdownTrace(countLine int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[   0.000] running count  scripts/countdown.lua:%d\n", countLine)
	for s := 1; s <= 5; s++ {
		fmt.Fprintf(&b, "[   %d.000] later   count  scripts/countdown.lua:%d\n", s, countLine)
	}
	return b.String()
}

// TestCountdownTrace: the trace of countdown.lua under virtual time is the
// golden text, byte for byte, on every run; stdout is untouched by it.
func TestCountdownTrace(t *testing.T) {
	want := countdownTrace(lineOf(t, "scripts/countdown.lua", "local function count"))
	first := run(t, "--clock", "virtual", "--trace", "scripts/countdown.lua")
	expect(t, first, 0, []check{is(countdownOutput)}, []check{is(want)})
	second := run(t, "--clock", "virtual", "--trace", "scripts/countdown.lua")
	if second.stderr != first.stderr {
		t.Errorf("second trace differs:\n%s\nfirst:\n%s", second.stderr, first.stderr)
	}
}

// TestCountdownTraceRealClock: on the real clock the trace has the same
// calls, each at or after its ideal time (timers never fire early) and not
// absurdly later.
func TestCountdownTraceRealClock(t *testing.T) {
	t.Parallel()
	countLine := lineOf(t, "scripts/countdown.lua", "local function count")
	r := run(t, "--trace", "scripts/countdown.lua")
	expect(t, r, 0, []check{is(countdownOutput)}, []check{count("\n", 6)})
	line := regexp.MustCompile(`^\[ *(\d+\.\d{3})\] (running|later  ) count  scripts/countdown\.lua:(\d+)$`)
	for i, l := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("trace line %d %q does not match %v", i+1, l, line)
			continue
		}
		at, _ := strconv.ParseFloat(m[1], 64)
		// Never early; the upper bound only catches a broken clock, since a
		// loaded CI machine can delay a timer by a second or more.
		if at < float64(i)-0.0005 || at > float64(i)+10 {
			t.Errorf("trace line %d at %.3f s, want at least %d s (and not 10 s later)", i+1, at, i)
		}
		if m[3] != strconv.Itoa(countLine) {
			t.Errorf("trace line %d names line %s, want %d", i+1, m[3], countLine)
		}
	}
}

// TestClockOption: bad values are usage errors.
func TestClockOption(t *testing.T) {
	runCLICases(t, []cliCase{
		{name: "unknown clock", args: []string{"--clock", "sundial", "-e", "print(1)"}, code: 2,
			stderr: []check{firstLine("loopscript: unknown clock 'sundial' (want real or virtual)")}},
		{name: "missing value", args: []string{"--clock"}, code: 2,
			stderr: []check{firstLine("loopscript: '--clock' needs an argument")}},
		{name: "real is the default", args: []string{"--clock=real", "-e", `print(require("reactor").seconds() < 1)`},
			stdout: []check{is("true\n")}},
		{name: "virtual seconds", args: []string{"--clock", "virtual", "-e", `local r = require("reactor")
r.call_later(86400, function() print(r.seconds()) r.stop() end)
r.run()`},
			stdout: []check{is("86400\n")}},
	})
}

// TestLoopscriptTestOnTheRepository: the solutions' tests in scripts/ pass.
// (The Lua suites in tests/lua are run by cmd/loopscript's
// TestRepositoryLuaSuites.)
func TestLoopscriptTestOnTheRepository(t *testing.T) {
	t.Parallel()
	r := run(t, "test", "-v", "scripts")
	expect(t, r, 0, []check{lacks("FAIL"), lastLineMatches(`^\d+ passed, 0 failed$`)}, nil)
	if n := len(regexp.MustCompile(`(?m)^ok `).FindAllString(r.stdout, -1)); n < 2 {
		t.Errorf("only %d tests listed:\n%s", n, r.stdout)
	}
}

// TestBrokenSolutionsFail: copies of the exercise solutions, each broken in
// one way, fail their tests with a message saying what went wrong.
func TestBrokenSolutionsFail(t *testing.T) {
	tests := []struct {
		name     string
		script   string
		old, new string // the breakage: replace old (which must occur) with new
		want     []string
	}{
		{
			name: "countdown too slow", script: "looping-countdown.lua",
			old: "loop:start(1)", new: "loop:start(1.5)",
			want: []string{
				"FAIL looping-countdown_test.lua:",
				"output differs (- expected, + got):",
				"- [   1.000] 4 ...\n",
				"+ [   1.500] 4 ...\n",
			},
		},
		{
			name: "countdown never stops", script: "looping-countdown.lua",
			old: "reactor.stop()", new: "-- reactor.stop()",
			// The LoopingCall stops, then nothing is left to do: the test
			// fails at once, not after the timeout.
			want: []string{"FAIL looping-countdown_test.lua:", "the reactor is running with nothing scheduled and nothing pending, so it would wait forever: was reactor.stop() called?"},
		},
		{
			// Nothing is left to do once the counters are done: the test fails
			// at once, not after the timeout, and shows what was printed.
			name: "counters never stop", script: "three-counters.lua",
			old: "reactor.stop()", new: "-- reactor.stop()",
			want: []string{
				"FAIL three-counters_test.lua:",
				"the reactor is running with nothing scheduled and nothing pending, so it would wait forever: was reactor.stop() called?",
				"    output:\n    Start!\n    counter A: 4 ...\n",
				"    counter A: done\n",
			},
		},
		{
			name: "counters stop too early", script: "three-counters.lua",
			old: "running == 0", new: "running == 1",
			want: []string{
				"FAIL three-counters_test.lua:",
				"- [   2.800] counter A: done\n",
				"- [   2.800] Stop!\n",
				"+ [   2.400] Stop!\n",
			},
		},
		{
			name: "counter with a typo", script: "three-counters.lua",
			old: `": done"`, new: `": dnoe"`,
			want: []string{"FAIL three-counters_test.lua:", "+ [   1.800] counter C: dnoe\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testFile := strings.TrimSuffix(tt.script, ".lua") + "_test.lua"
			for _, name := range []string{tt.script, testFile} {
				data, err := os.ReadFile(filepath.Join(repoRoot, "scripts", name))
				if err != nil {
					t.Fatal(err)
				}
				if name == tt.script {
					if !strings.Contains(string(data), tt.old) {
						t.Fatalf("scripts/%s no longer contains %q: update the breakage", name, tt.old)
					}
					data = []byte(strings.Replace(string(data), tt.old, tt.new, 1))
				}
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := startWith(t, func(cmd *exec.Cmd) { cmd.Dir = dir }, "test", "--timeout", "1s").wait(30 * time.Second)
			checks := []check{contains(tt.want...), lastLineMatches(`^\d+ passed, [1-9]\d* failed$`)}
			expect(t, r, 1, checks, nil)
		})
	}
}

// lastLineMatches wants the last line of the text to match the pattern.
func lastLineMatches(pattern string) check {
	re := regexp.MustCompile(pattern)
	return func(t *testing.T, stream, text string) {
		t.Helper()
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if last := lines[len(lines)-1]; !re.MatchString(last) || !strings.HasSuffix(text, "\n") {
			t.Errorf("%s: last line %q does not match %s; all of it:\n%s", stream, last, pattern, text)
		}
	}
}
