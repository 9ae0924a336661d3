package reactor

import (
	"math"
	"time"
)

// ManualClock is a Scheduler whose time moves only when a test says so, in
// the spirit of Twisted's task.Clock. It lets a test drive timed calls and
// LoopingCalls step by step, without a reactor:
//
//	clock := reactor.NewManualClock()
//	lc := reactor.NewLoopingCall(clock, tick)
//	lc.Start(time.Second, true) // tick runs now
//	clock.Advance(time.Second)  // and again here
//
// It is not a clock to give a Reactor (the loop would wait for a time that
// never comes): for a reactor use VirtualClock, which the loop moves itself.
// Like a reactor, it belongs to one goroutine.
type ManualClock struct {
	now    time.Duration
	timers timerQueue
}

var _ Scheduler = (*ManualClock)(nil)

// NewManualClock returns a manual clock reading zero, with nothing scheduled.
func NewManualClock() *ManualClock {
	m := &ManualClock{}
	m.timers.clock = m // DelayedCall.Reset counts from this clock's time
	return m
}

// Now is the clock's current reading.
func (m *ManualClock) Now() time.Duration { return m.now }

// CallAt schedules fn to run once the clock reaches t.
func (m *ManualClock) CallAt(t time.Duration, fn func()) *DelayedCall {
	return m.timers.add(t, fn)
}

// CallLater schedules fn to run once the clock has moved d forward; a
// negative d counts as zero.
func (m *ManualClock) CallLater(d time.Duration, fn func()) *DelayedCall {
	c := new(DelayedCall)
	m.ScheduleCall(c, d, Func(fn))
	return c
}

// ScheduleCall is CallLater with the DelayedCall and its work supplied by the
// caller, as Reactor.ScheduleCall.
func (m *ManualClock) ScheduleCall(c *DelayedCall, d time.Duration, run Runner) {
	m.timers.schedule(c, addSaturating(m.now, max(d, 0)), run)
}

// Pending is the number of calls waiting to run.
func (m *ManualClock) Pending() int { return m.timers.len() }

// Advance moves the clock d forward (a negative d counts as zero), then runs
// every call due at the new time, earliest first and, for equal times, in the
// order they were scheduled. As in Twisted, the calls all see the new time,
// and a call scheduled by one of them runs in the same Advance if it is due
// too: a function that keeps scheduling itself with no delay keeps Advance
// busy until it stops. A call may itself call Advance.
//
// A panic in a call goes on up, out of Advance; the calls after it stay
// scheduled.
func (m *ManualClock) Advance(d time.Duration) {
	m.now = addSaturating(m.now, max(d, 0))
	for {
		run := m.timers.popDue(m.now, math.MaxUint64)
		if run == nil {
			return
		}
		run.Run()
	}
}

// Pump advances the clock by each step in turn, as Twisted's Clock.pump
// does: the calls due after each step run before the next step.
func (m *ManualClock) Pump(steps []time.Duration) {
	for _, d := range steps {
		m.Advance(d)
	}
}
