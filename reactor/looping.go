package reactor

import (
	"errors"
	"fmt"
	"time"
)

// A Scheduler runs functions at times on its clock. *Reactor is one; a
// LoopingCall can be driven by any.
type Scheduler interface {
	Now() time.Duration
	// CallAt schedules fn to run once, at or after time t.
	CallAt(t time.Duration, fn func()) *DelayedCall
}

var _ Scheduler = (*Reactor)(nil)

// CallAt schedules fn to run once, at or after time t on the reactor's clock.
// A time in the past runs at the next iteration.
func (r *Reactor) CallAt(t time.Duration, fn func()) *DelayedCall {
	return r.timers.add(t, fn)
}

// Errors from LoopingCall.
var (
	ErrLoopRunning    = errors.New("already running")
	ErrLoopNotRunning = errors.New("not running")
)

// A LoopingCall calls a function every interval, like Twisted's
// task.LoopingCall. Its schedule is anchored at the time Start was called:
// calls aim at start + k*interval, so the function's own run time does not
// make the schedule drift, and a call that overruns skips the intervals it
// missed instead of bursting to catch up. The function learns how many
// intervals have passed since its previous call (1 when on time).
//
// Times are integer nanoseconds, so the count is exact: never 0, however
// large the clock's reading.
type LoopingCall struct {
	sched    Scheduler
	fn       func(count int) error
	interval time.Duration
	start    time.Duration
	last     time.Duration // when fn last ran, or a virtual time before start
	call     *DelayedCall  // the next scheduled run, if any
	running  bool
	err      error
}

// NewLoopingCall returns a stopped LoopingCall that will call fn on sched. If
// fn returns an error, the LoopingCall stops and keeps the error for Err; if
// it panics, the LoopingCall stops and the panic goes on up.
func NewLoopingCall(sched Scheduler, fn func(count int) error) *LoopingCall {
	return &LoopingCall{sched: sched, fn: fn}
}

// Start begins calling every interval (0 means every reactor iteration). With
// now, the first call happens inside Start; otherwise one interval from now.
// It returns ErrLoopRunning if already running; a stopped LoopingCall can be
// started again, and the schedule is then anchored at the new start.
func (lc *LoopingCall) Start(interval time.Duration, now bool) error {
	if lc.running {
		return ErrLoopRunning
	}
	if interval < 0 {
		return fmt.Errorf("negative interval %v", interval)
	}
	lc.running, lc.err = true, nil
	lc.interval = interval
	lc.start = lc.sched.Now()
	if now {
		// Pretend the previous call was one interval ago, so the first count is 1.
		lc.last = lc.start - interval
		lc.tick()
	} else {
		lc.last = lc.start
		lc.scheduleAfter(lc.start)
	}
	return nil
}

// Stop cancels the next call. Called from inside the function, it prevents
// any further call. It returns ErrLoopNotRunning if not running.
func (lc *LoopingCall) Stop() error {
	if !lc.running {
		return ErrLoopNotRunning
	}
	lc.running = false
	lc.cancelCall()
	return nil
}

// cancelCall cancels the next scheduled call, if any. That call is still
// pending: tick forgets it before it runs.
func (lc *LoopingCall) cancelCall() {
	if lc.call != nil {
		lc.call.Cancel()
	}
	lc.call = nil
}

// Running reports whether the LoopingCall is started and not stopped.
func (lc *LoopingCall) Running() bool { return lc.running }

// Interval is the interval of the last Start.
func (lc *LoopingCall) Interval() time.Duration { return lc.interval }

// Err is the error that stopped the LoopingCall, if its function failed.
func (lc *LoopingCall) Err() error { return lc.err }

func (lc *LoopingCall) tick() {
	lc.call = nil
	now := lc.sched.Now()
	count := 1
	if lc.interval > 0 {
		count = int(lc.intervalOf(now) - lc.intervalOf(lc.last))
	}
	lc.last = now

	// A failing fn stops the loop, even if it restarted it first: the call
	// the restart scheduled is cancelled.
	finished := false
	defer func() {
		if !finished { // fn panicked
			lc.running = false
			lc.cancelCall()
		}
	}()
	err := lc.fn(count)
	finished = true

	switch {
	case err != nil:
		lc.running, lc.err = false, err
		lc.cancelCall()
	case lc.running && lc.call == nil: // not stopped, nor restarted, by fn
		lc.scheduleAfter(lc.sched.Now())
	}
}

// scheduleAfter schedules the next call at the first interval boundary after
// t; every iteration when the interval is 0. A boundary past the end of time
// (maxTime) is never reached, so nothing is scheduled: clamping it to maxTime
// would call at maxTime with a count of 0, again and again.
func (lc *LoopingCall) scheduleAfter(t time.Duration) {
	next := t
	if lc.interval > 0 {
		k := lc.intervalOf(t) + 1
		if k > int64(maxTime-lc.start)/int64(lc.interval) {
			return
		}
		next = lc.start + time.Duration(k)*lc.interval
	}
	lc.call = lc.sched.CallAt(next, lc.tick)
}

// intervalOf is the index of the interval t falls in, counted from start.
func (lc *LoopingCall) intervalOf(t time.Duration) int64 {
	d := int64(t - lc.start)
	i := d / int64(lc.interval)
	if d%int64(lc.interval) < 0 { // floor, not truncation, before the start
		i--
	}
	return i
}
