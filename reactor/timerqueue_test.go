package reactor

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

// namedRunner is work that does nothing and, unlike a Func, compares.
type namedRunner string

func (namedRunner) Run() {}

// TestPopDueLimits checks that popDue leaves calls not yet due, and calls
// scheduled at or after the sequence limit (during the current iteration),
// and that it hands over a due call's work, marking the call called.
func TestPopDueLimits(t *testing.T) {
	q := &timerQueue{clock: NewVirtualClock()}
	a, b := new(DelayedCall), new(DelayedCall)
	q.schedule(a, 10, namedRunner("a"))
	limit := q.nextSeq
	q.schedule(b, 15, namedRunner("b")) // as if scheduled by a's callback
	if got := q.popDue(20, limit); got != namedRunner("a") {
		t.Fatalf("popDue = %v, want the work of the call scheduled before the limit", got)
	}
	if a.Active() || a.run != nil {
		t.Fatalf("after popDue, a is %v and holds %v; want called, holding nothing", a, a.run)
	}
	if got := q.popDue(20, limit); got != nil {
		t.Fatalf("popDue = %v, want nil: the rest were scheduled after the limit", got)
	}
	if got := q.popDue(14, q.nextSeq); got != nil {
		t.Fatalf("popDue(14) = %v, want nil: not due", got)
	}
	if got := q.popDue(15, q.nextSeq); got != namedRunner("b") || b.Active() || b.run != nil {
		t.Fatalf("popDue(15) = %v (b %v, holding %v), want b's work, b called", got, b, b.run)
	}
	if got := q.popDue(maxTime, q.nextSeq); got != nil {
		t.Fatalf("popDue on an empty queue = %v, want nil", got)
	}
}

// BenchmarkTimerQueue adds n timers at random times, as W2 does, then pops
// them all: per op, one add and one pop on a heap of up to n calls.
func BenchmarkTimerQueue(b *testing.B) {
	for _, n := range []int{1000, 1000000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			when := make([]time.Duration, n)
			for i := range when {
				when[i] = time.Duration(rng.IntN(500000)) * time.Microsecond
			}
			fn := func() {}
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; done += n {
				q := &timerQueue{}
				for _, w := range when {
					q.add(w, fn)
				}
				for q.popDue(maxTime, q.nextSeq) != nil {
				}
			}
		})
	}
}

// countingRunner is a per-timer struct that embeds its DelayedCall, as a
// binding using ScheduleCall would.
type countingRunner struct {
	dc  DelayedCall
	ran *[]int
	id  int
}

func (c *countingRunner) Run() { *c.ran = append(*c.ran, c.id) }

func TestScheduleCall(t *testing.T) {
	clock := NewVirtualClock()
	r, err := New(Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ran []int
	calls := make([]*countingRunner, 3)
	for i, d := range []time.Duration{2, 1, 1} {
		calls[i] = &countingRunner{ran: &ran, id: i}
		r.ScheduleCall(&calls[i].dc, d, calls[i])
	}
	if err := calls[1].dc.Cancel(); err != nil {
		t.Fatal(err)
	}
	r.CallLater(3, func() { r.Stop() })
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ran, []int{2, 0}) {
		t.Errorf("ran %v, want [2 0]", ran)
	}
	if calls[0].dc.Active() || !calls[1].dc.Cancelled() {
		t.Errorf("states after run: %v, %v", &calls[0].dc, &calls[1].dc)
	}
	defer func() {
		if recover() == nil {
			t.Error("scheduling a DelayedCall twice did not panic")
		}
	}()
	r.ScheduleCall(&calls[0].dc, 1, calls[0])
}

// countingClock is the monotonic clock, counting its readings.
type countingClock struct {
	Clock
	reads int
}

func (c *countingClock) Now() time.Duration { c.reads++; return c.Clock.Now() }

// TestChainStepClockReads: a call that schedules the next with no delay
// costs two clock readings per loop iteration (the iteration's start and
// CallLater's), not three: the wait knows that call is due already.
func TestChainStepClockReads(t *testing.T) {
	clock := &countingClock{Clock: NewMonotonicClock()}
	r, err := New(Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	const steps = 1000
	n := 0
	var step func()
	step = func() {
		if n++; n < steps {
			r.CallLater(0, step)
		} else {
			r.Stop()
		}
	}
	r.CallLater(0, step)
	start := clock.reads
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	if perStep := float64(clock.reads-start) / steps; perStep > 2.01 {
		t.Errorf("%.2f clock readings per step, want 2", perStep)
	}
}

// sleepPoller watches nothing and, instead of blocking, moves a virtual
// clock by the timeout, as a real wait would: the loop then takes its
// real-clock path (it does not know the clock is virtual) and stays exact.
type sleepPoller struct {
	nopPoller
	clock *VirtualClock
}

func (p *sleepPoller) Wait(timeout time.Duration) ([]Event, error) {
	if timeout < 0 {
		return nil, errors.New("sleepPoller: asked to wait for ever")
	}
	p.clock.Advance(timeout)
	return nil, nil
}

// TestWaitingStepClockReads: a call that schedules the next a millisecond
// on costs three clock readings per loop iteration (the iteration's start,
// CallLater's and the wait's timeout), plus one more to recompute the
// timeout after each yield to the scheduler (one in five iterations here).
// The decision to yield goes by the iteration's reading and reads nothing.
func TestWaitingStepClockReads(t *testing.T) {
	vc := NewVirtualClock()
	clock := &countingClock{Clock: vc}
	r, err := New(Config{Clock: clock, Poller: &sleepPoller{clock: vc}})
	if err != nil {
		t.Fatal(err)
	}
	const steps, every = 1000, time.Millisecond
	n, yields, lastYield := 0, 0, r.lastYield
	var step func()
	step = func() {
		if r.lastYield != lastYield {
			yields, lastYield = yields+1, r.lastYield
		}
		if n++; n < steps {
			r.CallLater(every, step)
		} else {
			r.Stop()
		}
	}
	r.CallLater(every, step)
	start := clock.reads
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	if want := steps / int(yieldEvery/every); yields < want-1 || yields > want {
		t.Errorf("%d yields in %d steps %v apart, want %d", yields, steps, every, want)
	}
	// steps+1 iteration starts (the first runs nothing), steps waits (the
	// last iteration stops instead) and steps-1 CallLaters.
	if got, want := clock.reads-start, 3*steps+yields; got != want {
		t.Errorf("%d clock readings for %d steps and %d yields, want %d", got, steps, yields, want)
	}
}

// TestTimerQueueAtW2Size schedules, at the default split and span, enough
// random calls for most of them to go to buckets, cancels and reschedules a
// share of them, then pops everything: the calls come out in (when, seq)
// order, each exactly once, and the buckets are gone at the end.
func TestTimerQueueAtW2Size(t *testing.T) {
	const n = 3 * farSplit
	rng := rand.New(rand.NewPCG(7, 7))
	q := &timerQueue{}
	calls := make([]*DelayedCall, n)
	for i := range calls {
		calls[i] = new(DelayedCall)
		q.schedule(calls[i], time.Duration(rng.IntN(500000))*time.Microsecond, namedRunner(strconv.Itoa(i)))
	}
	if q.far == nil || q.far.n < n/2 {
		t.Fatalf("after %d calls the buckets hold %v; want most of them", n, q.far)
	}
	live := n
	for _, i := range rng.Perm(n)[:n/4] {
		switch c := calls[i]; i % 3 {
		case 0:
			if err := c.Cancel(); err != nil {
				t.Fatal(err)
			}
			live--
		case 1:
			q.reschedule(c, c.when+time.Duration(rng.IntN(5000))*time.Microsecond)
		default:
			q.reschedule(c, c.when/2)
		}
	}
	popAllInOrder(t, q, live, 1000)
}

// TestTimerBucketsShareRingSlots: with spans of a nanosecond, calls a few
// thousand nanoseconds apart need more buckets than the ring has slots, so
// spans farRing apart meet in one slot and the later ones go to others. The
// calls still come out in (when, seq) order, each once, through cancels.
func TestTimerBucketsShareRingSlots(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	q := &timerQueue{farSplit: 4, farShift: 1}
	const n = 4000
	calls := make([]*DelayedCall, n)
	for i := range calls {
		calls[i] = new(DelayedCall)
		q.schedule(calls[i], time.Duration(rng.IntN(16*farRing)), namedRunner(strconv.Itoa(i)))
	}
	if q.far == nil || len(q.far.others) == 0 {
		t.Fatalf("no bucket outside the ring: the test does not test what it says")
	}
	live := n
	for _, i := range rng.Perm(n)[:n/5] {
		if err := calls[i].Cancel(); err != nil {
			t.Fatal(err)
		}
		live--
	}
	popAllInOrder(t, q, live, 64)
}

// popAllInOrder pops every call of q, checking the queue every checkEvery
// pops: they come out in (when, seq) order, live of them, and the buckets
// are gone at the end.
func popAllInOrder(t *testing.T, q *timerQueue, live, checkEvery int) {
	t.Helper()
	var last *DelayedCall
	popped := 0
	for {
		if popped%checkEvery == 0 {
			if err := checkHeap(q); err != nil {
				t.Fatal(err)
			}
		}
		next := q.peek()
		if q.popDue(maxTime, q.nextSeq) == nil {
			break
		}
		if last != nil && (next.when < last.when || next.when == last.when && next.seq < last.seq) {
			t.Fatalf("popped (%v, %d) after (%v, %d)", next.when, next.seq, last.when, last.seq)
		}
		last = next
		popped++
	}
	if popped != live || q.len() != 0 || q.far != nil {
		t.Fatalf("popped %d of %d live calls; %d left, buckets %v", popped, live, q.len(), q.far)
	}
}

// TestFullTimerBuckets fills buckets past several chunks (a few thousand
// calls in each of a few spans), cancels calls from every chunk, the tail's
// and the full ones', and reschedules others out of and into them, checking
// the buckets all along; then every call left comes out once, in order.
func TestFullTimerBuckets(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		cancels int
	}{
		{"one chunk and a call", 1<<chunkShift + 1, 1<<chunkShift + 1},
		{"chunks emptied from the end", 5 << chunkShift, 3 << chunkShift},
		{"many chunks, some cancelled", 12 << chunkShift, 1 << chunkShift},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(tc.n)))
			q := &timerQueue{farSplit: 64}
			calls := make([]*DelayedCall, tc.n)
			for i := range calls {
				calls[i] = new(DelayedCall)
				// Four spans of a millisecond after the first call's.
				when := time.Duration(rng.IntN(5<<farShift)) + 1<<farShift
				if i == 0 {
					when = 0
				}
				q.schedule(calls[i], when, namedRunner(strconv.Itoa(i)))
			}
			if q.far == nil || q.far.n < tc.n/2 {
				t.Fatalf("the buckets hold %v; want most of the %d calls", q.far, tc.n)
			}
			live := tc.n
			for k, i := range rng.Perm(tc.n - 1)[:min(tc.cancels, tc.n-1)] {
				c := calls[i+1]
				switch k % 4 {
				case 3:
					q.reschedule(c, c.when+time.Duration(rng.IntN(2<<farShift)))
				default:
					if err := c.Cancel(); err != nil {
						t.Fatal(err)
					}
					live--
				}
				if k%97 == 0 {
					if err := checkHeap(q); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := checkHeap(q); err != nil {
				t.Fatal(err)
			}
			popAllInOrder(t, q, live, 101)
		})
	}
}
