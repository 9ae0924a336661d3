package reactor

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The hardening tests of issue 13 for child processes: children that die
// hard, close their pipes early, never read, leave grandchildren holding
// the pipes, and a thousand of them at once.

// fdTargets maps each descriptor of this process to what it is open on
// ("pipe:[123]", "anon_inode:[pidfd]"), from /proc/self/fd.
func fdTargets(t *testing.T) map[string]string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	targets := map[string]string{}
	for _, e := range entries {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			targets[e.Name()] = target
		}
	}
	return targets
}

// newFds lists the descriptors of after that before did not have: the
// leaks. A descriptor closed meanwhile (the reactor's own, once Run has
// returned) is no leak.
func newFds(before, after map[string]string) []string {
	var added []string
	for fd, target := range after {
		if before[fd] != target && !strings.HasPrefix(target, "/proc/") {
			added = append(added, fd+" -> "+target)
		}
	}
	sort.Strings(added)
	return added
}

// zombieChildren lists the children of this process that have exited and
// not been reaped, from /proc.
func zombieChildren(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	me := strconv.Itoa(os.Getpid())
	var zombies []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // gone meanwhile
		}
		// After the ")" closing the command name: state, then ppid.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[0] == "Z" && fields[1] == me {
			zombies = append(zombies, pid)
		}
	}
	return zombies
}

// wantKilledBy checks that reason is Twisted's ProcessTerminated for a
// child killed by sig: no exit code (-1, Python's None), the signal, and
// Twisted's message.
func wantKilledBy(t *testing.T, reason error, sig syscall.Signal) {
	t.Helper()
	var term *ProcessTerminated
	if !errors.As(reason, &term) {
		t.Fatalf("ProcessEnded(%v), want a *ProcessTerminated", reason)
	}
	if term.ExitCode != -1 || term.Signal != sig || !term.Status.Signaled() {
		t.Errorf("ExitCode, Signal, Signaled = %d, %v, %v; want -1, %v, true", term.ExitCode, term.Signal, term.Status.Signaled(), sig)
	}
	want := fmt.Sprintf("A process has ended with a probable error condition: process ended by signal %d.", int(sig))
	if term.Error() != want {
		t.Errorf("message = %q, want %q", term.Error(), want)
	}
}

func TestProcessHardeningKilledBySignal9(t *testing.T) {
	tests := []struct {
		name   string
		script string
		// kill is done once the child runs; nil when it kills itself.
		kill func(t *testing.T, p *Process)
		// stdin is written before the kill: a child that dies with our
		// data still queued for it.
		stdin int
	}{
		{"SignalProcess KILL", "exec sleep 30", func(t *testing.T, p *Process) {
			if err := p.SignalProcess("KILL"); err != nil {
				t.Errorf("SignalProcess: %v", err)
			}
		}, 0},
		{"kill -9 from outside", "exec sleep 30", func(t *testing.T, p *Process) {
			if err := unix.Kill(p.Pid(), unix.SIGKILL); err != nil {
				t.Errorf("kill: %v", err)
			}
		}, 0},
		{"kills itself", "echo before; kill -9 $$; echo after", nil, 0},
		{"killed with 1 MiB queued for its stdin", "exec sleep 30", func(t *testing.T, p *Process) {
			if err := p.SignalProcess(syscall.SIGKILL); err != nil {
				t.Errorf("SignalProcess: %v", err)
			}
		}, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachExitWatcher(t, func(t *testing.T, r *Reactor) {
				pr := &procRecorder{r: r}
				p := spawn(t, r, pr, "/bin/sh", "-c", tt.script)
				pid := p.Pid()
				if tt.stdin > 0 {
					p.Write(make([]byte, tt.stdin))
				}
				if tt.kill != nil {
					// A turn of the loop first, so the kill lands on a
					// child the loop is already watching.
					r.CallLater(10*time.Millisecond, func() { tt.kill(t, p) })
				}
				runBounded(t, r)
				wantKilledBy(t, pr.ended, syscall.SIGKILL)
				if pr.exited != pr.ended {
					t.Errorf("ProcessExited(%v) and ProcessEnded(%v) got different reasons", pr.exited, pr.ended)
				}
				checkOrder(t, pr.events)
				if strings.Contains(pr.out.String(), "after") {
					t.Errorf("stdout = %q: the child went on after kill -9", pr.out.String())
				}
				if err := p.SignalProcess("KILL"); err != ErrProcessExitedAlready {
					t.Errorf("SignalProcess after the end = %v, want ErrProcessExitedAlready", err)
				}
				assertReaped(t, pid)
			})
		})
	}
}

// timedRecorder is a procRecorder that also notes when each event came and
// whether the child had been reaped by then.
type timedRecorder struct {
	procRecorder
	start  time.Time
	at     map[string]time.Duration
	reaped map[string]bool
	// onMark runs when an event is first recorded, before the recorder
	// handles it; onEnded after ProcessEnded is recorded.
	onMark  func(ev string)
	onEnded func()
}

func newTimedRecorder(r *Reactor) *timedRecorder {
	return &timedRecorder{procRecorder: procRecorder{r: r}, start: time.Now(), at: map[string]time.Duration{}, reaped: map[string]bool{}}
}

func (tr *timedRecorder) mark(ev string) {
	if _, seen := tr.at[ev]; !seen {
		tr.at[ev] = time.Since(tr.start)
		tr.reaped[ev] = tr.proc != nil && tr.proc.Pid() == 0
		if tr.onMark != nil {
			tr.onMark(ev)
		}
	}
}

func (tr *timedRecorder) OutReceived(b []byte) {
	tr.mark("OutReceived")
	tr.procRecorder.OutReceived(b)
}
func (tr *timedRecorder) ErrReceived(b []byte) {
	tr.mark("ErrReceived")
	tr.procRecorder.ErrReceived(b)
}
func (tr *timedRecorder) InConnectionLost() {
	tr.mark("InConnectionLost")
	tr.procRecorder.InConnectionLost()
}
func (tr *timedRecorder) OutConnectionLost() {
	tr.mark("OutConnectionLost")
	tr.procRecorder.OutConnectionLost()
}
func (tr *timedRecorder) ErrConnectionLost() {
	tr.mark("ErrConnectionLost")
	tr.procRecorder.ErrConnectionLost()
}
func (tr *timedRecorder) ProcessExited(e error) {
	tr.mark("ProcessExited")
	tr.procRecorder.ProcessExited(e)
}
func (tr *timedRecorder) ProcessEnded(e error) {
	tr.mark("ProcessEnded")
	tr.procRecorder.ProcessEnded(e)
	if tr.onEnded != nil {
		tr.onEnded()
	}
}

// A child that closes its stdout (stderr, stdin) and goes on: the pipe's
// ConnectionLost comes at once, while the child runs; it still writes on
// another pipe, and ProcessEnded comes when it exits.
func TestProcessHardeningPipeClosedEarly(t *testing.T) {
	// Each child closes one pipe, then waits for SIGUSR1, which the test
	// sends only once that pipe's ConnectionLost came: so it came while the
	// child ran, however slow the machine.
	const wait = "trap 'echo still-running%s; exit 0' USR1; exec %s; while :; do sleep 0.05; done"
	tests := []struct {
		name, script, lost, stillOpen string
	}{
		{"stdout", fmt.Sprintf(wait, " >&2", ">&-"), "OutConnectionLost", "ErrReceived"},
		{"stderr", fmt.Sprintf(wait, "", "2>&-"), "ErrConnectionLost", "OutReceived"},
		{"stdin", fmt.Sprintf(wait, "", "<&-"), "InConnectionLost", "OutReceived"},
	}
	eachExitWatcher(t, func(t *testing.T, r *Reactor) {
		recorders := make([]*timedRecorder, len(tests))
		running := len(tests)
		for i, tt := range tests {
			tr := newTimedRecorder(r)
			tr.keepRunning = true
			tr.onMark = func(ev string) {
				if ev == tt.lost {
					if err := tr.proc.SignalProcess("USR1"); err != nil {
						t.Errorf("%s: SignalProcess(USR1) at %s: %v", tt.name, ev, err)
					}
				}
			}
			tr.onEnded = func() {
				if running--; running == 0 {
					r.Stop()
				}
			}
			if _, err := r.SpawnProcess(tr, "/bin/sh", []string{"sh", "-c", tt.script}, ProcessOptions{}); err != nil {
				t.Fatal(err)
			}
			recorders[i] = tr
		}
		runBounded(t, r)
		for i, tt := range tests {
			tr := recorders[i]
			checkOrder(t, tr.events)
			lostAt, ok := tr.at[tt.lost]
			if !ok {
				t.Errorf("%s: no %s: %v", tt.name, tt.lost, tr.events)
				continue
			}
			if tr.reaped[tt.lost] || lostAt > tr.at["ProcessExited"] {
				t.Errorf("%s: %s came at %v, after the exit (%v): want it at once, while the child runs", tt.name, tt.lost, lostAt, tr.at["ProcessExited"])
			}
			if at, ok := tr.at[tt.stillOpen]; !ok || at < lostAt {
				t.Errorf("%s: %s at %v (seen: %v), want the child's later output after %s at %v", tt.name, tt.stillOpen, at, ok, tt.lost, lostAt)
			}
			if got := tr.out.String() + tr.errOut.String(); got != "still-running\n" {
				t.Errorf("%s: output = %q, want %q", tt.name, got, "still-running\n")
			}
			var done *ProcessDone
			if !errors.As(tr.ended, &done) {
				t.Errorf("%s: ProcessEnded(%v), want a *ProcessDone", tt.name, tr.ended)
			}
		}
	})
}

// pumpProducer is a streaming producer that writes chunk after chunk to a
// child's stdin, as fast as it is let, until it has written total bytes;
// it records the most the transport ever held queued for the child.
type pumpProducer struct {
	r         *Reactor
	p         *Process
	chunk     []byte
	total     int
	written   int
	paused    bool
	scheduled bool
	pauses    int
	stops     int
	maxQueued int
}

func (pp *pumpProducer) PauseProducing() { pp.paused = true; pp.pauses++ }
func (pp *pumpProducer) ResumeProducing() {
	pp.paused = false
	pp.schedule()
}
func (pp *pumpProducer) StopProducing() { pp.stops++; pp.paused = true }

// schedule pumps on a later turn: a producer resumed from inside the
// transport writes from the loop, not from within the transport's call.
func (pp *pumpProducer) schedule() {
	if pp.scheduled || pp.stops > 0 {
		return
	}
	pp.scheduled = true
	pp.r.CallLater(0, pp.pump)
}

func (pp *pumpProducer) pump() {
	pp.scheduled = false
	for !pp.paused && pp.stops == 0 && pp.written < pp.total {
		pp.p.Write(pp.chunk)
		pp.written += len(pp.chunk)
		pp.maxQueued = max(pp.maxQueued, pp.p.stdin.q.size)
	}
}

// A child that never reads its stdin while we write 10 MiB to it: a
// streaming producer is paused once 64 KiB are queued, so memory stays
// bounded; a timer keeps firing meanwhile; when the child exits, the write
// side ends cleanly (InConnectionLost, the producer told StopProducing,
// nothing reported). Without a producer the 10 MiB are queued as written,
// and dropped at the exit.
func TestProcessHardeningChildNeverReadsStdin(t *testing.T) {
	const total = 10 << 20
	const chunk = 16 << 10
	tests := []struct {
		name     string
		producer bool
	}{
		{"streaming producer", true},
		{"one 10 MiB write", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachExitWatcher(t, func(t *testing.T, r *Reactor) {
				pr := &procRecorder{r: r}
				p := spawn(t, r, pr, "/bin/sh", "-c", "exec sleep 30")
				pp := &pumpProducer{r: r, p: p, chunk: make([]byte, chunk), total: total}
				if tt.producer {
					if err := p.RegisterProducer(pp, true); err != nil {
						t.Fatal(err)
					}
					pp.schedule()
				} else {
					p.Write(make([]byte, total))
				}
				// The child is ended only once the timer has fired ten
				// times with the child's stdin full: a loop blocked on the
				// write never gets there, and runBounded fails.
				ticks := 0
				var tick func()
				tick = func() {
					ticks++
					if ticks == 10 {
						if err := p.SignalProcess("TERM"); err != nil {
							t.Errorf("SignalProcess: %v", err)
						}
						return
					}
					r.CallLater(10*time.Millisecond, tick)
				}
				r.CallLater(10*time.Millisecond, tick)
				runBounded(t, r)
				wantKilledBy(t, pr.ended, syscall.SIGTERM)
				checkOrder(t, pr.events)
				if tt.producer {
					if pp.pauses == 0 || pp.maxQueued > producerBufferSize+chunk {
						t.Errorf("producer paused %d times, at most %d bytes queued: want a pause before %d", pp.pauses, pp.maxQueued, producerBufferSize+chunk)
					}
					if pp.written >= total {
						t.Errorf("the producer wrote all %d bytes to a child that reads none", pp.written)
					}
					if pp.stops != 1 {
						t.Errorf("StopProducing called %d times, want once when stdin was lost", pp.stops)
					}
				}
				if p.stdin.q.size != 0 || p.stdin.q.pieces != nil {
					t.Errorf("%d bytes still queued after the child's stdin was lost", p.stdin.q.size)
				}
				p.Write([]byte("after the end")) // dropped, as in Twisted
			})
		})
	}
}

// grandchildRecorder learns the grandchild's pid from a line of the
// child's output and sends the grandchild SIGUSR1 (its cue to exit) once
// the child has exited and the grandchild has said "ready" (its trap is
// set), if release is set.
type grandchildRecorder struct {
	procRecorder
	t        *testing.T
	release  bool
	pid      int
	ready    bool
	rest     strings.Builder // the output but the pid and "ready"
	partial  string
	signaled bool
}

func (g *grandchildRecorder) OutReceived(b []byte) {
	g.procRecorder.OutReceived(b)
	g.partial += string(b)
	for {
		line, more, ok := strings.Cut(g.partial, "\n")
		if !ok {
			break
		}
		g.partial = more
		if pid, err := strconv.Atoi(line); err == nil && g.pid == 0 {
			g.pid = pid
		} else if line == "ready" {
			g.ready = true
		} else {
			g.rest.WriteString(line + "\n")
		}
	}
	g.releaseGrandchild()
}

func (g *grandchildRecorder) ProcessExited(reason error) {
	g.procRecorder.ProcessExited(reason)
	g.releaseGrandchild()
}

func (g *grandchildRecorder) releaseGrandchild() {
	if !g.release || g.signaled || g.exited == nil || g.pid == 0 || !g.ready {
		return
	}
	g.signaled = true
	g.note("grandchild released")
	if err := unix.Kill(g.pid, unix.SIGUSR1); err != nil {
		g.t.Errorf("kill(grandchild %d, USR1): %v", g.pid, err)
	}
}

// A child that forks a grandchild holding the pipes, then exits: as in
// Twisted 22.4 (process.py's maybeCallProcessEnded: processEnded waits for
// "all writers have indicated an error status, AND all readers have
// indicated EOF"), ProcessExited comes at the child's exit and ProcessEnded
// only once the grandchild has let go of every pipe; a grandchild that
// holds none delays nothing. Each grandchild waits for SIGUSR1, so the
// order is the test's, not the scheduler's.
func TestProcessHardeningGrandchildHoldsPipes(t *testing.T) {
	const waitForUSR1 = "trap 'echo late; exit 0' USR1; echo ready; while :; do sleep 0.05; done"
	tests := []struct {
		name   string
		script string
		// held are the pipes the grandchild keeps: their ConnectionLost
		// comes after the grandchild is released.
		held []string
		out  string
	}{
		// sh gives a background job /dev/null for stdin unless it says
		// otherwise: fd 3 carries the child's stdin to the grandchild.
		{"holds all three", "exec 3<&0; (exec 0<&3 3<&-; " + waitForUSR1 + ") & echo $!; exit 0",
			[]string{"InConnectionLost", "OutConnectionLost", "ErrConnectionLost"}, "late\n"},
		{"holds stdin only", "exec 3<&0; (exec 0<&3 3<&-; trap 'exit 0' USR1; echo ready; exec >/dev/null 2>&1; while :; do sleep 0.05; done) & echo $!; exit 0",
			[]string{"InConnectionLost"}, ""},
		{"holds none", "(" + waitForUSR1 + ") </dev/null >/dev/null 2>&1 & echo $!; exit 0",
			nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachExitWatcher(t, func(t *testing.T, r *Reactor) {
				g := &grandchildRecorder{procRecorder: procRecorder{r: r}, t: t, release: tt.held != nil}
				if _, err := r.SpawnProcess(g, "/bin/sh", []string{"sh", "-c", tt.script}, ProcessOptions{}); err != nil {
					t.Fatal(err)
				}
				runBounded(t, r)
				checkOrder(t, g.events)
				if g.pid == 0 {
					t.Fatalf("no grandchild pid in the output %q", g.out.String())
				}
				if tt.held == nil {
					// ProcessEnded came with the grandchild still waiting.
					if err := unix.Kill(g.pid, 0); err != nil {
						t.Errorf("the grandchild %d is gone at ProcessEnded (%v): want ProcessEnded not to wait for it", g.pid, err)
					}
					_ = unix.Kill(g.pid, unix.SIGKILL)
				}
				events := strings.Join(g.events, " ")
				released := strings.Index(events, "grandchild released")
				if tt.held != nil && released < 0 {
					t.Fatalf("the grandchild was never released: %v", g.events)
				}
				for _, ev := range tt.held {
					if strings.Index(events, ev) < released {
						t.Errorf("%s before the grandchild let go of the pipe: %v", ev, g.events)
					}
				}
				if rest := g.rest.String() + g.partial; rest != tt.out {
					t.Errorf("the grandchild's output = %q, want %q; events %v", rest, tt.out, g.events)
				}
				var done *ProcessDone
				if !errors.As(g.ended, &done) {
					t.Errorf("ProcessEnded(%v), want the child's own exit status 0", g.ended)
				}
			})
		})
	}
}

// processFleetSize is how many children TestProcessHardeningThousandChildren
// keeps in flight at once: 1000 with the default poller and the pidfd
// watcher (what a program on Linux gets), 100 with the other pollers and
// exit watchers, which a loaded machine makes slow to fork for; setting
// LOOPSCRIPT_PROCESS_FLEET=N runs N with every one.
func processFleetSize(t *testing.T, defaultMode bool) int {
	if s := os.Getenv("LOOPSCRIPT_PROCESS_FLEET"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			t.Fatalf("LOOPSCRIPT_PROCESS_FLEET=%q: want a positive count", s)
		}
		return v
	}
	if defaultMode {
		return 1000
	}
	return 100
}

// fleetMember is one of many cats: it counts its events into the fleet's
// tally and stops the reactor when the last one ends.
type fleetMember struct {
	BaseProcessProtocol
	fleet *fleet
	out   []byte
	lost  int
	ended error
}

type fleet struct {
	r       *Reactor
	running int
	ended   int
	peakFds int
}

func (m *fleetMember) OutReceived(b []byte) { m.out = append(m.out, b...) }
func (m *fleetMember) InConnectionLost()    { m.lost++ }
func (m *fleetMember) OutConnectionLost()   { m.lost++ }
func (m *fleetMember) ErrConnectionLost()   { m.lost++ }
func (m *fleetMember) ProcessEnded(reason error) {
	if m.ended != nil {
		m.fleet.r.ReportError(fmt.Errorf("ProcessEnded twice: %v, then %v", m.ended, reason))
	}
	m.ended = reason
	m.fleet.ended++
	if m.fleet.running--; m.fleet.running == 0 {
		m.fleet.r.Stop()
	}
}

// A thousand children in flight at once (cats, each waiting for its
// stdin): every ProcessEnded arrives with the child's output, no zombie is
// left (counted in /proc) and every descriptor is closed (counted in
// /proc/self/fd before and after). The poll poller and the wait4
// goroutines are the costly paths, so they run it too; select cannot
// watch descriptors above FD_SETSIZE and is left out.
func TestProcessHardeningThousandChildren(t *testing.T) {
	if openFds() < 0 {
		t.Skip("no /proc/self/fd")
	}
	eachExitWatcher(t, func(t *testing.T, r *Reactor) {
		if strings.Contains(t.Name(), "/select/") {
			t.Skip("select cannot watch descriptors above FD_SETSIZE")
		}
		defaultMode := strings.Contains(t.Name(), "/"+DefaultPoller+"/") && (runtime.GOOS != "linux" || strings.HasSuffix(t.Name(), "/pidfd"))
		n := processFleetSize(t, defaultMode)
		var lim unix.Rlimit
		// Cur is unsigned on some systems and signed on others; infinity
		// is -1 as a signed number.
		if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || (int64(lim.Cur) >= 0 && int64(lim.Cur) < int64(4*n+100)) {
			t.Skipf("RLIMIT_NOFILE %d (%v): %d children need %d descriptors", lim.Cur, err, n, 4*n+100)
		}
		before := openFds()
		beforeSet := fdTargets(t)
		f := &fleet{r: r}
		members := make([]*fleetMember, n)
		procs := make([]*Process, n)
		start := time.Now()
		for i := range members {
			members[i] = &fleetMember{fleet: f}
			p, err := r.SpawnProcess(members[i], "/bin/cat", nil, ProcessOptions{})
			if err != nil {
				t.Fatalf("spawning child %d: %v", i, err)
			}
			procs[i] = p
			f.running++
		}
		spawned := time.Since(start)
		f.peakFds = openFds()
		// Every child is alive now, blocked on its stdin: let them all go.
		r.CallLater(0, func() {
			for i, p := range procs {
				p.Write([]byte(strconv.Itoa(i)))
				p.CloseStdin()
			}
		})
		runBounded(t, r)
		t.Logf("%d children: spawned in %v, all ended %v after the start; descriptors %d before, %d with all in flight, %d after",
			n, spawned.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), before, f.peakFds, openFds())
		if f.ended != n {
			t.Fatalf("%d of %d ProcessEnded", f.ended, n)
		}
		for i, m := range members {
			var done *ProcessDone
			if !errors.As(m.ended, &done) || string(m.out) != strconv.Itoa(i) || m.lost != 3 {
				t.Errorf("child %d: ended %v, output %q, %d pipes lost; want ProcessDone, %q, 3", i, m.ended, m.out, m.lost, strconv.Itoa(i))
			}
		}
		if f.peakFds < before+3*n {
			t.Errorf("%d descriptors with %d children in flight, %d before: the children were not all in flight at once", f.peakFds, n, before)
		}
		if leaked := newFds(beforeSet, fdTargets(t)); len(leaked) > 0 {
			t.Errorf("%d descriptors opened while the children ran are still open: %v", len(leaked), leaked[:min(len(leaked), 10)])
		}
		if z := zombieChildren(t); len(z) > 0 {
			t.Errorf("%d zombie children after every ProcessEnded: %v", len(z), z[:min(len(z), 10)])
		}
	})
}

// Two reactors on two goroutines (two hosts in one program), each reading
// a child that writes 4 MiB of its own letter: each gets only its own
// child's bytes. The read buffer was once one for the whole package, so
// one reactor's read overwrote what the other was delivering (and -race
// reported it).
func TestProcessHardeningReactorsReadApart(t *testing.T) {
	const size = 4 << 20
	letters := []string{"A", "B"}
	results := make(chan error, len(letters))
	for _, letter := range letters {
		r, log := newTestReactor(t, Config{})
		go func() {
			pr := &procRecorder{r: r}
			script := fmt.Sprintf("yes %s | tr -d '\\n' | head -c %d", letter, size)
			if _, err := r.SpawnProcess(pr, "/bin/sh", []string{"sh", "-c", script}, ProcessOptions{}); err != nil {
				results <- err
				return
			}
			timedOut := false
			r.CallLater(20*time.Second, func() { timedOut = true; r.Stop() })
			if err := r.Run(); err != nil || timedOut {
				results <- fmt.Errorf("%s: Run = %v, timed out: %v", letter, err, timedOut)
				return
			}
			out := pr.out.String()
			if len(out) != size || strings.Trim(out, letter) != "" {
				results <- fmt.Errorf("%s: %d bytes, %d of them not %q", letter, len(out), len(strings.ReplaceAll(out, letter, "")), letter)
				return
			}
			if errs := log.list(); len(errs) > 0 {
				results <- fmt.Errorf("%s: reported %v", letter, errs)
				return
			}
			results <- nil
		}()
	}
	for range letters {
		if err := <-results; err != nil {
			t.Error(err)
		}
	}
}

// With the select poller, a child whose pipes land above FD_SETSIZE
// cannot be watched: the refusal is reported, the pipes are lost at once
// (their ConnectionLost methods come, on the loop) and the child's exit
// still ends it. They used to stay unwatched and never lost, so
// ProcessEnded waited for the reactor's shutdown.
func TestProcessHardeningSelectRefusesHighPipes(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || (int64(lim.Cur) >= 0 && int64(lim.Cur) < 1200) {
		t.Skipf("RLIMIT_NOFILE %d (%v): the test needs 1200 descriptors", lim.Cur, err)
	}
	for _, disable := range []bool{false, true} {
		t.Run(fmt.Sprintf("pidfd disabled: %v", disable), func(t *testing.T) {
			old := pidfdDisabled
			pidfdDisabled = disable
			t.Cleanup(func() { pidfdDisabled = old })
			p, err := NewPoller("select")
			if err != nil {
				t.Skip(err)
			}
			r, log := newTestReactor(t, Config{Poller: p})
			// Fill the table up to FD_SETSIZE once the reactor has its
			// own descriptors, so the pipes get higher numbers.
			null, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { unix.Close(null) })
			for {
				fd, err := unix.FcntlInt(uintptr(null), unix.F_DUPFD_CLOEXEC, 0)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { unix.Close(fd) })
				if fd >= 1024 {
					break
				}
			}
			pr := &procRecorder{r: r}
			spawn(t, r, pr, "/bin/sh", "-c", "exit 0")
			runBounded(t, r)
			checkOrder(t, pr.events)
			var done *ProcessDone
			if !errors.As(pr.ended, &done) {
				t.Errorf("ProcessEnded(%v), want a *ProcessDone", pr.ended)
			}
			errs := log.list()
			if len(errs) == 0 || !strings.Contains(errs[0].Error(), "FD_SETSIZE") {
				t.Errorf("reported %v, want select's FD_SETSIZE refusal", errs)
			}
		})
	}
}

// chunkProducer writes numbered chunks to a child's stdin: one per
// ResumeProducing (pull), or as many as it is let (streaming); after the
// last it closes stdin and then unregisters.
type chunkProducer struct {
	p         *Process
	pr        *procRecorder
	streaming bool
	chunks    int
	sent      int
	paused    bool
	resumes   int
	pauses    int
	stops     int
	expected  strings.Builder
	// heldClose: at CloseStdin the producer was one that holds the close
	// (pulled, or streaming and paused).
	heldClose bool
}

func (c *chunkProducer) chunk(i int) []byte {
	return []byte(strings.Repeat(fmt.Sprintf("%07d\n", i), 4096)) // 32 KiB
}

func (c *chunkProducer) send() {
	b := c.chunk(c.sent)
	c.sent++
	c.expected.Write(b)
	c.p.Write(b)
	if c.sent == c.chunks {
		// CloseStdin with the producer still registered: a pull producer,
		// or a streaming one the last write paused, holds the close until
		// UnregisterProducer, a little later; any other does not.
		c.heldClose = !c.streaming || c.paused
		c.p.CloseStdin()
		c.pr.r.CallLater(20*time.Millisecond, func() {
			c.pr.note("UnregisterProducer")
			c.p.UnregisterProducer()
		})
	}
}

func (c *chunkProducer) PauseProducing() { c.paused = true; c.pauses++ }
func (c *chunkProducer) ResumeProducing() {
	c.resumes++
	c.paused = false
	if !c.streaming {
		if c.sent < c.chunks {
			c.send()
		}
		return
	}
	c.pumpStreaming()
}
func (c *chunkProducer) StopProducing() { c.stops++ }

func (c *chunkProducer) pumpStreaming() {
	for !c.paused && c.sent < c.chunks {
		c.send()
	}
}

// Producers on a child that reads (cat): every byte arrives once and in
// order, whether the producer is pulled (one chunk per resume) or
// streaming (paused when 64 KiB are queued, resumed when cat took them).
// As in Twisted 22.4's doWrite, CloseStdin made while a pull producer or a
// paused streaming one is registered waits for UnregisterProducer, and a
// producer unregistered before stdin is lost is not told StopProducing; a
// streaming producer that is not paused holds nothing and is told
// StopProducing once, when stdin closes.
func TestProcessHardeningProducerToCat(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		t.Run(fmt.Sprintf("streaming %v", streaming), func(t *testing.T) {
			eachExitWatcher(t, func(t *testing.T, r *Reactor) {
				pr := &procRecorder{r: r}
				p := spawn(t, r, pr, "/bin/cat")
				c := &chunkProducer{p: p, pr: pr, streaming: streaming, chunks: 64}
				if err := p.RegisterProducer(c, streaming); err != nil {
					t.Fatal(err)
				}
				if err := p.RegisterProducer(c, streaming); err == nil {
					t.Error("a second RegisterProducer was accepted")
				}
				if streaming {
					c.pumpStreaming()
				}
				runBounded(t, r)
				checkOrder(t, pr.events)
				events := strings.Join(pr.events, " ")
				unregistered, lost := strings.Index(events, "UnregisterProducer"), strings.Index(events, "InConnectionLost")
				wantStops := 0
				if c.heldClose && (unregistered < 0 || lost < unregistered) {
					t.Errorf("stdin closed before UnregisterProducer: %v", pr.events)
				}
				if !c.heldClose {
					wantStops = 1
					if lost < 0 || (unregistered >= 0 && unregistered < lost) {
						t.Errorf("stdin closed only after UnregisterProducer, with a streaming producer not paused: %v", pr.events)
					}
				}
				if pr.out.String() != c.expected.String() {
					t.Errorf("cat echoed %d bytes, want the %d written, in order", pr.out.Len(), c.expected.Len())
				}
				if c.sent != c.chunks || c.stops != wantStops {
					t.Errorf("sent %d of %d chunks, StopProducing %d times; want all, and %d", c.sent, c.chunks, c.stops, wantStops)
				}
				if streaming && (c.pauses == 0 || c.resumes == 0) {
					t.Errorf("streaming producer paused %d times and resumed %d: want both", c.pauses, c.resumes)
				}
				var done *ProcessDone
				if !errors.As(pr.ended, &done) {
					t.Errorf("ProcessEnded(%v), want a *ProcessDone", pr.ended)
				}
			})
		})
	}
}
