package reactor

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// firing is a timed call that ran, and the clock reading when it did.
type firing struct {
	name string
	at   time.Duration
}

func (f firing) String() string { return fmt.Sprintf("%s@%v", f.name, f.at) }

// firings records timed calls as they run on a reactor.
type firings struct {
	r   *Reactor
	got []firing
}

func (fs *firings) rec(name string) func() {
	return func() { fs.got = append(fs.got, firing{name, fs.r.Now()}) }
}

// checkHeap verifies the timer heap: every call knows its index and is still
// pending, every slot holds its call's time, and no child is ordered before
// its parent; and the buckets past the horizon: every call in the heap falls
// before the horizon, every call in a bucket at or after it, in its bucket's
// span, knowing its place, and the count of bucketed calls is right.
func checkHeap(q *timerQueue) error {
	if f := q.far; f != nil {
		n := 0
		buckets := maps.Clone(f.others)
		for i, b := range f.ring {
			if b == nil {
				continue
			}
			if uint64(b.span)%farRing != uint64(i) || buckets[b.span] != nil {
				return fmt.Errorf("bucket of span %d in ring slot %d (or also in others)", b.span, i)
			}
			if buckets == nil {
				buckets = map[int64]*timerBucket{}
			}
			buckets[b.span] = b
		}
		if len(buckets) != len(f.spans) {
			return fmt.Errorf("%d buckets, %d spans in the span heap", len(buckets), len(f.spans))
		}
		for sp, b := range buckets {
			if b.span != sp || sp < f.horizon {
				return fmt.Errorf("bucket of span %d filed under %d, horizon %d", b.span, sp, f.horizon)
			}
			if !slices.Contains(f.spans, sp) {
				return fmt.Errorf("bucket of span %d is not in the span heap", sp)
			}
			if len(b.chunks) != (b.n+1<<chunkShift-1)>>chunkShift {
				return fmt.Errorf("bucket %d holds %d calls in %d chunks", sp, b.n, len(b.chunks))
			}
			for i := range b.n {
				c := *b.at(i)
				switch {
				case !q.inBucket(c) || int(c.index) != i:
					return fmt.Errorf("bucket %d slot %d: the call says in a bucket %v, index %d", sp, i, q.inBucket(c), c.index)
				case q.span(c.when) != sp:
					return fmt.Errorf("bucket %d slot %d holds a call at %v", sp, i, c.when)
				case c.state != pending:
					return fmt.Errorf("bucket %d slot %d is %v, not pending", sp, i, c)
				}
			}
			n += b.n
		}
		if n != f.n || n == 0 {
			return fmt.Errorf("%d calls in buckets, counted %d (an empty far set should be dropped)", n, f.n)
		}
		for i, s := range q.heap {
			if q.span(s.when) >= f.horizon {
				return fmt.Errorf("heap[%d] at %v is past the horizon %d", i, s.when, f.horizon)
			}
		}
	}
	for i, s := range q.heap {
		c := s.call
		if q.inBucket(c) {
			return fmt.Errorf("heap[%d] says it is in a bucket", i)
		}
		if int(c.index) != i {
			return fmt.Errorf("heap[%d].index = %d", i, c.index)
		}
		if s.when != c.when {
			return fmt.Errorf("heap[%d] holds time %v for a call at %v", i, s.when, c.when)
		}
		if c.state != pending {
			return fmt.Errorf("heap[%d] is %v, not pending", i, c)
		}
		if p := (i - 1) / arity; i > 0 && before(s, q.heap[p]) {
			return fmt.Errorf("heap[%d] (%v, seq %d) is ordered before its parent (%v, seq %d)",
				i, c.when, c.seq, q.heap[p].when, q.heap[p].call.seq)
		}
	}
	return nil
}

// runTimers runs a virtual-clock reactor set up by setup until an hour of
// virtual time has passed, and returns what fired.
func runTimers(t *testing.T, setup func(r *Reactor, fs *firings)) []firing {
	t.Helper()
	r, _, log := newVirtualReactor(t)
	fs := &firings{r: r}
	setup(r, fs)
	r.CallLater(time.Hour, func() { mustStop(t, r) })
	mustRun(t, r)
	noErrors(t, log)
	return fs.got
}

const (
	ms  = time.Millisecond
	sec = time.Second
)

func TestTimerOrdering(t *testing.T) {
	type timer struct {
		name  string
		delay time.Duration
	}
	cases := []struct {
		name   string
		timers []timer
		want   []firing
	}{{
		name:   "increasing",
		timers: []timer{{"a", 1 * ms}, {"b", 2 * ms}, {"c", 3 * ms}},
		want:   []firing{{"a", 1 * ms}, {"b", 2 * ms}, {"c", 3 * ms}},
	}, {
		name:   "decreasing",
		timers: []timer{{"c", 3 * ms}, {"b", 2 * ms}, {"a", 1 * ms}},
		want:   []firing{{"a", 1 * ms}, {"b", 2 * ms}, {"c", 3 * ms}},
	}, {
		name:   "equal times run in scheduling order",
		timers: []timer{{"x", 5 * ms}, {"y", 5 * ms}, {"z", 5 * ms}, {"w", 5 * ms}},
		want:   []firing{{"x", 5 * ms}, {"y", 5 * ms}, {"z", 5 * ms}, {"w", 5 * ms}},
	}, {
		name:   "mixed",
		timers: []timer{{"b1", 2 * ms}, {"a1", 1 * ms}, {"b2", 2 * ms}, {"c", 3 * ms}, {"a2", 1 * ms}, {"b3", 2 * ms}},
		want:   []firing{{"a1", 1 * ms}, {"a2", 1 * ms}, {"b1", 2 * ms}, {"b2", 2 * ms}, {"b3", 2 * ms}, {"c", 3 * ms}},
	}, {
		name:   "negative delays count as zero, in scheduling order",
		timers: []timer{{"later", 1}, {"zero", 0}, {"minus", -time.Hour}, {"zero2", 0}, {"min", math.MinInt64}},
		want:   []firing{{"zero", 0}, {"minus", 0}, {"zero2", 0}, {"min", 0}, {"later", 1}},
	}, {
		name:   "nanosecond apart",
		timers: []timer{{"b", sec + 1}, {"a", sec}, {"c", sec + 2}},
		want:   []firing{{"a", sec}, {"b", sec + 1}, {"c", sec + 2}},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := runTimers(t, func(r *Reactor, fs *firings) {
				for _, tm := range c.timers {
					dc := r.CallLater(tm.delay, fs.rec(tm.name))
					if want := max(tm.delay, 0); dc.Time() != want {
						t.Errorf("CallLater(%v).Time() = %v, want %v", tm.delay, dc.Time(), want)
					}
				}
			})
			if !slices.Equal(got, c.want) {
				t.Errorf("fired %v, want %v", got, c.want)
			}
		})
	}
}

// TestManyEqualTimesFIFO schedules thousands of calls over a few distinct
// times, some of them reset, last first: they must run sorted by time and,
// within a time, in scheduling order, a reset counting as a new scheduling.
func TestManyEqualTimesFIFO(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 3000
	type expected struct {
		name string
		at   time.Duration
		seq  int // when it was last scheduled or reset
	}
	var want []firing
	got := runTimers(t, func(r *Reactor, fs *firings) {
		exp := make([]expected, n)
		dcs := make([]*DelayedCall, n)
		for i := range n {
			at := time.Duration(rng.IntN(4)+1) * sec
			exp[i] = expected{fmt.Sprint(i), at, i}
			dcs[i] = r.CallLater(at, fs.rec(exp[i].name))
		}
		seq := n
		for i := n - 1; i >= 0; i -= 3 {
			at := time.Duration(rng.IntN(4)+1) * sec
			if err := dcs[i].Reset(at); err != nil {
				t.Fatal(err)
			}
			exp[i].at, exp[i].seq = at, seq
			seq++
		}
		if err := checkHeap(&r.timers); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(exp, func(a, b expected) int {
			if a.at != b.at {
				return int(a.at - b.at)
			}
			return a.seq - b.seq
		})
		for _, e := range exp {
			want = append(want, firing{e.name, e.at})
		}
	})
	if !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("firing %d is %v, want %v (%d fired, %d expected)", i, got[i], want[i], len(got), len(want))
			}
		}
		t.Fatalf("%d fired, %d expected", len(got), len(want))
	}
}

// The ordering cases of Twisted's ClockTests, on the reactor.
func TestRescheduleOrdering(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, r *Reactor, fs *firings)
		want  []firing
	}{{
		name: "reset then schedule keeps order (test_callLaterKeepsCallsOrdered)",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			a := r.CallLater(1*sec, fs.rec("a"))
			must(t, a.Reset(3*sec))
			r.CallLater(2*sec, fs.rec("b"))
		},
		want: []firing{{"b", 2 * sec}, {"a", 3 * sec}},
	}, {
		name: "schedule then reset keeps order (test_callLaterResetKeepsCallsOrdered)",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			a := r.CallLater(1*sec, fs.rec("a"))
			r.CallLater(2*sec, fs.rec("b"))
			must(t, a.Reset(3*sec))
		},
		want: []firing{{"b", 2 * sec}, {"a", 3 * sec}},
	}, {
		name: "reset inside a call (test_callLaterResetInsideCallKeepsCallsOrdered)",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			b := r.CallLater(2*sec, fs.rec("b"))
			r.CallLater(1*sec, func() { must(t, b.Reset(3*sec)) })
			r.CallLater(3*sec, fs.rec("c"))
		},
		want: []firing{{"c", 3 * sec}, {"b", 4 * sec}},
	}, {
		name: "delay (testCallLaterDelayed)",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			c := r.CallLater(1*sec, fs.rec("c"))
			must(t, c.Delay(1*sec))
			if c.Time() != 2*sec {
				t.Errorf("Time() after Delay = %v, want 2s", c.Time())
			}
			r.CallLater(1500*ms, fs.rec("probe"))
		},
		want: []firing{{"probe", 1500 * ms}, {"c", 2 * sec}},
	}, {
		name: "reset later (testCallLaterResetLater)",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			c := r.CallLater(2*sec, fs.rec("c"))
			r.CallLater(1*sec, func() {
				must(t, c.Reset(3*sec))
				if c.Time() != 4*sec {
					t.Errorf("Time() after Reset at 1s = %v, want 4s", c.Time())
				}
			})
			r.CallLater(3*sec, fs.rec("probe"))
		},
		want: []firing{{"probe", 3 * sec}, {"c", 4 * sec}},
	}, {
		name: "reset sooner (testCallLaterResetSooner)",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			c := r.CallLater(4*sec, fs.rec("c"))
			must(t, c.Reset(3*sec))
			if c.Time() != 3*sec {
				t.Errorf("Time() after Reset = %v, want 3s", c.Time())
			}
		},
		want: []firing{{"c", 3 * sec}},
	}, {
		name: "reset to the same time moves behind equal times",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			a := r.CallLater(sec, fs.rec("a"))
			r.CallLater(sec, fs.rec("b"))
			r.CallLater(sec, fs.rec("c"))
			must(t, a.Reset(sec))
		},
		want: []firing{{"b", sec}, {"c", sec}, {"a", sec}},
	}, {
		name: "delay(0) moves behind equal times",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			a := r.CallLater(sec, fs.rec("a"))
			r.CallLater(sec, fs.rec("b"))
			must(t, a.Delay(0))
		},
		want: []firing{{"b", sec}, {"a", sec}},
	}, {
		name: "negative delay moves earlier, never before now",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			a := r.CallLater(5*sec, fs.rec("a"))
			b := r.CallLater(5*sec, fs.rec("b"))
			must(t, a.Delay(-2*sec))
			r.CallLater(1*sec, func() {
				must(t, b.Delay(-time.Hour))
				if b.Time() != 1*sec {
					t.Errorf("Time() after Delay(-1h) at 1s = %v, want 1s", b.Time())
				}
			})
		},
		want: []firing{{"b", 1 * sec}, {"a", 3 * sec}},
	}, {
		name: "negative reset counts as zero",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			a := r.CallLater(5*sec, fs.rec("a"))
			r.CallLater(2*sec, func() {
				must(t, a.Reset(-time.Hour))
				if a.Time() != 2*sec {
					t.Errorf("Time() after Reset(-1h) at 2s = %v, want 2s", a.Time())
				}
			})
		},
		want: []firing{{"a", 2 * sec}},
	}, {
		// The clock moves during the callback, as a real one does, so now is
		// past the iteration's start: the reset call must still count from
		// now and run after the zero-delay call scheduled before it.
		name: "negative reset after the clock moved counts from now",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			vc := r.Clock().(*VirtualClock)
			a := r.CallLater(5*sec, fs.rec("a"))
			r.CallLater(2*sec, func() {
				vc.Advance(sec) // the callback took a second
				r.CallLater(0, fs.rec("zero delay"))
				must(t, a.Reset(-time.Hour))
				if a.Time() != 3*sec {
					t.Errorf("Time() after Reset(-1h) at 3s = %v, want 3s", a.Time())
				}
			})
		},
		want: []firing{{"zero delay", 3 * sec}, {"a", 3 * sec}},
	}, {
		name: "CallAt in the past runs now, not before now",
		setup: func(t *testing.T, r *Reactor, fs *firings) {
			r.CallLater(2*sec, func() {
				r.CallLater(0, fs.rec("zero delay"))
				dc := r.CallAt(sec, fs.rec("past"))
				if dc.Time() != 2*sec {
					t.Errorf("CallAt(1s).Time() at 2s = %v, want 2s", dc.Time())
				}
			})
		},
		want: []firing{{"zero delay", 2 * sec}, {"past", 2 * sec}},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := runTimers(t, func(r *Reactor, fs *firings) { c.setup(t, r, fs) })
			if !slices.Equal(got, c.want) {
				t.Errorf("fired %v, want %v", got, c.want)
			}
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("unexpected error: %v", err)
	}
}

func TestCancel(t *testing.T) {
	got := runTimers(t, func(r *Reactor, fs *firings) {
		// From outside the loop, before it runs.
		outside := r.CallLater(1*sec, fs.rec("cancelled before Run"))
		if err := outside.Cancel(); err != nil {
			t.Errorf("Cancel: %v", err)
		}
		if outside.Active() || !outside.Cancelled() {
			t.Errorf("after Cancel: Active %v, Cancelled %v", outside.Active(), outside.Cancelled())
		}
		// From inside another call due at the same instant, and one due later.
		var sameTime, laterOne *DelayedCall
		r.CallLater(2*sec, func() {
			fs.rec("canceller")()
			must(t, sameTime.Cancel())
			must(t, laterOne.Cancel())
		})
		sameTime = r.CallLater(2*sec, fs.rec("same instant, cancelled"))
		laterOne = r.CallLater(3*sec, fs.rec("later, cancelled"))
		r.CallLater(2*sec, fs.rec("same instant, kept"))
		// Inside its own callback a call counts as called.
		var self *DelayedCall
		self = r.CallLater(4*sec, func() {
			fs.rec("self")()
			if self.Active() || self.Cancelled() {
				t.Errorf("inside its callback: Active %v, Cancelled %v", self.Active(), self.Cancelled())
			}
			for name, err := range map[string]error{
				"Cancel": self.Cancel(), "Reset": self.Reset(sec), "Delay": self.Delay(sec),
			} {
				if !errors.Is(err, ErrAlreadyCalled) {
					t.Errorf("%s inside own callback = %v, want ErrAlreadyCalled", name, err)
				}
			}
		})
	})
	want := []firing{{"canceller", 2 * sec}, {"same instant, kept", 2 * sec}, {"self", 4 * sec}}
	if !slices.Equal(got, want) {
		t.Errorf("fired %v, want %v", got, want)
	}
}

func TestDelayedCallErrorsAfterTheFact(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	called := r.CallLater(0, func() {})
	cancelled := r.CallLater(sec, func() { t.Error("cancelled call ran") })
	must(t, cancelled.Cancel())
	r.CallLater(2*sec, func() { mustStop(t, r) })
	mustRun(t, r)
	noErrors(t, log)

	cases := []struct {
		name string
		dc   *DelayedCall
		want error
	}{{"called", called, ErrAlreadyCalled}, {"cancelled", cancelled, ErrAlreadyCancelled}}
	for _, c := range cases {
		ops := []struct {
			op string
			fn func() error
		}{
			{"Cancel", c.dc.Cancel},
			{"Reset", func() error { return c.dc.Reset(sec) }},
			{"Delay", func() error { return c.dc.Delay(sec) }},
		}
		for _, op := range ops {
			before := c.dc.Time()
			if err := op.fn(); !errors.Is(err, c.want) {
				t.Errorf("%s on a %s call = %v, want %v", op.op, c.name, err, c.want)
			}
			if c.dc.Time() != before {
				t.Errorf("%s on a %s call moved its time from %v to %v", op.op, c.name, before, c.dc.Time())
			}
		}
		if c.dc.Active() {
			t.Errorf("%s call is Active", c.name)
		}
		if c.dc.Cancelled() != (c.want == ErrAlreadyCancelled) {
			t.Errorf("%s call: Cancelled() = %v", c.name, c.dc.Cancelled())
		}
	}
	if err := ErrAlreadyCalled.Error(); err != "already called" {
		t.Errorf("ErrAlreadyCalled says %q", err)
	}
	if err := ErrAlreadyCancelled.Error(); err != "already cancelled" {
		t.Errorf("ErrAlreadyCancelled says %q", err)
	}
}

func TestCancelledCallsLeaveTheHeap(t *testing.T) {
	r, _, _ := newVirtualReactor(t)
	const n = 1000
	dcs := make([]*DelayedCall, n)
	for i := range dcs {
		dcs[i] = r.CallLater(time.Duration(n-i)*ms, func() {})
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for k, i := range rng.Perm(n) {
		must(t, dcs[i].Cancel())
		if got, want := r.Pending(), n-k-1; got != want {
			t.Fatalf("Pending() = %d after %d cancels, want %d", got, k+1, want)
		}
		if dcs[i].index != -1 {
			t.Fatalf("a cancelled call still has heap index %d", dcs[i].index)
		}
		if err := checkHeap(&r.timers); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.timers.heap) != 0 {
		t.Errorf("heap holds %d entries after cancelling everything", len(r.timers.heap))
	}
}

// TestHugeDelaysClamp: a delay past the end of int64 nanoseconds (about 292
// years) saturates at the far future instead of wrapping into the past.
func TestHugeDelaysClamp(t *testing.T) {
	cases := []struct {
		name    string
		virtual bool
		start   time.Duration // virtual clock reading before scheduling
	}{
		{"virtual clock at 0", true, 0},
		{"virtual clock at 1h", true, time.Hour},
		{"virtual clock near the end of time", true, maxTime - sec},
		{"real clock", false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{}
			if c.virtual {
				vc := NewVirtualClock()
				vc.AdvanceTo(c.start)
				cfg.Clock = vc
			}
			r, log := newTestReactor(t, cfg)
			tr := &trace{}
			huge := r.CallLater(math.MaxInt64, tr.step("huge"))
			delayed := r.CallLater(sec, tr.step("delayed"))
			must(t, delayed.Delay(math.MaxInt64))
			reset := r.CallLater(sec, tr.step("reset"))
			must(t, reset.Reset(math.MaxInt64))
			at := r.CallAt(maxTime, tr.step("at"))
			for name, dc := range map[string]*DelayedCall{"CallLater": huge, "Delay": delayed, "Reset": reset, "CallAt": at} {
				if dc.Time() != maxTime {
					t.Errorf("%s: Time() = %v, want the clamp %v", name, dc.Time(), maxTime)
				}
			}
			r.CallLater(ms, func() { tr.add("short"); mustStop(t, r) })
			mustRun(t, r)
			noErrors(t, log)
			tr.expect(t, "short")
			if !huge.Active() {
				t.Error("huge call is no longer active")
			}
		})
	}
}

func TestAddSaturating(t *testing.T) {
	cases := []struct{ t, d, want time.Duration }{
		{0, 0, 0},
		{1, 2, 3},
		{sec, -sec / 2, sec / 2},
		{sec, -2 * sec, 0},
		{0, math.MinInt64, 0},
		{1, math.MaxInt64, maxTime},
		{maxTime, 1, maxTime},
		{maxTime - 1, 1, maxTime},
		{maxTime - 2, 1, maxTime - 1},
		{maxTime, math.MaxInt64, maxTime},
	}
	for _, c := range cases {
		if got := addSaturating(c.t, c.d); got != c.want {
			t.Errorf("addSaturating(%d, %d) = %d, want %d", c.t, c.d, got, c.want)
		}
	}
}

func TestDelayedCallString(t *testing.T) {
	r, vc, _ := newVirtualReactor(t)
	vc.Advance(time.Second)
	active := r.CallLater(500*ms, func() {})
	cancelled := r.CallLater(0, func() {})
	must(t, cancelled.Cancel())
	called := r.CallLater(0, func() {})
	r.timers.popDue(r.Now(), r.timers.nextSeq) // run nothing, just mark it called
	cases := []struct {
		dc   *DelayedCall
		want string
	}{
		{active, "DelayedCall(active, time=1.500000)"},
		{cancelled, "DelayedCall(cancelled, time=1.000000)"},
		{called, "DelayedCall(called, time=1.000000)"},
	}
	for _, c := range cases {
		if got := c.dc.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

// modelCall is the model's view of one DelayedCall.
type modelCall struct {
	id    int
	dc    *DelayedCall
	when  time.Duration
	seq   int // the model's own scheduling order
	state callState
}

// timerModel is a plain list of calls, searched linearly: obviously right,
// and the reference the heap must agree with.
type timerModel struct {
	calls   []*modelCall
	nextSeq int
}

func (m *timerModel) next() *modelCall {
	var best *modelCall
	for _, c := range m.calls {
		if c.state == pending && (best == nil || c.when < best.when || (c.when == best.when && c.seq < best.seq)) {
			best = c
		}
	}
	return best
}

func (m *timerModel) pending() int {
	n := 0
	for _, c := range m.calls {
		if c.state == pending {
			n++
		}
	}
	return n
}

func (m *timerModel) stamp(c *modelCall, when time.Duration) {
	c.when, c.seq = when, m.nextSeq
	m.nextSeq++
}

// randomDelay favours a few small values, so many calls share a time, with
// the occasional negative or huge one.
func randomDelay(rng *rand.Rand) time.Duration {
	switch rng.IntN(100) {
	case 0:
		return math.MaxInt64
	case 1:
		return -time.Duration(rng.IntN(10)) * ms
	}
	return time.Duration(rng.IntN(8)) * ms
}

// TestTimersAgainstModel drives the reactor with thousands of random
// schedules, cancels, resets and delays, before Run and from inside the
// calls as they fire, and checks every firing against the model: the
// earliest pending call (ties in scheduling order) fires next, exactly at its
// time on the virtual clock, and the heap stays valid throughout.
func TestTimersAgainstModel(t *testing.T) {
	shapes := []struct {
		name    string
		split   int
		shift   uint
		buckets bool // whether the run must have used buckets
	}{
		{"heap", 0, 0, false},
		// The default split is never reached by a few hundred calls; these
		// send most of them to buckets of half a millisecond.
		{"buckets", 8, 19, true},
		{"wide buckets", 3, 23, true},
	}
	for _, shape := range shapes {
		for _, seed := range []uint64{1, 2, 3, 4, 5, 6, 7, 8} {
			t.Run(fmt.Sprintf("%s/%d", shape.name, seed), func(t *testing.T) {
				testTimersAgainstModel(t, seed, shape.split, shape.shift, shape.buckets)
			})
		}
	}
}

func testTimersAgainstModel(t *testing.T, seed uint64, split int, shift uint, mustBucket bool) {
	{
		{
			rng := rand.New(rand.NewPCG(seed, 99))
			r, _, log := newVirtualReactor(t)
			r.timers.farSplit, r.timers.farShift = split, shift
			usedBuckets := false
			m := &timerModel{}
			const budget = 4000
			ops, fired, checks := 0, 0, 0
			failed := false
			fail := func(format string, args ...any) {
				if !failed {
					t.Errorf(format, args...)
				}
				failed = true
			}

			var randomOps func(n int)
			var schedule func()
			schedule = func() {
				now := r.Now()
				c := &modelCall{id: len(m.calls)}
				d := randomDelay(rng)
				c.dc = r.CallLater(d, func() {
					fired++
					want := m.next()
					switch {
					case want == nil:
						fail("call %d fired at %v; the model has nothing pending", c.id, r.Now())
					case want != c:
						fail("call %d fired at %v; the model expected call %d at %v", c.id, r.Now(), want.id, want.when)
					case r.Now() != c.when:
						fail("call %d fired at %v, want %v", c.id, r.Now(), c.when)
					}
					c.state = called
					randomOps(rng.IntN(5))
					if m.pending() == 0 && ops < budget {
						ops++
						schedule() // keep going until the budget is spent
					}
					if m.pending() == 0 {
						mustStop(t, r)
					}
				})
				m.stamp(c, addSaturating(now, max(d, 0)))
				m.calls = append(m.calls, c)
			}
			pick := func() *modelCall { return m.calls[rng.IntN(len(m.calls))] }
			wantErr := func(c *modelCall) error {
				switch c.state {
				case called:
					return ErrAlreadyCalled
				case cancelled:
					return ErrAlreadyCancelled
				}
				return nil
			}
			randomOps = func(n int) {
				for range n {
					if ops >= budget {
						return
					}
					ops++
					now := r.Now()
					switch op := rng.IntN(10); {
					case op < 4 || len(m.calls) == 0:
						schedule()
					case op < 6:
						c := pick()
						want := wantErr(c)
						if err := c.dc.Cancel(); !errors.Is(err, want) || (want == nil && err != nil) {
							fail("Cancel of call %d (state %d) = %v, want %v", c.id, c.state, err, want)
						}
						if want == nil {
							c.state = cancelled
						}
					case op < 8:
						c := pick()
						d := randomDelay(rng)
						want := wantErr(c)
						if err := c.dc.Reset(d); !errors.Is(err, want) || (want == nil && err != nil) {
							fail("Reset of call %d (state %d) = %v, want %v", c.id, c.state, err, want)
						}
						if want == nil {
							m.stamp(c, addSaturating(now, max(d, 0)))
						}
					default:
						c := pick()
						d := randomDelay(rng)
						want := wantErr(c)
						if err := c.dc.Delay(d); !errors.Is(err, want) || (want == nil && err != nil) {
							fail("Delay of call %d (state %d) = %v, want %v", c.id, c.state, err, want)
						}
						if want == nil {
							m.stamp(c, max(addSaturating(c.when, d), now))
						}
					}
				}
				if r.Pending() != m.pending() {
					fail("Pending() = %d, model has %d", r.Pending(), m.pending())
				}
				if r.timers.far != nil {
					usedBuckets = true
				}
				if checks++; checks%8 != 0 {
					return // the full checks below are linear: not every time
				}
				if err := checkHeap(&r.timers); err != nil {
					fail("%v", err)
				}
				for _, c := range m.calls {
					if c.dc.Active() != (c.state == pending) || c.dc.Cancelled() != (c.state == cancelled) {
						fail("call %d: Active %v, Cancelled %v, model state %d", c.id, c.dc.Active(), c.dc.Cancelled(), c.state)
					}
					if c.state == pending && c.dc.Time() != c.when {
						fail("call %d: Time() = %v, model says %v", c.id, c.dc.Time(), c.when)
					}
				}
			}

			randomOps(300)
			if m.pending() == 0 {
				schedule()
			}
			mustRun(t, r)
			noErrors(t, log)
			if m.pending() != 0 || r.Pending() != 0 {
				t.Errorf("after the run: %d pending in the model, %d in the reactor", m.pending(), r.Pending())
			}
			if mustBucket && !usedBuckets {
				t.Errorf("the run never moved a call to a bucket")
			}
			if r.timers.far != nil {
				t.Errorf("the buckets were not dropped when the last call left them")
			}
			t.Logf("%d operations, %d calls, %d fired, clock at %v", ops, len(m.calls), fired, r.Now())
		}
	}
}
