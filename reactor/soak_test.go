package reactor

import (
	"container/heap"
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// The soak test runs the loop on a virtual clock for a long stretch of
// virtual time while a random driver schedules, cancels, resets and delays
// timers from inside the timers that fire, and checks every firing against a
// model of what must fire when: timers fire in (time, scheduling order)
// order, exactly at their time on the virtual clock, once, and never after
// they were cancelled. At the end nothing is left pending and every timer
// was either called once or cancelled.
//
// By default it covers one virtual minute (a few seconds of real time).
// LOOPSCRIPT_SOAK=1h (any Go duration) runs longer; LOOPSCRIPT_SOAK_SEED
// repeats a run.

// soakTimer is the model's view of one timer.
type soakTimer struct {
	dc      *DelayedCall
	when    time.Duration
	seq     uint64 // the model's count of scheduling events, mirroring the reactor's
	state   callState
	version int // bumped on each reschedule; stale heap entries are skipped
	id      int
}

// soakEntry is a heap entry of the model: a timer at a key, valid while the
// timer's version matches.
type soakEntry struct {
	t       *soakTimer
	when    time.Duration
	seq     uint64
	version int
}

type soakHeap []soakEntry

func (h soakHeap) Len() int { return len(h) }
func (h soakHeap) Less(i, j int) bool {
	return h[i].when < h[j].when || (h[i].when == h[j].when && h[i].seq < h[j].seq)
}
func (h soakHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *soakHeap) Push(x any)   { *h = append(*h, x.(soakEntry)) }
func (h *soakHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// soakModel predicts the reactor: pending timers by key, in a heap with
// lazy deletion, and the counts that must balance at the end.
type soakModel struct {
	t       *testing.T
	r       *Reactor
	clock   *VirtualClock
	rng     *rand.Rand
	until   time.Duration // virtual time after which no new timer is scheduled
	seq     uint64
	pending soakHeap
	live    []*soakTimer // pending timers, for picking one at random
	all     []*soakTimer
	npend   int

	scheduled, fired, cancelled, resets, delays, refusals int
	failed                                                bool
}

func (m *soakModel) fail(format string, args ...any) {
	if !m.failed {
		m.t.Errorf(format, args...)
		m.failed = true
		m.r.Stop()
	}
}

// delay is a random delay: often zero (same-time FIFO order), often short,
// sometimes seconds.
func (m *soakModel) delay() time.Duration {
	switch p := m.rng.IntN(100); {
	case p < 15:
		return 0
	case p < 60:
		return time.Duration(m.rng.IntN(1000)) * time.Microsecond
	case p < 90:
		return time.Duration(m.rng.IntN(1000)) * time.Millisecond
	default:
		return time.Duration(m.rng.IntN(10)) * time.Second
	}
}

func (m *soakModel) push(st *soakTimer) {
	st.version++
	heap.Push(&m.pending, soakEntry{t: st, when: st.when, seq: st.seq, version: st.version})
}

// next is the pending timer the model expects to fire next, or nil.
func (m *soakModel) next() *soakTimer {
	for m.pending.Len() > 0 {
		e := m.pending[0]
		if e.t.state == pending && e.version == e.t.version {
			return e.t
		}
		heap.Pop(&m.pending)
	}
	return nil
}

func (m *soakModel) schedule() {
	st := &soakTimer{id: len(m.all), seq: m.seq}
	m.seq++
	d := m.delay()
	st.when = m.clock.Now() + d
	st.dc = m.r.CallLater(d, func() { m.fire(st) })
	m.all = append(m.all, st)
	m.live = append(m.live, st)
	m.npend++
	m.scheduled++
	m.push(st)
}

// pick returns a random timer still pending, dropping the others from live.
func (m *soakModel) pick() *soakTimer {
	for len(m.live) > 0 {
		i := m.rng.IntN(len(m.live))
		st := m.live[i]
		if st.state == pending {
			return st
		}
		m.live[i] = m.live[len(m.live)-1]
		m.live = m.live[:len(m.live)-1]
	}
	return nil
}

// done is a random timer already called or cancelled, if any.
func (m *soakModel) done() *soakTimer {
	st := m.all[m.rng.IntN(len(m.all))]
	if st.state == pending {
		return nil
	}
	return st
}

// act performs one random operation on the timers.
func (m *soakModel) act() {
	now := m.clock.Now()
	switch p := m.rng.IntN(100); {
	case p < 45:
		if now < m.until {
			m.schedule()
		}
	case p < 60:
		if st := m.pick(); st != nil {
			if err := st.dc.Cancel(); err != nil {
				m.fail("cancel of pending timer %d: %v", st.id, err)
			}
			st.state = cancelled
			m.npend--
			m.cancelled++
		}
	case p < 75:
		if st := m.pick(); st != nil {
			d := m.delay()
			if err := st.dc.Reset(d); err != nil {
				m.fail("reset of pending timer %d: %v", st.id, err)
			}
			st.when, st.seq = addSaturating(now, d), m.seq
			m.seq++
			m.resets++
			m.push(st)
		}
	case p < 85:
		if st := m.pick(); st != nil {
			d := m.delay()
			if err := st.dc.Delay(d); err != nil {
				m.fail("delay of pending timer %d: %v", st.id, err)
			}
			st.when, st.seq = addSaturating(st.when, d), m.seq
			m.seq++
			m.delays++
			m.push(st)
		}
	default:
		// Every operation on a finished timer is refused, with the right error.
		if st := m.done(); st != nil {
			want := ErrAlreadyCalled
			if st.state == cancelled {
				want = ErrAlreadyCancelled
			}
			var err error
			switch m.rng.IntN(3) {
			case 0:
				err = st.dc.Cancel()
			case 1:
				err = st.dc.Reset(m.delay())
			default:
				err = st.dc.Delay(m.delay())
			}
			if !errors.Is(err, want) || st.dc.Active() {
				m.fail("operation on finished timer %d: %v (active %v), want %v", st.id, err, st.dc.Active(), want)
			}
			m.refusals++
		}
	}
}

// fire is every timer's function: it checks the call against the model,
// then acts on other timers.
func (m *soakModel) fire(st *soakTimer) {
	now := m.clock.Now()
	want := m.next()
	switch {
	case st.state != pending:
		m.fail("timer %d called, but it was %v", st.id, st.state)
		return
	case want != st:
		m.fail("timer %d (due %v, seq %d) called at %v; the model expected timer %d (due %v, seq %d)",
			st.id, st.when, st.seq, now, want.id, want.when, want.seq)
		return
	case now != st.when:
		m.fail("timer %d due at %v called at %v", st.id, st.when, now)
		return
	}
	heap.Pop(&m.pending)
	st.state = called
	m.npend--
	m.fired++
	// Cancelling itself is refused: it counts as called inside its function.
	if err := st.dc.Cancel(); !errors.Is(err, ErrAlreadyCalled) {
		m.fail("timer %d cancelled itself: %v", st.id, err)
	}
	for n := m.rng.IntN(4); n > 0; n-- {
		m.act()
	}
	// Keep about soakPopulation timers pending until the end, then drain.
	for now < m.until && m.npend < soakPopulation {
		m.schedule()
	}
	if m.npend == 0 {
		m.r.Stop()
	}
}

// soakPopulation is how many timers the driver keeps pending.
const soakPopulation = 1000

func soakDuration(t *testing.T) time.Duration {
	if s := os.Getenv("LOOPSCRIPT_SOAK"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("LOOPSCRIPT_SOAK=%q: %v", s, err)
		}
		return d
	}
	return time.Minute
}

func TestSoakVirtualTimers(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LOOPSCRIPT_SOAK_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	clock := NewVirtualClock()
	r, err := New(Config{Clock: clock, OnError: func(err error) { t.Errorf("callback failed: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	m := &soakModel{t: t, r: r, clock: clock, rng: rand.New(rand.NewPCG(seed, 1)), until: soakDuration(t)}
	r.CallWhenRunning(func() {
		for range soakPopulation {
			m.schedule()
		}
	})
	start := time.Now()
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("seed %d: %v of virtual time in %v: %d timers scheduled, %d fired, %d cancelled, %d resets, %d delays, %d refused operations",
		seed, clock.Now().Round(time.Second), took.Round(time.Millisecond), m.scheduled, m.fired, m.cancelled, m.resets, m.delays, m.refusals)
	if m.failed {
		t.Fatalf("failed with LOOPSCRIPT_SOAK_SEED=%d", seed)
	}
	if m.npend != 0 || r.Pending() != 0 || m.next() != nil {
		t.Errorf("left pending: model %d, reactor %d", m.npend, r.Pending())
	}
	if m.fired+m.cancelled != m.scheduled {
		t.Errorf("%d fired + %d cancelled != %d scheduled: calls lost", m.fired, m.cancelled, m.scheduled)
	}
	for _, st := range m.all {
		if st.state == pending || st.dc.Active() {
			t.Fatalf("timer %d never finished", st.id)
		}
	}
	if clock.Now() < m.until {
		t.Errorf("virtual time reached %v, want %v", clock.Now(), m.until)
	}
}
