package reactor

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// runLimit bounds how long any test waits for Run to return. Virtual-clock
// runs take microseconds; the limit only turns a hang into a failure.
const runLimit = 10 * time.Second

// errorLog collects what a reactor passes to its error hook.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) add(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

func (l *errorLog) list() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.errs)
}

// newTestReactor builds a reactor from cfg, collecting callback errors
// unless cfg has its own hook, and releases it when the test ends.
func newTestReactor(t testing.TB, cfg Config) (*Reactor, *errorLog) {
	t.Helper()
	log := &errorLog{}
	if cfg.OnError == nil {
		cfg.OnError = log.add
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r, log
}

// newVirtualReactor builds a reactor on a fresh virtual clock.
func newVirtualReactor(t testing.TB) (*Reactor, *VirtualClock, *errorLog) {
	t.Helper()
	vc := NewVirtualClock()
	r, log := newTestReactor(t, Config{Clock: vc})
	return r, vc, log
}

// startRun runs r on its own goroutine and returns a channel that yields
// Run's result.
func startRun(r *Reactor) <-chan error {
	done := make(chan error, 1)
	go func() { done <- r.Run() }()
	return done
}

// waitRun waits for the result of startRun, failing the test on a hang.
func waitRun(t testing.TB, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(runLimit):
		t.Fatalf("Run did not return within %v", runLimit)
		return nil
	}
}

// mustRun runs r to completion and fails the test if Run fails. Callbacks
// run on another goroutine, so they report with t.Errorf, never t.Fatal.
func mustRun(t testing.TB, r *Reactor) {
	t.Helper()
	if err := waitRun(t, startRun(r)); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// mustStop stops r from a callback, reporting a failure.
func mustStop(t testing.TB, r *Reactor) {
	t.Helper()
	if err := r.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

// noErrors fails the test if any callback reported an error.
func noErrors(t testing.TB, log *errorLog) {
	t.Helper()
	for _, err := range log.list() {
		t.Errorf("unexpected callback error: %v", err)
	}
}

// trace records named steps; safe from any goroutine.
type trace struct {
	mu    sync.Mutex
	steps []string
}

func (tr *trace) add(s string) {
	tr.mu.Lock()
	tr.steps = append(tr.steps, s)
	tr.mu.Unlock()
}

func (tr *trace) step(s string) func() { return func() { tr.add(s) } }

func (tr *trace) get() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.steps)
}

func (tr *trace) expect(t testing.TB, want ...string) {
	t.Helper()
	if got := tr.get(); !slices.Equal(got, want) {
		t.Errorf("steps:\n got %q\nwant %q", got, want)
	}
}

func TestRunLifecycleErrors(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	if err := r.Stop(); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Stop before Run = %v, want ErrNotRunning", err)
	}

	var inside []error
	record := func(what string) func() {
		return func() { inside = append(inside, fmt.Errorf("%s: %w", what, r.Run())) }
	}
	addTrigger(t, r, Before, Startup, record("before startup"))
	r.CallWhenRunning(record("when running"))
	r.CallLater(0, record("timer"))
	r.CallLater(time.Second, func() {
		if err := r.CallFromGoroutine(record("posted")); err != nil {
			t.Errorf("CallFromGoroutine while running: %v", err)
		}
	})
	r.CallLater(2*time.Second, func() {
		mustStop(t, r)
		if err := r.Stop(); !errors.Is(err, ErrNotRunning) {
			t.Errorf("second Stop = %v, want ErrNotRunning", err)
		}
	})
	addTrigger(t, r, Before, Shutdown, record("before shutdown"))
	addTrigger(t, r, After, Shutdown, record("after shutdown"))
	mustRun(t, r)
	noErrors(t, log)

	if len(inside) != 6 {
		t.Fatalf("Run called from %d callbacks, want 6: %v", len(inside), inside)
	}
	for _, err := range inside {
		if !errors.Is(err, ErrAlreadyRunning) {
			t.Errorf("Run from a callback: %v, want ErrAlreadyRunning", err)
		}
	}

	if err := r.Run(); !errors.Is(err, ErrNotRestartable) {
		t.Errorf("Run after stop = %v, want ErrNotRestartable", err)
	}
	if err := r.Stop(); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Stop after stop = %v, want ErrNotRunning", err)
	}
	if err := r.CallFromGoroutine(func() { t.Error("posted fn ran after Run returned") }); !errors.Is(err, ErrNotRunning) {
		t.Errorf("CallFromGoroutine after Run returned = %v, want ErrNotRunning", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close after Run: %v", err)
	}
}

func TestCloseWithoutRun(t *testing.T) {
	r, _, _ := newVirtualReactor(t)
	ran := false
	r.CallWhenRunning(func() { ran = true })
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := r.Run(); !errors.Is(err, ErrNotRestartable) {
		t.Errorf("Run after Close = %v, want ErrNotRestartable", err)
	}
	if err := r.CallFromGoroutine(func() {}); !errors.Is(err, ErrNotRunning) {
		t.Errorf("CallFromGoroutine after Close = %v, want ErrNotRunning", err)
	}
	if ran {
		t.Error("a when-running callback ran on a reactor that never ran")
	}
}

// TestStopSemantics follows Twisted: a stop takes effect when the iteration
// under way ends. Whatever calls Stop, the rest of that iteration still runs
// (the remaining when-running callbacks, the timed calls already due), then
// the shutdown triggers, then Run returns. Calls not yet due never run.
func TestStopSemantics(t *testing.T) {
	cases := []struct {
		name  string
		setup func(r *Reactor, tr *trace, stop func())
		want  []string
	}{{
		name: "from a when-running callback",
		setup: func(r *Reactor, tr *trace, stop func()) {
			r.CallWhenRunning(func() { tr.add("wr1"); stop() })
			r.CallWhenRunning(tr.step("wr2"))
			r.CallLater(0, tr.step("due timer"))
			r.CallLater(-time.Second, tr.step("due timer (negative delay)"))
			r.CallLater(time.Nanosecond, tr.step("later timer"))
		},
		want: []string{"wr1", "wr2", "due timer", "due timer (negative delay)", "shutdown"},
	}, {
		name: "from a timer",
		setup: func(r *Reactor, tr *trace, stop func()) {
			r.CallLater(time.Second, func() {
				tr.add("t1")
				stop()
				r.CallLater(0, tr.step("scheduled after stop"))
			})
			r.CallLater(time.Second, tr.step("t2 same time"))
			r.CallLater(time.Second+1, tr.step("t3 one ns later"))
		},
		want: []string{"t1", "t2 same time", "shutdown"},
	}, {
		name: "from a before-startup trigger",
		setup: func(r *Reactor, tr *trace, stop func()) {
			r.AddSystemEventTrigger(Before, Startup, func() { tr.add("before startup"); stop() })
			r.AddSystemEventTrigger(During, Startup, tr.step("during startup"))
			r.CallWhenRunning(tr.step("when running"))
			r.CallLater(0, tr.step("due timer"))
		},
		want: []string{"before startup", "during startup", "when running", "due timer", "shutdown"},
	}, {
		name: "from a posted function",
		setup: func(r *Reactor, tr *trace, stop func()) {
			r.CallWhenRunning(func() {
				r.CallFromGoroutine(func() { tr.add("posted"); stop() })
				r.CallLater(0, tr.step("timer due in the stopping iteration"))
			})
		},
		want: []string{"posted", "timer due in the stopping iteration", "shutdown"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _, log := newVirtualReactor(t)
			tr := &trace{}
			c.setup(r, tr, func() { mustStop(t, r) })
			addTrigger(t, r, Before, Shutdown, tr.step("shutdown"))
			mustRun(t, r)
			noErrors(t, log)
			tr.expect(t, c.want...)
		})
	}
}

func TestRunningThroughPhases(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	var got []string
	record := func(what string) func() {
		return func() { got = append(got, fmt.Sprintf("%s=%v", what, r.Running())) }
	}
	for _, ev := range []string{Startup, Shutdown} {
		for _, ph := range []Phase{Before, During, After} {
			if _, err := r.AddSystemEventTrigger(ph, ev, record(ph.String()+" "+ev)); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.CallWhenRunning(record("when running"))
	r.CallLater(time.Second, func() {
		record("timer")()
		mustStop(t, r)
		record("timer after Stop")()
	})
	record("before Run")()
	mustRun(t, r)
	record("after Run")()
	noErrors(t, log)
	want := []string{
		"before Run=false",
		"before startup=false", "during startup=true", "after startup=true",
		"when running=true", "timer=true", "timer after Stop=true",
		"before shutdown=true", "during shutdown=false", "after shutdown=false",
		"after Run=false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Running():\n got %q\nwant %q", got, want)
	}
}

func TestCallWhenRunning(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	tr := &trace{}
	r.CallWhenRunning(func() {
		tr.add("first")
		// Already running: called at once, before the next registered one.
		r.CallWhenRunning(tr.step("nested, called at once"))
		tr.add("first ends")
	})
	r.CallWhenRunning(tr.step("second"))
	r.CallLater(0, func() {
		r.CallWhenRunning(tr.step("from a timer, called at once"))
		mustStop(t, r)
	})
	mustRun(t, r)
	noErrors(t, log)
	tr.expect(t, "first", "nested, called at once", "first ends", "second", "from a timer, called at once")
}

// iterationMarker posts a function from the loop to itself. Posted
// functions run first thing in the next iteration, so where the marker
// lands among timer callbacks shows where one iteration ends.
func iterationMarker(t testing.TB, r *Reactor, tr *trace, name string) {
	if err := r.CallFromGoroutine(tr.step(name)); err != nil {
		t.Errorf("CallFromGoroutine from the loop: %v", err)
	}
}

// TestZeroDelayRunsNextIteration: a call made due while the due calls run
// waits for the next iteration, even with a zero delay, while calls that were
// due when the iteration began all run in it.
func TestZeroDelayRunsNextIteration(t *testing.T) {
	cases := []struct {
		name string
		// inA runs inside timer A at t=1s; it may schedule "new".
		inA  func(r *Reactor, tr *trace, later *DelayedCall)
		want []string
	}{{
		name: "CallLater(0)",
		inA:  func(r *Reactor, tr *trace, _ *DelayedCall) { r.CallLater(0, tr.step("new")) },
		want: []string{"A", "B", "next iteration", "new", "later"},
	}, {
		name: "CallLater(-1)",
		inA:  func(r *Reactor, tr *trace, _ *DelayedCall) { r.CallLater(-1, tr.step("new")) },
		want: []string{"A", "B", "next iteration", "new", "later"},
	}, {
		name: "CallAt(now)",
		inA:  func(r *Reactor, tr *trace, _ *DelayedCall) { r.CallAt(r.Now(), tr.step("new")) },
		want: []string{"A", "B", "next iteration", "new", "later"},
	}, {
		name: "CallAt(past)",
		inA:  func(r *Reactor, tr *trace, _ *DelayedCall) { r.CallAt(0, tr.step("new")) },
		want: []string{"A", "B", "next iteration", "new", "later"},
	}, {
		name: "Reset(0) of a later call",
		inA: func(r *Reactor, tr *trace, later *DelayedCall) {
			if err := later.Reset(0); err != nil {
				tr.add(err.Error())
			}
		},
		want: []string{"A", "B", "next iteration", "later"},
	}, {
		name: "Reset(-1) of a later call",
		inA: func(r *Reactor, tr *trace, later *DelayedCall) {
			if err := later.Reset(-time.Second); err != nil {
				tr.add(err.Error())
			}
		},
		want: []string{"A", "B", "next iteration", "later"},
	}, {
		name: "Delay(-1h) of a later call",
		inA: func(r *Reactor, tr *trace, later *DelayedCall) {
			if err := later.Delay(-time.Hour); err != nil {
				tr.add(err.Error())
			}
		},
		want: []string{"A", "B", "next iteration", "later"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _, log := newVirtualReactor(t)
			tr := &trace{}
			var later *DelayedCall
			r.CallLater(time.Second, func() {
				tr.add("A")
				iterationMarker(t, r, tr, "next iteration")
				c.inA(r, tr, later)
			})
			r.CallLater(time.Second, tr.step("B"))
			later = r.CallLater(time.Minute, tr.step("later"))
			r.CallLater(time.Hour, func() { mustStop(t, r) })
			mustRun(t, r)
			noErrors(t, log)
			tr.expect(t, c.want...)
		})
	}
}

// TestDueCallsDoNotStarveThePoller: an endless chain of zero-delay calls
// still lets the loop take posted work (here, the Stop) between steps.
func TestDueCallsDoNotStarveThePoller(t *testing.T) {
	for _, virtual := range []bool{true, false} {
		t.Run(fmt.Sprintf("virtual=%v", virtual), func(t *testing.T) {
			cfg := Config{}
			if virtual {
				cfg.Clock = NewVirtualClock()
			}
			r, log := newTestReactor(t, cfg)
			var steps atomic.Int64
			var chain func()
			chain = func() {
				steps.Add(1)
				r.CallLater(0, chain)
			}
			started := make(chan struct{})
			r.CallWhenRunning(func() { close(started); chain() })
			done := startRun(r)
			<-started
			for steps.Load() < 100 {
				time.Sleep(time.Millisecond)
			}
			if err := r.Stop(); err != nil {
				t.Fatalf("Stop from another goroutine: %v", err)
			}
			if err := waitRun(t, done); err != nil {
				t.Fatal(err)
			}
			noErrors(t, log)
			// Each iteration ran one step, which scheduled the next.
			if r.Pending() != 1 {
				t.Errorf("Pending() = %d after stop, want the 1 chained call", r.Pending())
			}
		})
	}
}

func TestCallFromGoroutineWakesBlockedLoop(t *testing.T) {
	cases := []struct {
		name  string
		clock func() Clock
		timer time.Duration // a pending timer far away; 0 for none
	}{
		{"real clock, no timers", func() Clock { return nil }, 0},
		{"real clock, timer in an hour", func() Clock { return nil }, time.Hour},
		{"virtual clock, no timers", func() Clock { return NewVirtualClock() }, 0},
	}
	for _, c := range cases {
		for _, how := range []string{"CallFromGoroutine", "Stop"} {
			t.Run(c.name+"/"+how, func(t *testing.T) {
				r, log := newTestReactor(t, Config{Clock: c.clock()})
				if c.timer > 0 {
					r.CallLater(c.timer, func() { t.Error("far timer ran") })
				}
				started := make(chan struct{})
				r.CallWhenRunning(func() { close(started) })
				done := startRun(r)
				<-started
				// Give the loop time to block in the poller; the test must pass
				// whether or not it got there.
				time.Sleep(20 * time.Millisecond)
				var ran atomic.Bool
				switch how {
				case "CallFromGoroutine":
					if err := r.CallFromGoroutine(func() { ran.Store(true); mustStop(t, r) }); err != nil {
						t.Fatalf("CallFromGoroutine: %v", err)
					}
				case "Stop":
					if err := r.Stop(); err != nil {
						t.Fatalf("Stop: %v", err)
					}
				}
				if err := waitRun(t, done); err != nil {
					t.Fatal(err)
				}
				if how == "CallFromGoroutine" && !ran.Load() {
					t.Error("posted function did not run")
				}
				noErrors(t, log)
			})
		}
	}
}

// TestCrossGoroutineCallsNeverBlock: Stop and CallFromGoroutine return at
// once even while the loop is stuck inside a callback.
func TestCrossGoroutineCallsNeverBlock(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	inside := make(chan struct{})
	release := make(chan struct{})
	r.CallWhenRunning(func() {
		close(inside)
		<-release
	})
	ran := make(chan struct{})
	done := startRun(r)
	<-inside

	returned := make(chan error, 3)
	go func() {
		returned <- r.CallFromGoroutine(func() { close(ran) })
		returned <- r.Stop()
		returned <- r.Stop()
	}()
	var errs []error
	for range 3 {
		select {
		case err := <-returned:
			errs = append(errs, err)
		case <-time.After(runLimit):
			t.Fatal("a cross-goroutine call blocked while the loop was busy")
		}
	}
	close(release)
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], ErrNotRunning) {
		t.Errorf("CallFromGoroutine, Stop, Stop = %v, want nil, nil, ErrNotRunning", errs)
	}
	select {
	case <-ran:
	default:
		t.Error("function posted before the stop did not run")
	}
	noErrors(t, log)
}

func TestConcurrentStopExactlyOneWins(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	started := make(chan struct{})
	r.CallWhenRunning(func() { close(started) })
	done := startRun(r)
	<-started
	const n = 32
	var wins, losses atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			switch err := r.Stop(); {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, ErrNotRunning):
				losses.Add(1)
			default:
				t.Errorf("Stop: %v", err)
			}
		})
	}
	wg.Wait()
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
	if wins.Load() != 1 || losses.Load() != n-1 {
		t.Errorf("%d Stops succeeded and %d failed, want 1 and %d", wins.Load(), losses.Load(), n-1)
	}
	noErrors(t, log)
}

// TestCallFromGoroutineStress: many goroutines post while the loop runs and
// someone stops it. Every accepted function runs exactly once, in each
// goroutine's posting order; every refused one never runs.
func TestCallFromGoroutineStress(t *testing.T) {
	const goroutines, posts = 16, 2000
	r, log := newTestReactor(t, Config{}) // real clock: the loop really sleeps between posts
	var ran [goroutines]int               // touched only by the loop goroutine
	var outOfOrder atomic.Int32
	started := make(chan struct{})
	r.CallWhenRunning(func() { close(started) })
	done := startRun(r)
	<-started

	var accepted, refused [goroutines]int
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range posts {
				err := r.CallFromGoroutine(func() {
					if ran[g] != i {
						outOfOrder.Add(1)
					}
					ran[g]++
				})
				switch {
				case err == nil:
					if refused[g] > 0 {
						t.Errorf("goroutine %d: post accepted after one was refused", g)
					}
					accepted[g]++
				case errors.Is(err, ErrNotRunning):
					refused[g]++
				default:
					t.Errorf("CallFromGoroutine: %v", err)
				}
				if g == 0 && i == posts/2 {
					if err := r.Stop(); err != nil {
						t.Errorf("Stop: %v", err)
					}
				}
			}
		})
	}
	wg.Wait()
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
	totalAccepted, totalRefused := 0, 0
	for g := range goroutines {
		if ran[g] != accepted[g] {
			t.Errorf("goroutine %d: %d posts accepted, %d ran", g, accepted[g], ran[g])
		}
		totalAccepted += accepted[g]
		totalRefused += refused[g]
	}
	if n := outOfOrder.Load(); n != 0 {
		t.Errorf("%d posted functions ran out of their goroutine's order", n)
	}
	if totalAccepted+totalRefused != goroutines*posts {
		t.Errorf("accepted %d + refused %d != %d", totalAccepted, totalRefused, goroutines*posts)
	}
	if accepted[0] <= posts/2 {
		t.Errorf("goroutine 0 had only %d posts accepted before its own Stop", accepted[0])
	}
	t.Logf("accepted %d, refused %d", totalAccepted, totalRefused)
	noErrors(t, log)
}

// TestPostedDuringShutdownStillRuns: a function accepted while the shutdown
// triggers run is run before Run returns.
func TestPostedDuringShutdownStillRuns(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	tr := &trace{}
	r.CallWhenRunning(func() { mustStop(t, r) })
	addTrigger(t, r, During, Shutdown, func() {
		tr.add("during shutdown")
		if err := r.CallFromGoroutine(tr.step("posted in shutdown")); err != nil {
			t.Errorf("CallFromGoroutine during shutdown: %v", err)
		}
	})
	addTrigger(t, r, After, Shutdown, tr.step("after shutdown"))
	mustRun(t, r)
	noErrors(t, log)
	tr.expect(t, "during shutdown", "after shutdown", "posted in shutdown")
}

func TestPanicIsReportedAndLoopGoesOn(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name     string
		schedule func(r *Reactor, fn func())
	}{
		{"timer", func(r *Reactor, fn func()) { r.CallLater(0, fn) }},
		{"when running", func(r *Reactor, fn func()) { r.CallWhenRunning(fn) }},
		{"posted", func(r *Reactor, fn func()) {
			r.CallWhenRunning(func() { r.CallFromGoroutine(fn) })
		}},
		{"startup trigger", func(r *Reactor, fn func()) { r.AddSystemEventTrigger(During, Startup, fn) }},
		{"shutdown trigger", func(r *Reactor, fn func()) { r.AddSystemEventTrigger(Before, Shutdown, fn) }},
	}
	values := []struct {
		name  string
		value any
		is    error // what errors.Is must find, if anything
	}{
		{"string", "kaput", nil},
		{"error", boom, boom},
	}
	for _, c := range cases {
		for _, v := range values {
			t.Run(c.name+"/"+v.name, func(t *testing.T) {
				r, _, log := newVirtualReactor(t)
				tr := &trace{}
				c.schedule(r, func() { tr.add("panics"); panic(v.value) })
				c.schedule(r, tr.step("next callback"))
				r.CallLater(time.Second, func() { tr.add("later timer"); mustStop(t, r) })
				mustRun(t, r)
				steps := tr.get()
				if !slices.Contains(steps, "next callback") || !slices.Contains(steps, "later timer") {
					t.Errorf("loop did not go on after the panic: %q", steps)
				}
				errs := log.list()
				if len(errs) != 1 {
					t.Fatalf("reported %d errors, want 1: %v", len(errs), errs)
				}
				var pe *PanicError
				if !errors.As(errs[0], &pe) {
					t.Fatalf("reported %T %v, want *PanicError", errs[0], errs[0])
				}
				if pe.Value != v.value {
					t.Errorf("PanicError.Value = %v, want %v", pe.Value, v.value)
				}
				if !strings.Contains(pe.Error(), fmt.Sprint(v.value)) {
					t.Errorf("PanicError.Error() = %q, want it to mention %v", pe.Error(), v.value)
				}
				if v.is != nil && !errors.Is(errs[0], v.is) {
					t.Errorf("errors.Is(%v, %v) = false", errs[0], v.is)
				}
				if v.is == nil && pe.Unwrap() != nil {
					t.Errorf("Unwrap() = %v for a non-error panic, want nil", pe.Unwrap())
				}
				if !strings.Contains(string(pe.Stack), "reactor_test.go") {
					t.Errorf("PanicError.Stack does not show the panicking test function:\n%s", pe.Stack)
				}
			})
		}
	}
}

func TestReportError(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	want := errors.New("reported")
	r.ReportError(want)
	if errs := log.list(); len(errs) != 1 || errs[0] != want {
		t.Errorf("OnError got %v, want [%v]", errs, want)
	}
}

// TestReportErrorDefault: without an error hook, errors go to standard
// error, a panic with its stack.
func TestReportErrorDefault(t *testing.T) {
	r, err := New(Config{Clock: NewVirtualClock()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = f
	r.ReportError(errors.New("plain failure"))
	r.ReportError(&PanicError{Value: "kaput", Stack: []byte("goroutine 1 [running]:\nmain.f()\n")})
	os.Stderr = stderr
	f.Close()
	out, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	want := "Unhandled error in callback: plain failure\n" +
		"Unhandled error in callback: callback panicked: kaput\n" +
		"goroutine 1 [running]:\nmain.f()\n"
	if string(out) != want {
		t.Errorf("standard error:\n%s\nwant:\n%s", out, want)
	}
}

func TestNameClockAndSeconds(t *testing.T) {
	for _, name := range PollerNames {
		t.Run(name, func(t *testing.T) {
			p, err := NewPoller(name)
			if err != nil {
				t.Fatal(err)
			}
			vc := NewVirtualClock()
			r, _ := newTestReactor(t, Config{Poller: p, Clock: vc})
			if r.Name() != name {
				t.Errorf("Name() = %q, want %q", r.Name(), name)
			}
			if r.Clock() != Clock(vc) {
				t.Error("Clock() is not the configured clock")
			}
			vc.Advance(1500 * time.Millisecond)
			if r.Now() != 1500*time.Millisecond || r.Seconds() != 1.5 {
				t.Errorf("Now, Seconds = %v, %v, want 1.5s, 1.5", r.Now(), r.Seconds())
			}
		})
	}
	r, _ := newTestReactor(t, Config{})
	if r.Name() != DefaultPoller {
		t.Errorf("default Name() = %q, want %s", r.Name(), DefaultPoller)
	}
	if _, ok := r.Clock().(*MonotonicClock); !ok {
		t.Errorf("default Clock() is %T, want *MonotonicClock", r.Clock())
	}
	a := r.Seconds()
	time.Sleep(2 * time.Millisecond)
	if b := r.Seconds(); b-a < 0.002 {
		t.Errorf("Seconds() moved %v over a 2 ms sleep; it must be read at the call", b-a)
	}
}

// TestTimersNeverEarlyOnRealClock: on the real clock a timer fires no sooner
// than its delay after it was scheduled, on every poller. The upper bound is
// loose: it only catches a timer that is lost.
func TestTimersNeverEarlyOnRealClock(t *testing.T) {
	delays := []time.Duration{300 * time.Microsecond, time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond}
	for _, name := range PollerNames {
		t.Run(name, func(t *testing.T) {
			p, err := NewPoller(name)
			if err != nil {
				t.Fatal(err)
			}
			r, log := newTestReactor(t, Config{Poller: p})
			type firing struct {
				delay, elapsed time.Duration
				early          bool
			}
			var fired []firing
			r.CallWhenRunning(func() {
				for _, d := range delays {
					start := time.Now()
					var dc *DelayedCall
					dc = r.CallLater(d, func() {
						fired = append(fired, firing{d, time.Since(start), r.Now() < dc.Time()})
						if len(fired) == len(delays) {
							mustStop(t, r)
						}
					})
				}
			})
			mustRun(t, r)
			noErrors(t, log)
			if len(fired) != len(delays) {
				t.Fatalf("%d of %d timers fired", len(fired), len(delays))
			}
			for _, f := range fired {
				if f.elapsed < f.delay || f.early {
					t.Errorf("%v timer fired early: after %v (clock before Time(): %v)", f.delay, f.elapsed, f.early)
				}
				if f.elapsed > f.delay+2*time.Second {
					t.Errorf("%v timer fired after %v", f.delay, f.elapsed)
				}
			}
		})
	}
}

func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestIdleWaitUsesNoCPU: a loop waiting 200 ms for its one timer sleeps in
// the poller. A busy loop would burn about 200 ms of CPU; the bound is loose
// because the whole process (GC, the race detector) is measured.
func TestIdleWaitUsesNoCPU(t *testing.T) {
	const wait = 200 * time.Millisecond
	for _, name := range PollerNames {
		t.Run(name, func(t *testing.T) {
			p, err := NewPoller(name)
			if err != nil {
				t.Fatal(err)
			}
			r, log := newTestReactor(t, Config{Poller: p})
			r.CallLater(wait, func() { mustStop(t, r) })
			cpu0, wall0 := cpuTime(t), time.Now()
			mustRun(t, r)
			cpu, wall := cpuTime(t)-cpu0, time.Since(wall0)
			noErrors(t, log)
			t.Logf("%v wall, %v CPU", wall, cpu)
			if wall < wait {
				t.Errorf("Run returned after %v, before its %v timer", wall, wait)
			}
			if cpu > 50*time.Millisecond {
				t.Errorf("idle loop used %v CPU over %v: busy waiting?", cpu, wall)
			}
		})
	}
}

// failingPoller fails every Wait once fail is set.
type failingPoller struct {
	Poller
	fail bool
	err  error
}

func (p *failingPoller) Wait(timeout time.Duration) ([]Event, error) {
	if p.fail {
		return nil, p.err
	}
	return p.Poller.Wait(timeout)
}

// TestPollerFailureEndsRun: Run returns the poller's error, after the
// shutdown triggers, and the reactor is then stopped for good.
func TestPollerFailureEndsRun(t *testing.T) {
	inner, err := NewPoller(DefaultPoller)
	if err != nil {
		t.Fatal(err)
	}
	pollErr := errors.New("poller broke")
	p := &failingPoller{Poller: inner, err: pollErr}
	// The real clock makes the loop call Wait rather than skip it.
	r, log := newTestReactor(t, Config{Poller: p})
	tr := &trace{}
	r.CallLater(0, tr.step("timer 1"))
	r.CallLater(time.Millisecond, func() { tr.add("timer 2"); p.fail = true })
	r.CallLater(time.Hour, tr.step("never"))
	addTrigger(t, r, Before, Shutdown, func() { tr.add(fmt.Sprintf("shutdown running=%v", r.Running())) })
	addTrigger(t, r, After, Shutdown, tr.step("after shutdown"))
	if err := waitRun(t, startRun(r)); !errors.Is(err, pollErr) {
		t.Fatalf("Run = %v, want %v", err, pollErr)
	}
	noErrors(t, log)
	tr.expect(t, "timer 1", "timer 2", "shutdown running=true", "after shutdown")
	if err := r.Run(); !errors.Is(err, ErrNotRestartable) {
		t.Errorf("Run after failure = %v, want ErrNotRestartable", err)
	}
	if err := r.Stop(); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Stop after failure = %v, want ErrNotRunning", err)
	}
}

func TestPendingCountsScheduledCalls(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	var got []int
	dcs := make([]*DelayedCall, 5)
	for i := range dcs {
		dcs[i] = r.CallLater(time.Duration(i+1)*time.Second, func() { got = append(got, r.Pending()) })
	}
	if r.Pending() != 5 {
		t.Fatalf("Pending() = %d after 5 CallLater, want 5", r.Pending())
	}
	dcs[1].Cancel()
	dcs[3].Cancel()
	if r.Pending() != 3 {
		t.Fatalf("Pending() = %d after 2 cancels, want 3", r.Pending())
	}
	r.CallLater(time.Minute, func() { mustStop(t, r) })
	mustRun(t, r)
	noErrors(t, log)
	// Inside its own callback a call has already left the queue.
	if want := []int{3, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("Pending() inside callbacks = %v, want %v", got, want)
	}
	if r.Pending() != 0 {
		t.Errorf("Pending() = %d after the run, want 0", r.Pending())
	}
}
