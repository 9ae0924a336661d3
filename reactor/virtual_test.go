package reactor

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// runWithin runs r on this goroutine and fails the test if Run fails; limit
// bounds the wall time through a Stop from another goroutine, so a broken
// loop fails the test instead of hanging it.
func runWithin(t *testing.T, r *Reactor, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now() // before the timer starts, so the Stop comes no sooner than limit after it
	watchdog := time.AfterFunc(limit, func() { r.Stop() })
	defer watchdog.Stop()
	if err := r.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return time.Since(start)
}

// TestVirtualClockJumpsToTimers: a reactor on a virtual clock does not wait
// for its timers; it moves the clock to each in turn.
func TestVirtualClockJumpsToTimers(t *testing.T) {
	r, clock, errs := newVirtualReactor(t)
	var log []string
	note := func(s string) func() {
		return func() { log = append(log, fmt.Sprintf("%s@%v", s, r.Now())) }
	}
	// The tutorial's countdown shape, plus equal-time calls that must keep
	// their scheduling order.
	r.CallLater(3*time.Second, note("c1"))
	r.CallLater(time.Second, note("a"))
	r.CallLater(3*time.Second, note("c2"))
	r.CallLater(3*time.Hour, func() { note("end")(); r.Stop() })
	r.CallLater(2500*time.Millisecond, func() {
		note("b")()
		r.CallLater(500*time.Millisecond, note("c3")) // due at 3s too, scheduled last
	})

	wall := runWithin(t, r, 10*time.Second)
	noErrors(t, errs)

	want := []string{"a@1s", "b@2.5s", "c1@3s", "c2@3s", "c3@3s", "end@3h0m0s"}
	if !slices.Equal(log, want) {
		t.Errorf("ran %q, want %q", log, want)
	}
	if clock.Now() != 3*time.Hour {
		t.Errorf("clock reads %v after the run, want 3h", clock.Now())
	}
	if wall > 5*time.Second { // three virtual hours; generous for a loaded machine
		t.Errorf("virtual run took %v of wall time", wall)
	}
}

// Work handed in from outside (the waker is readable) is seen by the
// non-blocking poll before the clock jumps: it runs at the current virtual
// time, not at the next timer's.
func TestVirtualClockPollsBeforeJumping(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	var ranAt time.Duration = -1
	r.CallLater(time.Second, func() {
		if err := r.CallFromGoroutine(func() { ranAt = r.Now() }); err != nil {
			t.Error(err)
		}
	})
	r.CallLater(5*time.Second, func() { r.Stop() })
	runWithin(t, r, 10*time.Second)
	noErrors(t, log)
	if ranAt != time.Second {
		t.Errorf("posted function ran at %v, want 1s (before the jump to 5s)", ranAt)
	}
}

// With nothing scheduled, a virtual reactor does not spin or jump: it waits
// in the poller, like a real one, until something (here Stop) wakes it.
func TestVirtualClockIdleWaitsForWakeUp(t *testing.T) {
	r, clock, log := newVirtualReactor(t)
	iterations := 0
	var tick func()
	tick = func() {
		iterations++
		if iterations < 3 {
			r.CallLater(0, tick)
		}
	}
	r.CallWhenRunning(tick)
	wall := runWithin(t, r, 200*time.Millisecond)
	noErrors(t, log)
	if wall < 200*time.Millisecond {
		t.Errorf("Run returned after %v, before the Stop at 200ms: the idle loop did not wait", wall)
	}
	if clock.Now() != 0 || iterations != 3 {
		t.Errorf("clock %v, %d ticks; want 0s, 3", clock.Now(), iterations)
	}
}
