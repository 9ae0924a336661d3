package reactor

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// procRecorder records a process's events in order; it stops the reactor
// at ProcessEnded.
type procRecorder struct {
	r              *Reactor
	events         []string
	out, errOut    strings.Builder
	exited, ended  error
	onMade         func(p *Process)
	onOut          func(p *Process)
	proc           *Process
	keepRunning    bool
	reactorRunning []bool // Running() at each event after ConnectionMade
}

func (pr *procRecorder) note(ev string) {
	pr.events = append(pr.events, ev)
	pr.reactorRunning = append(pr.reactorRunning, pr.r.Running())
}

func (pr *procRecorder) ConnectionMade(p *Process) {
	pr.events = append(pr.events, "ConnectionMade")
	pr.proc = p
	if pr.onMade != nil {
		pr.onMade(p)
	}
}
func (pr *procRecorder) OutReceived(b []byte) {
	pr.note("OutReceived")
	pr.out.Write(b)
	if pr.onOut != nil {
		pr.onOut(pr.proc)
	}
}
func (pr *procRecorder) ErrReceived(b []byte) { pr.note("ErrReceived"); pr.errOut.Write(b) }
func (pr *procRecorder) InConnectionLost()    { pr.note("InConnectionLost") }
func (pr *procRecorder) OutConnectionLost()   { pr.note("OutConnectionLost") }
func (pr *procRecorder) ErrConnectionLost()   { pr.note("ErrConnectionLost") }
func (pr *procRecorder) ProcessExited(reason error) {
	pr.note("ProcessExited")
	pr.exited = reason
}
func (pr *procRecorder) ProcessEnded(reason error) {
	pr.note("ProcessEnded")
	pr.ended = reason
	if !pr.keepRunning {
		pr.r.Stop()
	}
}

// eachExitWatcher runs f on every poller, with the pidfd watcher and with
// the wait4 goroutine (on Linux; elsewhere the goroutine is all there is).
func eachExitWatcher(t *testing.T, f func(t *testing.T, r *Reactor)) {
	modes := []bool{false}
	if runtime.GOOS == "linux" {
		modes = append(modes, true)
	}
	for _, name := range PollerNames {
		for _, disable := range modes {
			mode := "pidfd"
			if disable || runtime.GOOS != "linux" {
				mode = "wait4"
			}
			t.Run(name+"/"+mode, func(t *testing.T) {
				p, err := NewPoller(name)
				if err != nil {
					t.Fatalf("NewPoller(%q): %v", name, err)
				}
				old := pidfdDisabled
				pidfdDisabled = disable
				t.Cleanup(func() { pidfdDisabled = old })
				r, log := newTestReactor(t, Config{Poller: p})
				f(t, r)
				for _, err := range log.list() {
					t.Errorf("callback error: %v", err)
				}
			})
		}
	}
}

// runBounded runs r until it stops, failing the test (and stopping r)
// after a generous deadline.
func runBounded(t *testing.T, r *Reactor) {
	t.Helper()
	timedOut := false
	dc := r.CallLater(20*time.Second, func() { timedOut = true; r.Stop() })
	if err := r.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if timedOut {
		t.Fatal("the process did not end within 20s")
	}
	_ = dc
}

// assertReaped checks that pid is no child of ours any more (no zombie).
func assertReaped(t *testing.T, pid int) {
	t.Helper()
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); err != syscall.ECHILD {
		t.Errorf("wait4(%d) = %v, want ECHILD: the child was not reaped", pid, err)
	}
}

func spawn(t *testing.T, r *Reactor, pr *procRecorder, exe string, args ...string) *Process {
	t.Helper()
	p, err := r.SpawnProcess(pr, exe, append([]string{exe}, args...), ProcessOptions{})
	if err != nil {
		t.Fatalf("SpawnProcess(%s): %v", exe, err)
	}
	return p
}

func TestSpawnProcessEchoThroughCat(t *testing.T) {
	eachExitWatcher(t, func(t *testing.T, r *Reactor) {
		pr := &procRecorder{r: r}
		pr.onMade = func(p *Process) {
			p.Write([]byte("hello "))
			p.Write([]byte("cat\n"))
			p.CloseStdin()
		}
		p := spawn(t, r, pr, "/bin/cat")
		pid := p.Pid()
		if pid <= 0 {
			t.Fatalf("Pid() = %d right after spawning", pid)
		}
		runBounded(t, r)
		if got := pr.out.String(); got != "hello cat\n" {
			t.Errorf("stdout = %q, want %q", got, "hello cat\n")
		}
		var done *ProcessDone
		if !errors.As(pr.ended, &done) {
			t.Fatalf("ProcessEnded(%v), want a *ProcessDone", pr.ended)
		}
		want := "A process has ended without apparent errors: process finished with exit code 0."
		if pr.ended.Error() != want {
			t.Errorf("reason = %q, want %q", pr.ended.Error(), want)
		}
		if p.Pid() != 0 {
			t.Errorf("Pid() = %d after the end, want 0", p.Pid())
		}
		assertReaped(t, pid)
	})
}

func TestSpawnProcessExitReasons(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		kill    any
		code    int
		signal  syscall.Signal
		message string
	}{
		{"exit 3", "exit 3", nil, 3, 0, "A process has ended with a probable error condition: process ended with exit code 3."},
		{"exit 1", "exit 1", nil, 1, 0, "A process has ended with a probable error condition: process ended with exit code 1."},
		{"KILL", "exec /bin/cat", "KILL", -1, syscall.SIGKILL, "A process has ended with a probable error condition: process ended by signal 9."},
		{"TERM", "exec /bin/cat", syscall.SIGTERM, -1, syscall.SIGTERM, "A process has ended with a probable error condition: process ended by signal 15."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachExitWatcher(t, func(t *testing.T, r *Reactor) {
				pr := &procRecorder{r: r}
				p := spawn(t, r, pr, "/bin/sh", "-c", tt.script)
				pid := p.Pid()
				if tt.kill != nil {
					if err := p.SignalProcess(tt.kill); err != nil {
						t.Fatalf("SignalProcess(%v): %v", tt.kill, err)
					}
				}
				runBounded(t, r)
				var term *ProcessTerminated
				if !errors.As(pr.ended, &term) {
					t.Fatalf("ProcessEnded(%v), want a *ProcessTerminated", pr.ended)
				}
				if term.ExitCode != tt.code || term.Signal != tt.signal {
					t.Errorf("ExitCode, Signal = %d, %v; want %d, %v", term.ExitCode, term.Signal, tt.code, tt.signal)
				}
				if term.Error() != tt.message {
					t.Errorf("message = %q, want %q", term.Error(), tt.message)
				}
				if pr.exited != pr.ended {
					t.Errorf("ProcessExited(%v) and ProcessEnded(%v) got different reasons", pr.exited, pr.ended)
				}
				if err := p.SignalProcess("KILL"); err != ErrProcessExitedAlready {
					t.Errorf("SignalProcess after the end = %v, want ErrProcessExitedAlready", err)
				}
				assertReaped(t, pid)
			})
		})
	}
}

func TestSpawnProcessStderrIsSeparate(t *testing.T) {
	eachExitWatcher(t, func(t *testing.T, r *Reactor) {
		pr := &procRecorder{r: r}
		spawn(t, r, pr, "/bin/sh", "-c", "echo to-out; echo to-err >&2")
		runBounded(t, r)
		if got := pr.out.String(); got != "to-out\n" {
			t.Errorf("stdout = %q, want %q", got, "to-out\n")
		}
		if got := pr.errOut.String(); got != "to-err\n" {
			t.Errorf("stderr = %q, want %q", got, "to-err\n")
		}
	})
}

// checkOrder checks Twisted's guarantees on the order of process events.
func checkOrder(t *testing.T, events []string) {
	t.Helper()
	count := map[string]int{}
	for _, e := range events {
		count[e]++
	}
	for _, once := range []string{"ConnectionMade", "InConnectionLost", "OutConnectionLost", "ErrConnectionLost", "ProcessExited", "ProcessEnded"} {
		if count[once] != 1 {
			t.Errorf("%s called %d times, want once: %v", once, count[once], events)
		}
	}
	if len(events) == 0 || events[0] != "ConnectionMade" {
		t.Errorf("ConnectionMade is not first: %v", events)
	}
	if events[len(events)-1] != "ProcessEnded" {
		t.Errorf("ProcessEnded is not last: %v", events)
	}
	exited := strings.Index(strings.Join(events, " "), "ProcessExited")
	ended := strings.Index(strings.Join(events, " "), "ProcessEnded")
	if exited < 0 || ended < exited {
		t.Errorf("ProcessExited does not come before ProcessEnded: %v", events)
	}
}

func TestSpawnProcessCallbackOrder(t *testing.T) {
	scripts := []string{
		"echo a; echo b >&2",
		"exit 0",
		"exec /bin/cat",      // ends when stdin is closed
		"(sleep 1) & exit 0", // a grandchild holds the pipes after the exit
	}
	for _, script := range scripts {
		t.Run(script, func(t *testing.T) {
			eachExitWatcher(t, func(t *testing.T, r *Reactor) {
				pr := &procRecorder{r: r}
				pr.onMade = func(p *Process) { p.CloseStdin() }
				spawn(t, r, pr, "/bin/sh", "-c", script)
				runBounded(t, r)
				checkOrder(t, pr.events)
			})
		})
	}
}

func TestSpawnProcessGrandchildDelaysProcessEnded(t *testing.T) {
	eachExitWatcher(t, func(t *testing.T, r *Reactor) {
		pr := &procRecorder{r: r}
		spawn(t, r, pr, "/bin/sh", "-c", "(sleep 1; echo late) & exit 0")
		runBounded(t, r)
		if got := pr.out.String(); got != "late\n" {
			t.Errorf("stdout = %q, want %q (ProcessEnded before the pipes closed?)", got, "late\n")
		}
		checkOrder(t, pr.events)
		if i := strings.Index(strings.Join(pr.events, " "), "ProcessExited"); i > strings.Index(strings.Join(pr.events, " "), "OutReceived") {
			t.Errorf("ProcessExited came after the grandchild's output, want at the child's exit: %v", pr.events)
		}
	})
}

func TestSpawnProcessBeforeRunQueuesEvents(t *testing.T) {
	eachExitWatcher(t, func(t *testing.T, r *Reactor) {
		pr := &procRecorder{r: r}
		p := spawn(t, r, pr, "/bin/sh", "-c", "echo early")
		pid := p.Pid()
		// Give the child every chance to exit before Run: nothing may be
		// delivered until the loop runs.
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", pid)); err != nil || isZombie(pid) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if len(pr.events) != 1 {
			t.Fatalf("events before Run = %v, want only ConnectionMade", pr.events)
		}
		if r.Idle() {
			t.Error("Idle() with a child not yet reaped")
		}
		runBounded(t, r)
		checkOrder(t, pr.events)
		for i, running := range pr.reactorRunning {
			if !running {
				t.Errorf("event %d (%s) delivered while the reactor was not running", i+1, pr.events[i+1])
			}
		}
		assertReaped(t, pid)
	})
}

// isZombie reports whether /proc says pid has exited and awaits reaping.
func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z'
	}
	return false
}

func TestSpawnProcessExecFailureIsAnError(t *testing.T) {
	eachExitWatcher(t, func(t *testing.T, r *Reactor) {
		tests := []struct {
			name string
			exe  string
			opts ProcessOptions
		}{
			{"no such file", "/nonexistent/program", ProcessOptions{}},
			{"not in PATH", "no-such-program-here", ProcessOptions{}},
			{"not executable", "/etc/passwd", ProcessOptions{}},
			{"no such dir", "/bin/sh", ProcessOptions{Dir: "/nonexistent/dir"}},
		}
		for _, tt := range tests {
			pr := &procRecorder{r: r}
			p, err := r.SpawnProcess(pr, tt.exe, nil, tt.opts)
			if err == nil || p != nil {
				t.Errorf("%s: SpawnProcess = %v, %v; want an error", tt.name, p, err)
			}
			if len(pr.events) != 0 {
				t.Errorf("%s: events %v, want none", tt.name, pr.events)
			}
		}
		if !r.Idle() {
			t.Error("a failed spawn left the reactor busy")
		}
	})
}

func TestSpawnProcessEnvironmentAndDir(t *testing.T) {
	tests := []struct {
		name string
		opts ProcessOptions
		want string
	}{
		{"nil env is empty", ProcessOptions{}, "[] [/]\n"},
		{"env and dir", ProcessOptions{Env: []string{"FOO=bar"}, Dir: "/tmp"}, "[bar] [/tmp]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachExitWatcher(t, func(t *testing.T, r *Reactor) {
				pr := &procRecorder{r: r}
				if tt.opts.Dir == "" {
					t.Chdir("/")
				}
				_, err := r.SpawnProcess(pr, "sh", []string{"sh", "-c", `echo "[$FOO$HOME$USER$TERM]" "[$(/bin/pwd)]"`}, tt.opts)
				if err != nil {
					t.Fatal(err)
				}
				runBounded(t, r)
				if got := pr.out.String(); got != tt.want {
					t.Errorf("stdout = %q, want %q", got, tt.want)
				}
			})
		})
	}
}

func TestSpawnProcessStopWithChildRunning(t *testing.T) {
	eachExitWatcher(t, func(t *testing.T, r *Reactor) {
		pr := &procRecorder{r: r}
		p := spawn(t, r, pr, "/bin/sh", "-c", "exec /bin/cat")
		pid := p.Pid()
		r.CallLater(50*time.Millisecond, func() { r.Stop() })
		runBounded(t, r)
		for _, lost := range []string{"InConnectionLost", "OutConnectionLost", "ErrConnectionLost"} {
			if !strings.Contains(strings.Join(pr.events, " "), lost) {
				t.Errorf("%s not called at shutdown: %v", lost, pr.events)
			}
		}
		if pr.ended != nil {
			t.Errorf("ProcessEnded(%v) after Stop, want none", pr.ended)
		}
		// cat saw its stdin close and exits by itself; the reaper left
		// behind must collect it. A zombie keeps its /proc entry, so the
		// entry going away means it was reaped (the test must not reap it).
		deadline := time.Now().Add(10 * time.Second)
		for {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); errors.Is(err, os.ErrNotExist) {
				break
			}
			if time.Now().After(deadline) {
				unix.Kill(pid, unix.SIGKILL)
				t.Fatalf("the child %d was not reaped after Stop (zombie: %v)", pid, isZombie(pid))
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func TestSpawnProcessLargeWriteThroughCat(t *testing.T) {
	eachExitWatcher(t, func(t *testing.T, r *Reactor) {
		data := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB: many times a pipe's capacity
		pr := &procRecorder{r: r}
		pr.onMade = func(p *Process) {
			p.Write([]byte(data))
			p.CloseStdin()
		}
		spawn(t, r, pr, "/bin/cat")
		runBounded(t, r)
		if got := pr.out.String(); got != data {
			t.Errorf("stdout has %d bytes, want the %d written", len(got), len(data))
		}
		checkOrder(t, pr.events)
	})
}

func TestSpawnProcessLoseConnection(t *testing.T) {
	eachExitWatcher(t, func(t *testing.T, r *Reactor) {
		pr := &procRecorder{r: r}
		pr.onMade = func(p *Process) { p.LoseConnection() }
		spawn(t, r, pr, "/bin/cat")
		runBounded(t, r)
		checkOrder(t, pr.events)
		var done *ProcessDone
		if !errors.As(pr.ended, &done) {
			t.Errorf("ProcessEnded(%v), want a *ProcessDone (cat sees end of file)", pr.ended)
		}
	})
}

// TestRemoveAllKeepsReapingChildren: RemoveAll returns the script's
// watchers, never a child's exit watcher, so a child that exits afterwards
// is still reaped and told ProcessExited.
func TestRemoveAllKeepsReapingChildren(t *testing.T) {
	eachExitWatcher(t, func(t *testing.T, r *Reactor) {
		pr := &procRecorder{r: r, keepRunning: true}
		p := spawn(t, r, pr, "/bin/sh", "-c", "exec sleep 0.2")
		pid := p.Pid()
		removed := r.RemoveAll()
		for _, fd := range removed {
			if _, ok := fd.(internalWatcher); ok {
				t.Errorf("RemoveAll returned the internal %T", fd)
			}
		}
		for _, rd := range r.Readers() {
			if _, ok := rd.(internalWatcher); ok {
				t.Errorf("Readers listed the internal %T", rd)
			}
		}
		var poll func()
		poll = func() {
			if pr.exited != nil {
				r.Stop()
				return
			}
			r.CallLater(10*time.Millisecond, poll)
		}
		r.CallLater(0, poll)
		runBounded(t, r)
		if pr.exited == nil {
			t.Fatal("no ProcessExited after RemoveAll")
		}
		assertReaped(t, pid)
	})
}
