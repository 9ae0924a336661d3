package reactor

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// loopCall is one call of a LoopingCall's function: when, and its count.
type loopCall struct {
	at    time.Duration
	count int
}

func (c loopCall) String() string { return fmt.Sprintf("(%v, %d)", c.at, c.count) }

// TestLoopingCallSchedule ports the schedule tests of Twisted's
// test_task.py to integer time: the function may take time (it moves the
// clock), the test advances the clock in steps, and each call's time and
// count are checked exactly.
func TestLoopingCallSchedule(t *testing.T) {
	cases := []struct {
		name     string
		origin   time.Duration // clock reading at Start
		interval time.Duration
		now      bool
		takes    []time.Duration // how long the i-th call takes
		steps    []time.Duration // clock advances after Start
		want     []loopCall
	}{{
		name:     "testBasicFunction",
		interval: 100 * ms, now: true,
		steps: []time.Duration{50 * ms, 100 * ms, 100 * ms},
		want:  []loopCall{{0, 1}, {150 * ms, 1}, {250 * ms, 1}},
	}, {
		name:     "testDelayedStart",
		interval: 100 * ms, now: false,
		steps: []time.Duration{50 * ms, 100 * ms, 100 * ms},
		want:  []loopCall{{150 * ms, 1}, {250 * ms, 1}},
	}, {
		name:     "test_reactorTimeSkips",
		interval: 500 * ms, now: true,
		steps: []time.Duration{2 * sec, 1 * sec, 0},
		want:  []loopCall{{0, 1}, {2 * sec, 4}, {3 * sec, 2}},
	}, {
		name:     "test_reactorTimeCountSkips",
		interval: 500 * ms, now: true,
		steps: []time.Duration{510 * ms, 1510 * ms, 0},
		want:  []loopCall{{0, 1}, {510 * ms, 1}, {2020 * ms, 3}},
	}, {
		name:     "test_countLengthyIntervalCounts",
		interval: 500 * ms, now: true,
		steps: []time.Duration{510 * ms, 875 * ms, 125 * ms},
		want:  []loopCall{{0, 1}, {510 * ms, 1}, {1385 * ms, 1}, {1510 * ms, 1}},
	}, {
		name:     "test_callbackTimeSkips (a slow call skips missed intervals)",
		interval: 500 * ms, now: true,
		takes: []time.Duration{2 * sec, 1 * sec, 0},
		steps: []time.Duration{0, 500 * ms, 0, 500 * ms},
		want:  []loopCall{{0, 1}, {2500 * ms, 5}, {4 * sec, 3}},
	}, {
		name:     "test_withCountFloatingPointBoundary (interval 1s/10)",
		interval: sec / 10, now: false,
		steps: slices.Repeat([]time.Duration{sec / 10}, 10),
		want: []loopCall{{100 * ms, 1}, {200 * ms, 1}, {300 * ms, 1}, {400 * ms, 1}, {500 * ms, 1},
			{600 * ms, 1}, {700 * ms, 1}, {800 * ms, 1}, {900 * ms, 1}, {sec, 1}},
	}, {
		name:     "interval 1s/3 does not divide a second",
		interval: sec / 3, now: false,
		steps: slices.Repeat([]time.Duration{sec / 3}, 3),
		want:  []loopCall{{sec / 3, 1}, {2 * (sec / 3), 1}, {3 * (sec / 3), 1}},
	}, {
		name:   "anchored near 1.8e18 ns, now=true: first count is 1",
		origin: 1_800_000_000_123_456_789, interval: sec / 3, now: true,
		steps: []time.Duration{sec / 3, sec, sec / 3},
		want: []loopCall{{1_800_000_000_123_456_789, 1},
			{1_800_000_000_123_456_789 + sec/3, 1},
			{1_800_000_000_123_456_789 + sec/3 + sec, 3},
			{1_800_000_000_123_456_789 + 2*(sec/3) + sec, 1}},
	}, {
		name:     "a call that moves the clock near the end of time ends the schedule",
		interval: 3 * sec, now: true,
		takes: []time.Duration{maxTime - sec},
		steps: []time.Duration{sec, sec},
		want:  []loopCall{{0, 1}},
	}, {
		name:   "anchored near the end of time",
		origin: maxTime - 10*sec, interval: 3 * sec, now: true,
		steps: []time.Duration{3 * sec, 3 * sec, 3 * sec, 3 * sec},
		want:  []loopCall{{maxTime - 10*sec, 1}, {maxTime - 7*sec, 1}, {maxTime - 4*sec, 1}, {maxTime - sec, 1}},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := NewManualClock()
			m.Advance(c.origin)
			var got []loopCall
			lc := NewLoopingCall(m, func(count int) error {
				got = append(got, loopCall{m.Now(), count})
				if i := len(got) - 1; i < len(c.takes) {
					// The call's own run time. Nothing else is scheduled
					// meanwhile: the LoopingCall schedules its next call
					// once this one returns.
					m.Advance(c.takes[i])
				}
				return nil
			})
			if err := lc.Start(c.interval, c.now); err != nil {
				t.Fatalf("Start: %v", err)
			}
			for _, d := range c.steps {
				m.Advance(d)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("calls %v, want %v", got, c.want)
			}
			if !lc.Running() || lc.Interval() != c.interval || lc.Err() != nil {
				t.Errorf("Running %v, Interval %v, Err %v", lc.Running(), lc.Interval(), lc.Err())
			}
			must(t, lc.Stop())
			if m.Pending() != 0 {
				t.Errorf("%d calls still scheduled after Stop", m.Pending())
			}
		})
	}
}

// TestLoopingCallCountsAddUp: whatever the clock's origin and however the
// clock moves, no count is 0 and the counts add up to the number of interval
// boundaries passed (test_withCountFloatingPointBoundary, generalised).
func TestLoopingCallCountsAddUp(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4} {
		for _, origin := range []time.Duration{0, 1_800_000_000_000_000_000, maxTime / 2} {
			t.Run(fmt.Sprintf("seed %d origin %d", seed, origin), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, uint64(origin)))
				m := NewManualClock()
				m.Advance(origin)
				interval := time.Duration(rng.Int64N(int64(sec))) + 1
				sum, calls := 0, 0
				lc := NewLoopingCall(m, func(count int) error {
					if count <= 0 {
						t.Errorf("count %d at %v", count, m.Now())
					}
					sum += count
					calls++
					return nil
				})
				must(t, lc.Start(interval, true))
				for range 500 {
					m.Advance(time.Duration(rng.Int64N(int64(3 * interval))))
				}
				// With now=true the first call counts the start itself.
				want := int((m.Now()-origin)/interval) + 1
				if sum != want {
					t.Errorf("counts add up to %d over %d calls, want %d (interval %v)", sum, calls, want, interval)
				}
			})
		}
	}
}

// TestLoopingCallIntervalZero ports test_withCountIntervalZero and
// test_withCountIntervalZeroDelay: with interval 0 the count is always 1,
// however much time passes between calls.
func TestLoopingCallIntervalZero(t *testing.T) {
	m := NewManualClock()
	var counts []int
	var lc *LoopingCall
	lc = NewLoopingCall(m, func(count int) error {
		counts = append(counts, count)
		if len(counts) == 2 {
			m.Advance(2 * sec) // runs nothing: the next call is not scheduled yet
		}
		if len(counts) == 5 {
			must(t, lc.Stop())
		}
		return nil
	})
	must(t, lc.Start(0, false))
	if len(counts) != 0 {
		t.Fatalf("now=false called at once: %v", counts)
	}
	m.Advance(0)
	if want := []int{1, 1, 1, 1, 1}; !slices.Equal(counts, want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
	if lc.Running() || m.Pending() != 0 {
		t.Errorf("after Stop inside the call: Running %v, %d scheduled", lc.Running(), m.Pending())
	}
}

func TestLoopingCallStartStopErrors(t *testing.T) {
	m := NewManualClock()
	calls := 0
	lc := NewLoopingCall(m, func(int) error { calls++; return nil })
	if err := lc.Stop(); !errors.Is(err, ErrLoopNotRunning) {
		t.Errorf("Stop before Start = %v, want ErrLoopNotRunning", err)
	}
	// testBadDelay
	if err := lc.Start(-1, true); err == nil {
		t.Error("Start with a negative interval succeeded")
	}
	if lc.Running() || calls != 0 {
		t.Errorf("after a refused Start: Running %v, %d calls", lc.Running(), calls)
	}
	must(t, lc.Start(sec, true))
	if err := lc.Start(sec, true); !errors.Is(err, ErrLoopRunning) {
		t.Errorf("Start while running = %v, want ErrLoopRunning", err)
	}
	must(t, lc.Stop())
	if err := lc.Stop(); !errors.Is(err, ErrLoopNotRunning) {
		t.Errorf("second Stop = %v, want ErrLoopNotRunning", err)
	}
	if calls != 1 {
		t.Errorf("%d calls, want 1", calls)
	}
	if ErrLoopRunning.Error() != "already running" || ErrLoopNotRunning.Error() != "not running" {
		t.Errorf("error messages %q, %q", ErrLoopRunning, ErrLoopNotRunning)
	}
}

// testStopAtOnce and testStoppingBeforeDelayedStart: a Stop right after a
// now=false Start prevents every call and leaves nothing scheduled.
func TestLoopingCallStopBeforeFirstCall(t *testing.T) {
	for _, interval := range []time.Duration{0, 10 * sec} {
		t.Run(fmt.Sprint(interval), func(t *testing.T) {
			m := NewManualClock()
			lc := NewLoopingCall(m, func(int) error { t.Error("called"); return nil })
			must(t, lc.Start(interval, false))
			must(t, lc.Stop())
			if m.Pending() != 0 {
				t.Errorf("%d calls scheduled after Stop", m.Pending())
			}
			m.Advance(time.Minute)
		})
	}
}

// test_reset: Twisted's reset re-anchors the schedule; here a Stop and a
// Start do.
func TestLoopingCallRestartAnchorsAnew(t *testing.T) {
	m := NewManualClock()
	var got []time.Duration
	lc := NewLoopingCall(m, func(int) error { got = append(got, m.Now()); return nil })
	must(t, lc.Start(2*sec, false))
	m.Advance(sec)
	must(t, lc.Stop())
	must(t, lc.Start(2*sec, false))
	m.Advance(sec)
	if len(got) != 0 {
		t.Fatalf("called at %v, before the new anchor's first interval", got)
	}
	m.Advance(sec)
	m.Advance(2 * sec)
	if want := []time.Duration{3 * sec, 5 * sec}; !slices.Equal(got, want) {
		t.Errorf("called at %v, want %v", got, want)
	}
}

// runLooping starts a LoopingCall on a virtual-clock reactor with Start(interval,
// now) at the clock reading origin, runs the reactor until stop returns
// true after a call, and returns the calls.
func runLooping(t *testing.T, origin, interval time.Duration, now bool,
	fn func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error) ([]loopCall, *LoopingCall, *Reactor) {
	t.Helper()
	r, vc, log := newVirtualReactor(t)
	vc.AdvanceTo(origin)
	var got []loopCall
	var lc *LoopingCall
	lc = NewLoopingCall(r, func(count int) error {
		got = append(got, loopCall{r.Now(), count})
		return fn(r, vc, lc, len(got))
	})
	if err := lc.Start(interval, now); err != nil {
		t.Fatalf("Start: %v", err)
	}
	r.CallLater(time.Hour, func() { mustStop(t, r) })
	mustRun(t, r)
	noErrors(t, log)
	return got, lc, r
}

func TestLoopingCallOnReactor(t *testing.T) {
	errFail := errors.New("fail")
	const large = 1_800_000_000_000_000_007 // ns: a monotonic clock after 57 years
	cases := []struct {
		name     string
		origin   time.Duration // clock reading at Start; 0 means 7 ms
		interval time.Duration
		now      bool
		fn       func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error
		want     []loopCall
		running  bool
		err      error
	}{{
		name:     "anchored: the call's own run time causes no drift",
		interval: 10 * ms, now: true,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			vc.Advance(3 * ms)
			if call == 5 {
				return lc.Stop()
			}
			return nil
		},
		want: []loopCall{{7 * ms, 1}, {17 * ms, 1}, {27 * ms, 1}, {37 * ms, 1}, {47 * ms, 1}},
	}, {
		name:     "now=false: first call one interval after Start",
		interval: 10 * ms, now: false,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			if call == 2 {
				return lc.Stop()
			}
			return nil
		},
		want: []loopCall{{17 * ms, 1}, {27 * ms, 1}},
	}, {
		name:     "a slow call skips missed intervals; the count reports them",
		interval: 10 * ms, now: true,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			if call == 2 {
				vc.Advance(25 * ms) // ends at 42 ms: 27 and 37 are missed
			}
			if call == 4 {
				return lc.Stop()
			}
			return nil
		},
		want: []loopCall{{7 * ms, 1}, {17 * ms, 1}, {47 * ms, 3}, {57 * ms, 1}},
	}, {
		name:     "a call ending exactly on a boundary skips it",
		interval: 10 * ms, now: true,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			if call == 1 {
				vc.Advance(10 * ms)
			}
			if call == 2 {
				return lc.Stop()
			}
			return nil
		},
		want: []loopCall{{7 * ms, 1}, {27 * ms, 2}},
	}, {
		name:     "testFailure: an error stops it and is kept",
		interval: 10 * ms, now: true,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			if call == 2 {
				return errFail
			}
			return nil
		},
		want: []loopCall{{7 * ms, 1}, {17 * ms, 1}},
		err:  errFail,
	}, {
		name:     "testFailAndStop",
		interval: 10 * ms, now: true,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			if err := lc.Stop(); err != nil {
				return err
			}
			return errFail
		},
		want: []loopCall{{7 * ms, 1}},
		err:  errFail,
	}, {
		name:     "testStopInsideCall",
		interval: 10 * ms, now: false,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			return lc.Stop()
		},
		want: []loopCall{{17 * ms, 1}},
	}, {
		name:     "restart inside the call, now=false, anchors at the call",
		interval: 10 * ms, now: true,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			switch call {
			case 2:
				vc.Advance(4 * ms) // restart at 21 ms
				if err := lc.Stop(); err != nil {
					return err
				}
				return lc.Start(5*ms, false)
			case 4:
				return lc.Stop()
			}
			return nil
		},
		want: []loopCall{{7 * ms, 1}, {17 * ms, 1}, {26 * ms, 1}, {31 * ms, 1}},
	}, {
		name:     "restart inside the call, now=true, calls at once",
		interval: 10 * ms, now: true,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			switch call {
			case 2:
				if err := lc.Stop(); err != nil {
					return err
				}
				return lc.Start(20*ms, true)
			case 4:
				return lc.Stop()
			}
			return nil
		},
		want: []loopCall{{7 * ms, 1}, {17 * ms, 1}, {17 * ms, 1}, {37 * ms, 1}},
	}, {
		name:     "restart inside the call, then fail: it stays stopped",
		interval: 10 * ms, now: true,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			if call == 2 {
				if err := lc.Stop(); err != nil {
					return err
				}
				if err := lc.Start(5*ms, false); err != nil {
					return err
				}
				return errFail
			}
			return nil
		},
		want: []loopCall{{7 * ms, 1}, {17 * ms, 1}},
		err:  errFail,
	}, {
		name:     "restarted by a timer after stopping: anchored at the restart",
		interval: 10 * ms, now: false,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			switch call {
			case 1: // 17 ms
				r.CallAt(23*ms, func() {
					if err := lc.Start(10*ms, false); err != nil {
						panic(err) // reported, and so fails the test
					}
				})
				return lc.Stop()
			case 3: // 43 ms
				return lc.Stop()
			}
			return nil
		},
		want: []loopCall{{17 * ms, 1}, {33 * ms, 1}, {43 * ms, 1}},
	}, {
		name:   "large origin: the count is never 0",
		origin: large, interval: sec / 3, now: true,
		fn: func(r *Reactor, vc *VirtualClock, lc *LoopingCall, call int) error {
			if call == 3 {
				return lc.Stop()
			}
			return nil
		},
		want: []loopCall{{large, 1}, {large + sec/3, 1}, {large + 2*(sec/3), 1}},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, lc, r := runLooping(t, cmp.Or(c.origin, 7*ms), c.interval, c.now, c.fn)
			if !slices.Equal(got, c.want) {
				t.Errorf("calls %v, want %v", got, c.want)
			}
			if lc.Running() != c.running {
				t.Errorf("Running() = %v, want %v", lc.Running(), c.running)
			}
			if !errors.Is(lc.Err(), c.err) || (c.err == nil && lc.Err() != nil) {
				t.Errorf("Err() = %v, want %v", lc.Err(), c.err)
			}
			if r.Pending() != 0 {
				t.Errorf("%d timed calls left after the run, want 0 (the stop timer ran)", r.Pending())
			}
		})
	}
}

// TestLoopingCallStartNowCallsInsideStart: with now=true the first call
// happens inside Start, before Start returns, with count 1.
func TestLoopingCallStartNowCallsInsideStart(t *testing.T) {
	r, _, _ := newVirtualReactor(t)
	var counts []int
	lc := NewLoopingCall(r, func(count int) error { counts = append(counts, count); return nil })
	must(t, lc.Start(sec, true))
	if !slices.Equal(counts, []int{1}) {
		t.Errorf("after Start(now=true): calls %v, want [1]", counts)
	}
	if r.Pending() != 1 {
		t.Errorf("Pending() = %d, want the next call", r.Pending())
	}
}

// TestLoopingCallFailsInsideStart: a function failing in the call inside
// Start stops the LoopingCall there, and a new Start clears the error.
func TestLoopingCallFailsInsideStart(t *testing.T) {
	r, _, _ := newVirtualReactor(t)
	errFail := errors.New("fail")
	fail := true
	lc := NewLoopingCall(r, func(int) error {
		if fail {
			return errFail
		}
		return nil
	})
	must(t, lc.Start(sec, true))
	if lc.Running() || !errors.Is(lc.Err(), errFail) || r.Pending() != 0 {
		t.Errorf("Running %v, Err %v, Pending %d; want false, %v, 0", lc.Running(), lc.Err(), r.Pending(), errFail)
	}
	fail = false
	must(t, lc.Start(sec, true))
	if !lc.Running() || lc.Err() != nil {
		t.Errorf("after a new Start: Running %v, Err %v", lc.Running(), lc.Err())
	}
}

// TestLoopingCallPanic: a panicking function is reported through the
// reactor's error hook; the LoopingCall stops and leaves nothing scheduled.
func TestLoopingCallPanic(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restarted first=%v", restart), func(t *testing.T) {
			r, _, log := newVirtualReactor(t)
			calls := 0
			var lc *LoopingCall
			lc = NewLoopingCall(r, func(int) error {
				calls++
				if calls == 2 {
					if restart {
						must(t, lc.Stop())
						must(t, lc.Start(sec, false))
					}
					panic("loop broke")
				}
				return nil
			})
			must(t, lc.Start(sec, true))
			r.CallLater(time.Hour, func() { mustStop(t, r) })
			mustRun(t, r)
			if calls != 2 {
				t.Errorf("%d calls, want 2", calls)
			}
			if lc.Running() {
				t.Error("still running after its function panicked")
			}
			errs := log.list()
			var pe *PanicError
			if len(errs) != 1 || !errors.As(errs[0], &pe) || pe.Value != "loop broke" {
				t.Errorf("reported %v, want one PanicError(loop broke)", errs)
			}
			if r.Pending() != 0 {
				t.Errorf("Pending() = %d after the run", r.Pending())
			}
		})
	}
}

// TestLoopingCallEveryIteration ports testEveryIteration: with interval 0
// the function runs once per reactor iteration, never twice in one, so the
// loop still takes other work between calls.
func TestLoopingCallEveryIteration(t *testing.T) {
	for _, now := range []bool{true, false} {
		t.Run(fmt.Sprintf("now=%v", now), func(t *testing.T) {
			r, _, log := newVirtualReactor(t)
			tr := &trace{}
			calls := 0
			var lc *LoopingCall
			lc = NewLoopingCall(r, func(count int) error {
				calls++
				tr.add(fmt.Sprintf("call %d count %d", calls, count))
				if calls == 6 {
					must(t, lc.Stop())
					mustStop(t, r)
					return nil
				}
				iterationMarker(t, r, tr, "next iteration")
				return nil
			})
			r.CallWhenRunning(func() { must(t, lc.Start(0, now)) })
			mustRun(t, r)
			noErrors(t, log)
			var want []string
			for i := 1; i <= 6; i++ {
				want = append(want, fmt.Sprintf("call %d count 1", i))
				if i < 6 {
					want = append(want, "next iteration")
				}
			}
			tr.expect(t, want...)
			if r.Now() != 0 {
				t.Errorf("virtual clock moved to %v", r.Now())
			}
		})
	}
}

// testStopAtOnceLater: a Stop from a reactor callback before the first
// delayed call prevents it.
func TestLoopingCallStoppedFromTimer(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	lc := NewLoopingCall(r, func(int) error { t.Error("called"); return nil })
	must(t, lc.Start(sec, false))
	r.CallLater(0, func() { must(t, lc.Stop()) })
	r.CallLater(time.Minute, func() { mustStop(t, r) })
	mustRun(t, r)
	noErrors(t, log)
	if r.Pending() != 0 {
		t.Errorf("Pending() = %d", r.Pending())
	}
}
