// Package tests holds loopscript's end-to-end tests: they build the real
// binary once and run it the way a user does, checking standard output,
// standard error and the exit status.
package tests

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	loopscript string // the binary under test
	repoRoot   string // the directory scripts run from, so paths read "scripts/x.lua"
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "loopscript-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "tests: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	loopscript = filepath.Join(dir, "loopscript")
	build := exec.Command("go", "build", "-o", loopscript, "../cmd/loopscript")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "tests: cannot build loopscript (go build ../cmd/loopscript): %v\n%s", err, out)
		return 1
	}
	if repoRoot, err = filepath.Abs(".."); err != nil {
		fmt.Fprintf(os.Stderr, "tests: %v\n", err)
		return 1
	}
	allowParallelism()
	return m.Run()
}

// allowParallelism lets every parallel test run at once unless -parallel
// was given: these tests spend their time waiting for real timers in child
// processes, not using the CPU, and the default (GOMAXPROCS) would queue the
// five-second countdowns behind one another on a small machine.
func allowParallelism() {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", "64")
	}
}

// syncBuffer collects a child's output while the test reads it.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines []time.Duration // when each line's end arrived, since start
	start time.Time
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Since(b.start)
	for range bytes.Count(p, []byte("\n")) {
		b.lines = append(b.lines, now)
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a running loopscript.
type proc struct {
	t       *testing.T
	cmd     *exec.Cmd
	stdout  *syncBuffer
	stderr  *syncBuffer
	started time.Time
	done    chan struct{} // closed when the process has exited
	ended   time.Time
}

// result is what a finished loopscript left behind.
type result struct {
	stdout, stderr string
	code           int            // exit status, -1 if killed by a signal
	signal         syscall.Signal // the signal that killed it, if any
	elapsed        time.Duration
	lineTimes      []time.Duration // arrival of each stdout line, since start
}

// start runs loopscript with args from the repository root, stdin feeding
// its standard input (none when empty). The process is killed when the test
// ends if it is still running.
func start(t *testing.T, stdin string, args ...string) *proc {
	t.Helper()
	return startWith(t, func(cmd *exec.Cmd) {
		if stdin != "" {
			cmd.Stdin = strings.NewReader(stdin)
		}
	}, args...)
}

// startWith is start with a hook to change the command before it starts.
func startWith(t *testing.T, setup func(*exec.Cmd), args ...string) *proc {
	t.Helper()
	now := time.Now()
	p := &proc{
		t:       t,
		cmd:     exec.Command(loopscript, args...),
		stdout:  &syncBuffer{start: now},
		stderr:  &syncBuffer{start: now},
		started: now,
		done:    make(chan struct{}),
	}
	p.cmd.Dir = repoRoot
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	setup(p.cmd)
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("cannot start loopscript: %v", err)
	}
	go func() {
		p.cmd.Wait()
		p.ended = time.Now()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig to the process.
func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("cannot send %v: %v", sig, err)
	}
}

// waitFor polls until cond holds, failing the test after timeout or if the
// process exits first.
func (p *proc) waitFor(what string, timeout time.Duration, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if p.exited() {
			p.t.Fatalf("loopscript %s exited while the test waited for %s\nstdout:\n%s\nstderr:\n%s",
				strings.Join(p.cmd.Args[1:], " "), what, p.stdout, p.stderr)
		}
		if time.Now().After(deadline) {
			p.stacks()
			p.t.Fatalf("loopscript %s: no %s within %v\nstdout:\n%s\nstderr:\n%s",
				strings.Join(p.cmd.Args[1:], " "), what, timeout, p.stdout, p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stacks has a loopscript process that is stuck print its goroutines (Go's
// runtime does on SIGQUIT, and exits), so that the failure shows on its
// standard error where the process waits.
func (p *proc) stacks() {
	if p.cmd.Path != loopscript || p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// wait waits for the process to exit, killing it and failing the test after
// timeout. Every result is checked for leaked Go internals.
func (p *proc) wait(timeout time.Duration) result {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.stacks()
		p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("loopscript %s did not exit within %v\nstdout:\n%s\nstderr:\n%s",
			strings.Join(p.cmd.Args[1:], " "), timeout, p.stdout, p.stderr)
	}
	r := result{
		stdout:  p.stdout.String(),
		stderr:  p.stderr.String(),
		code:    p.cmd.ProcessState.ExitCode(),
		elapsed: p.ended.Sub(p.started),
	}
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		r.signal = ws.Signal()
	}
	p.stdout.mu.Lock()
	r.lineTimes = append(r.lineTimes, p.stdout.lines...)
	p.stdout.mu.Unlock()
	checkNoGoLeak(p.t, r.stderr)
	return r
}

// run runs loopscript to the end (at most 30 s).
func run(t *testing.T, args ...string) result {
	t.Helper()
	return start(t, "", args...).wait(30 * time.Second)
}

// runStdin is run with a standard input.
func runStdin(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return start(t, stdin, args...).wait(30 * time.Second)
}

// checkNoGoLeak fails the test if Go's own panic output or a Go stack trace
// reached the user.
func checkNoGoLeak(t *testing.T, stderr string) {
	t.Helper()
	for _, s := range []string{"goroutine ", "panic:", ".go:"} {
		if strings.Contains(stderr, s) {
			t.Errorf("stderr shows Go internals (%q):\n%s", s, stderr)
		}
	}
}

// A check is one expectation on an output stream.
type check func(t *testing.T, stream, text string)

// is wants the text exactly.
func is(want string) check {
	return func(t *testing.T, stream, text string) {
		t.Helper()
		if text != want {
			t.Errorf("%s:\n%s\nwant:\n%s", stream, text, want)
		}
	}
}

// firstLine wants the first line exactly.
func firstLine(want string) check {
	return func(t *testing.T, stream, text string) {
		t.Helper()
		if got, _, _ := strings.Cut(text, "\n"); got != want {
			t.Errorf("%s: first line %q, want %q; all of it:\n%s", stream, got, want, text)
		}
	}
}

// firstLinePrefix wants the first line to start with prefix.
func firstLinePrefix(prefix string) check {
	return func(t *testing.T, stream, text string) {
		t.Helper()
		if got, _, _ := strings.Cut(text, "\n"); !strings.HasPrefix(got, prefix) {
			t.Errorf("%s: first line %q, want it to start with %q; all of it:\n%s", stream, got, prefix, text)
		}
	}
}

// oneLine wants a single line of text, ending in a newline.
func oneLine() check {
	return func(t *testing.T, stream, text string) {
		t.Helper()
		if strings.Count(text, "\n") != 1 || !strings.HasSuffix(text, "\n") {
			t.Errorf("%s: want exactly one line, got:\n%s", stream, text)
		}
	}
}

// contains wants each of the strings somewhere in the text.
func contains(subs ...string) check {
	return func(t *testing.T, stream, text string) {
		t.Helper()
		for _, s := range subs {
			if !strings.Contains(text, s) {
				t.Errorf("%s does not contain %q:\n%s", stream, s, text)
			}
		}
	}
}

// lacks wants none of the strings in the text.
func lacks(subs ...string) check {
	return func(t *testing.T, stream, text string) {
		t.Helper()
		for _, s := range subs {
			if strings.Contains(text, s) {
				t.Errorf("%s contains %q:\n%s", stream, s, text)
			}
		}
	}
}

// count wants sub exactly n times in the text.
func count(sub string, n int) check {
	return func(t *testing.T, stream, text string) {
		t.Helper()
		if got := strings.Count(text, sub); got != n {
			t.Errorf("%s contains %q %d times, want %d:\n%s", stream, sub, got, n, text)
		}
	}
}

// expect applies checks to a result; nil checks on a stream mean it must be
// empty.
func expect(t *testing.T, r result, code int, stdout, stderr []check) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status %d (signal %v), want %d\nstdout:\n%s\nstderr:\n%s", r.code, r.signal, code, r.stdout, r.stderr)
	}
	if stdout == nil {
		stdout = []check{is("")}
	}
	if stderr == nil {
		stderr = []check{is("")}
	}
	for _, c := range stdout {
		c(t, "stdout", r.stdout)
	}
	for _, c := range stderr {
		c(t, "stderr", r.stderr)
	}
}

// lineOf is the number of the first line of the file (relative to the
// repository root) that contains sub, so expectations survive edits to a
// script's comments.
func lineOf(t *testing.T, file, sub string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, file))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, sub) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line containing %q", file, sub)
	return 0
}

// writeFile writes a file in a fresh temporary directory and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
