package reactor

import (
	"fmt"
	"time"
)

// callState is where a DelayedCall is in its life.
type callState uint8

const (
	pending callState = iota
	called
	cancelled
)

// A Runner is the work a DelayedCall does when it runs. CallLater takes a
// plain function; a binding that keeps a struct per timer can make that
// struct the Runner instead, and save a closure per timer (see ScheduleCall).
type Runner interface{ Run() }

// Func makes a plain function a Runner.
type Func func()

// Run calls f.
func (f Func) Run() { f() }

// A DelayedCall is a function scheduled to run once, at or after a time, by
// CallLater. It is owned by the loop's goroutine.
type DelayedCall struct {
	when time.Duration
	seq  uint64 // scheduling order; breaks ties between equal times (FIFO)
	run  Runner // nil once called or cancelled
	q    *timerQueue
	// index is the call's position in the heap or, when its time is past the
	// heap's horizon, in the bucket of its span (see timers_far.go); -1 when
	// in neither. The bucket is not kept here but found from the time: the
	// struct stays at 48 bytes with three pointer words, which the garbage
	// collector marks for every pending timer, and a binding's per-timer
	// struct embedding it fits a smaller size class.
	index int32
	state callState
}

// Cancel stops the call from running. It returns ErrAlreadyCalled if the call
// has run or is running (a call counts as called inside its own function), and
// ErrAlreadyCancelled if it was cancelled before.
func (c *DelayedCall) Cancel() error {
	if err := c.checkPending(); err != nil {
		return err
	}
	c.state = cancelled
	c.q.remove(c)
	c.run = nil // let the garbage collector have what the function holds
	return nil
}

// Reset reschedules the call to run d from now; a negative d counts as zero,
// as in CallLater. It is then ordered after the calls already scheduled for
// the same time, as if newly scheduled.
func (c *DelayedCall) Reset(d time.Duration) error {
	if err := c.checkPending(); err != nil {
		return err
	}
	c.q.reschedule(c, addSaturating(c.q.clock.Now(), max(d, 0)))
	return nil
}

// Delay postpones the call by d. A negative d brings it forward, and a time
// it then lands on in the past counts as CallAt's would: the call runs at the
// next iteration.
func (c *DelayedCall) Delay(d time.Duration) error {
	if err := c.checkPending(); err != nil {
		return err
	}
	c.q.reschedule(c, addSaturating(c.when, d))
	return nil
}

// Active reports whether the call is still to run: neither called nor
// cancelled.
func (c *DelayedCall) Active() bool { return c.state == pending }

// Cancelled reports whether the call was cancelled.
func (c *DelayedCall) Cancelled() bool { return c.state == cancelled }

// Time is when the call is scheduled to run, on the reactor's clock.
func (c *DelayedCall) Time() time.Duration { return c.when }

func (c *DelayedCall) String() string {
	var state string
	switch c.state {
	case pending:
		state = "active"
	case called:
		state = "called"
	default:
		state = "cancelled"
	}
	return fmt.Sprintf("DelayedCall(%s, time=%.6f)", state, c.when.Seconds())
}

func (c *DelayedCall) checkPending() error {
	switch c.state {
	case called:
		return ErrAlreadyCalled
	case cancelled:
		return ErrAlreadyCancelled
	}
	return nil
}

// timerQueue is a 4-ary min-heap of pending calls ordered by (when, seq).
// Each slot keeps its call's time beside the pointer, so sifting compares
// times without loading the calls themselves: with a million timers those
// loads are cache misses, and they dominated the cost of a pop. Four
// children per node halve the depth of a binary heap. Their four 16-byte
// slots are contiguous, 64 bytes, but node i's children start at byte
// 64i+16 of the array, so (the array being line-aligned) they span two
// cache lines; laying the heap out to align them was measured, and was
// slower. Each call knows its slot, so cancelling or rescheduling one is
// O(log n) with no scan and no tombstones left behind.
type timerQueue struct {
	heap    []slot
	nextSeq uint64
	clock   Clock
	// floor is the time of the latest popDue. A call scheduled before it
	// (CallAt in the past, a negative Reset or Delay) is scheduled at it
	// instead. Otherwise such a call, made while the due calls run, would sit
	// at the head of the heap with a sequence number popDue must not take
	// yet, and hold back calls that were due.
	floor time.Duration

	// far holds the calls past the horizon, nil while the heap holds all.
	far *farTimers
	// nextSplit is the heap size that tries the next split.
	nextSplit int
	// farSplit and farShift replace farSplit and farShift when set, so that
	// tests can reach the buckets with a few calls.
	farSplit int
	farShift uint
}

type slot struct {
	when time.Duration // a copy of call.when
	call *DelayedCall
}

// arity is the number of children of a heap node.
const arity = 4

// add schedules fn to run at time when.
func (q *timerQueue) add(when time.Duration, fn func()) *DelayedCall {
	c := new(DelayedCall)
	q.schedule(c, when, Func(fn))
	return c
}

// schedule makes c, a zero DelayedCall, run at time when.
func (q *timerQueue) schedule(c *DelayedCall, when time.Duration, run Runner) {
	if c.q != nil {
		panic("reactor: a DelayedCall can be scheduled only once")
	}
	*c = DelayedCall{when: max(when, q.floor), seq: q.nextSeq, run: run, q: q}
	q.nextSeq++
	q.insert(c)
}

// peek returns the earliest call, or nil.
func (q *timerQueue) peek() *DelayedCall {
	if len(q.heap) == 0 && q.far != nil {
		q.refill()
	}
	if len(q.heap) == 0 {
		return nil
	}
	return q.heap[0].call
}

// popDue removes the earliest call if it is due at now and was scheduled
// before seqLimit, and returns its work for the caller to run; otherwise it
// returns nil. The call is marked called, and lets go of its work, before
// anyone runs it, so cancelling it from inside its own function fails cleanly
// instead of corrupting the heap.
func (q *timerQueue) popDue(now time.Duration, seqLimit uint64) Runner {
	q.floor = max(q.floor, now)
	if len(q.heap) == 0 && q.far != nil {
		q.refill()
	}
	if len(q.heap) == 0 {
		return nil
	}
	c := q.heap[0].call
	if c.when > now || c.seq >= seqLimit {
		return nil
	}
	q.remove(c)
	c.state = called
	run := c.run
	c.run = nil
	return run
}

func (q *timerQueue) len() int {
	if q.far != nil {
		return len(q.heap) + q.far.n
	}
	return len(q.heap)
}

func (q *timerQueue) reschedule(c *DelayedCall, when time.Duration) {
	when = max(when, q.floor)
	if !q.inBucket(c) && !q.pastHorizon(when) {
		c.when, c.seq = when, q.nextSeq
		q.nextSeq++
		q.heap[c.index].when = c.when
		// Later or equal keys only ever move down, earlier ones only up; fix does both.
		q.fix(int(c.index))
		return
	}
	// Removed at its old time: that time is what finds its bucket.
	q.remove(c)
	c.when, c.seq = when, q.nextSeq
	q.nextSeq++
	q.insert(c)
}

// remove takes c out of the queue. In the heap, the last slot fills its
// place and is sifted from there.
func (q *timerQueue) remove(c *DelayedCall) {
	if q.inBucket(c) {
		q.removeFar(c)
		return
	}
	i := int(c.index)
	last := len(q.heap) - 1
	moved := q.heap[last]
	q.heap[last] = slot{}
	q.heap = q.heap[:last]
	c.index = -1
	if i != last {
		q.set(i, moved)
		q.fix(i)
	}
}

// before reports whether a runs before b: earlier, or as early and
// scheduled first.
func before(a, b slot) bool {
	return a.when < b.when || (a.when == b.when && a.call.seq < b.call.seq)
}

// set puts s in slot i and tells its call where it is.
func (q *timerQueue) set(i int, s slot) {
	q.heap[i] = s
	s.call.index = int32(i)
}

func (q *timerQueue) fix(i int) {
	if !q.down(i) {
		q.up(i)
	}
}

// up moves slot i toward the root while it runs before its parent, shifting
// the parents down into the hole instead of swapping at every level.
func (q *timerQueue) up(i int) {
	s := q.heap[i]
	for i > 0 {
		parent := (i - 1) / arity
		if !before(s, q.heap[parent]) {
			break
		}
		q.set(i, q.heap[parent])
		i = parent
	}
	q.set(i, s)
}

// down sinks slot i below the children that run before it and reports
// whether it moved.
func (q *timerQueue) down(i int) bool {
	s, start, n := q.heap[i], i, len(q.heap)
	for {
		first := arity*i + 1
		if first >= n {
			break
		}
		best := first
		for c := first + 1; c < first+arity && c < n; c++ {
			if before(q.heap[c], q.heap[best]) {
				best = c
			}
		}
		if !before(q.heap[best], s) {
			break
		}
		q.set(i, q.heap[best])
		i = best
	}
	q.set(i, s)
	return i > start
}
