package reactor

import (
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestIdle: Idle is false while anything is scheduled, posted, waiting for
// Run or held, and true once all of it is gone.
func TestIdle(t *testing.T) {
	tests := []struct {
		name string
		// busy makes the reactor busy and returns what makes it idle again.
		busy func(r *Reactor) (undo func())
	}{
		{"a timed call", func(r *Reactor) func() {
			c := r.CallLater(time.Hour, func() {})
			return func() { c.Cancel() }
		}},
		{"a posted function", func(r *Reactor) func() {
			if err := r.CallFromGoroutine(func() {}); err != nil {
				t.Fatal(err)
			}
			return r.runPosted
		}},
		{"a when-running callback", func(r *Reactor) func() {
			r.CallWhenRunning(func() {})
			return func() { r.fireSystemEvent(Startup, func() {}) }
		}},
		{"a startup trigger", func(r *Reactor) func() {
			id, err := r.AddSystemEventTrigger(Before, Startup, func() {})
			if err != nil {
				t.Fatal(err)
			}
			return func() { r.RemoveSystemEventTrigger(id) }
		}},
		{"a hold", func(r *Reactor) func() { return r.HoldPending() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, _ := newVirtualReactor(t)
			if !r.Idle() {
				t.Fatal("a new reactor is not idle")
			}
			undo := tt.busy(r)
			if r.Idle() {
				t.Fatalf("idle with %s", tt.name)
			}
			undo()
			if !r.Idle() {
				t.Fatalf("still not idle once %s is gone", tt.name)
			}
		})
	}
}

// TestHoldPendingReleasesOnce: a release called twice counts once, so it
// cannot cancel another hold.
func TestHoldPendingReleasesOnce(t *testing.T) {
	r, _, _ := newVirtualReactor(t)
	first, second := r.HoldPending(), r.HoldPending()
	first()
	first()
	if r.Idle() {
		t.Fatal("idle while the second hold is still held")
	}
	second()
	if !r.Idle() {
		t.Fatal("not idle once both holds are released")
	}
}

// idleLog records the virtual time of each call of an idle hook.
type idleLog struct {
	mu    sync.Mutex
	times []time.Duration
}

func (l *idleLog) hook(r *Reactor, stop bool) func() {
	return func() {
		l.mu.Lock()
		l.times = append(l.times, r.Now())
		l.mu.Unlock()
		if stop {
			r.Stop()
		}
	}
}

func (l *idleLog) list() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.times)
}

// TestIdleHookAfterTheLastTimer: the hook runs once the last timed call has
// run, not before, and a Stop in it ends Run.
func TestIdleHookAfterTheLastTimer(t *testing.T) {
	for _, clock := range []string{"virtual", "real"} {
		t.Run(clock, func(t *testing.T) {
			cfg := Config{}
			if clock == "virtual" {
				cfg.Clock = NewVirtualClock()
			}
			r, errs := newTestReactor(t, cfg)
			var ran []string
			r.CallLater(time.Millisecond, func() { ran = append(ran, "a") })
			r.CallLater(2*time.Millisecond, func() { ran = append(ran, "b") })
			var idle idleLog
			r.SetIdleHook(func() {
				ran = append(ran, "idle")
				idle.hook(r, true)()
			})
			waitRun(t, startRun(r))
			noErrors(t, errs)
			if want := []string{"a", "b", "idle"}; !slices.Equal(ran, want) {
				t.Errorf("ran %q, want %q", ran, want)
			}
			if got := idle.list(); len(got) != 1 || got[0] < 2*time.Millisecond {
				t.Errorf("the hook ran at %v, want once, at 2ms or later", got)
			}
		})
	}
}

// TestIdleHookMayScheduleWork: a hook that schedules a call keeps the loop
// going; on a virtual clock it jumps to that call.
func TestIdleHookMayScheduleWork(t *testing.T) {
	r, _, errs := newVirtualReactor(t)
	var idle idleLog
	rounds := 0
	r.SetIdleHook(func() {
		idle.hook(r, false)()
		if rounds++; rounds < 3 {
			r.CallLater(time.Hour, func() {})
		} else {
			r.Stop()
		}
	})
	waitRun(t, startRun(r))
	noErrors(t, errs)
	if got, want := idle.list(), []time.Duration{0, time.Hour, 2 * time.Hour}; !slices.Equal(got, want) {
		t.Errorf("the hook ran at %v, want %v", got, want)
	}
}

// TestIdleHookWaitsForHolds: while a hold is taken, the loop waits for the
// work it announces instead of calling the hook; the work runs, then the
// hook.
func TestIdleHookWaitsForHolds(t *testing.T) {
	r, _, errs := newVirtualReactor(t)
	var steps trace
	release := r.HoldPending()
	r.SetIdleHook(func() { steps.add("idle"); r.Stop() })
	r.CallWhenRunning(func() {
		go func() {
			time.Sleep(20 * time.Millisecond) // let the loop reach its wait
			if err := r.CallFromGoroutine(func() { steps.add("work") }); err != nil {
				t.Error(err)
			}
			release()
		}()
	})
	waitRun(t, startRun(r))
	noErrors(t, errs)
	if got, want := steps.get(), []string{"work", "idle"}; !slices.Equal(got, want) {
		t.Errorf("steps %q, want %q", got, want)
	}
}

// TestReleaseWakesTheLoop: releasing the last hold with nothing posted
// wakes a loop that waits with no timer, so the hook sees it is idle.
func TestReleaseWakesTheLoop(t *testing.T) {
	r, _, errs := newVirtualReactor(t)
	release := r.HoldPending()
	var idle idleLog
	r.SetIdleHook(idle.hook(r, true))
	r.CallWhenRunning(func() {
		go func() {
			time.Sleep(20 * time.Millisecond)
			release()
		}()
	})
	waitRun(t, startRun(r)) // fails the test if the loop slept through the release
	noErrors(t, errs)
	if n := len(idle.list()); n != 1 {
		t.Errorf("the hook ran %d times, want 1", n)
	}
}

// TestIdleWithoutHookWaits: with no hook, an idle reactor on a virtual clock
// does not stop by itself: it waits, as in real time, for a Stop (or a
// signal, or posted work).
func TestIdleWithoutHookWaits(t *testing.T) {
	r, _, errs := newVirtualReactor(t)
	done := startRun(r)
	select {
	case err := <-done:
		t.Fatalf("an idle reactor returned from Run by itself: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := r.CallFromGoroutine(func() { r.Stop() }); err != nil {
		t.Fatal(err)
	}
	waitRun(t, done)
	noErrors(t, errs)
}

// TestVirtualClockWaitsForIOInFlight: on a virtual clock, while a hold (a
// name lookup), a child process or a connect is in flight, the loop waits
// for it for real instead of jumping to a far timer (a connect timeout):
// the outcome arrives first, at virtual time 0.
func TestVirtualClockWaitsForIOInFlight(t *testing.T) {
	tests := []struct {
		name string
		// start begins the I/O and calls done (on the loop) when it is over.
		start func(t *testing.T, r *Reactor, done func())
	}{
		{"a hold released after a post", func(t *testing.T, r *Reactor, done func()) {
			release := r.HoldPending()
			go func() {
				defer release()
				time.Sleep(50 * time.Millisecond)
				if err := r.CallFromGoroutine(done); err != nil {
					t.Error(err)
				}
			}()
		}},
		{"a child process", func(t *testing.T, r *Reactor, done func()) {
			pr := &endingProcess{procRecorder: procRecorder{r: r, keepRunning: true}, onEnd: done}
			if _, err := r.SpawnProcess(pr, "/bin/sh", []string{"/bin/sh", "-c", "sleep 0.05"}, ProcessOptions{}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, vc, _ := newVirtualReactor(t)
			var events []string
			var doneAt time.Duration
			r.CallLater(30*time.Second, func() {
				events = append(events, "timeout")
				r.Stop()
			})
			r.CallWhenRunning(func() {
				tt.start(t, r, func() {
					events = append(events, "done")
					doneAt = vc.Now()
				})
			})
			waitRun(t, startRun(r))
			if want := []string{"done", "timeout"}; !slices.Equal(events, want) {
				t.Fatalf("events %v, want %v: the clock jumped to the timer while I/O was in flight", events, want)
			}
			if doneAt != 0 {
				t.Errorf("the I/O finished at virtual time %v, want 0", doneAt)
			}
		})
	}
}

// TestConnectIsInFlight: a connect counts as I/O in flight from ConnectTCP
// until it is over, and not afterwards (a listening port never does).
func TestConnectIsInFlight(t *testing.T) {
	r, _, _ := newVirtualReactor(t)
	if r.awaitingIO() {
		t.Fatal("a new reactor has I/O in flight")
	}
	c, err := r.ConnectTCP("127.0.0.1", 9, time.Second, nopClientFactory{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.awaitingIO() {
		t.Fatal("a connect under way is not in flight")
	}
	c.abandon()
	if r.awaitingIO() {
		t.Fatal("an abandoned connect is still in flight")
	}
	c.abandon() // untracking twice must not count twice
	if r.openIO.inFlight != 0 {
		t.Fatalf("inFlight = %d after a second abandon, want 0", r.openIO.inFlight)
	}
}

// endingProcess is a procRecorder that calls onEnd at ProcessEnded.
type endingProcess struct {
	procRecorder
	onEnd func()
}

func (p *endingProcess) ProcessEnded(reason error) {
	p.procRecorder.ProcessEnded(reason)
	p.onEnd()
}

// nopClientFactory builds no protocol and ignores the outcome.
type nopClientFactory struct{}

func (nopClientFactory) BuildProtocol(net.Addr) Protocol          { return nil }
func (nopClientFactory) ClientConnectionFailed(*Connector, error) {}
func (nopClientFactory) ClientConnectionLost(*Connector, error)   {}
