package reactor

import "sync"

// A reactor with no timed call can only be woken from outside: by Stop, a
// signal, a CallFromGoroutine, or (later) a descriptor. Whether such a wake
// is still to come, the reactor cannot know by itself; the code that starts
// outside work tells it with HoldPending, in the spirit of k6's
// RegisterPendingCallback. With that, Idle can say that nothing will ever
// happen, and the idle hook lets a test runner fail such a test at once
// instead of waiting for its timeout.

// HoldPending tells the reactor that work will arrive from elsewhere: a
// goroutine that will hand a function in with CallFromGoroutine, or a
// descriptor that will become ready. Until release is called, Idle reports
// false. Call release once the work has been handed in (after its
// CallFromGoroutine, so that the posted function keeps the reactor busy in
// between) or once it will not come. release may be called from any
// goroutine, and more than once: only the first call counts. Releasing the
// last hold wakes the loop, so that it sees it has become idle.
//
// HoldPending is safe for concurrent use. Holds do not keep Run from
// returning: Stop still stops the reactor.
func (r *Reactor) HoldPending() (release func()) {
	r.holds.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			if r.holds.Add(-1) == 0 {
				r.waker.wake() // a no-op once Run has returned
			}
		})
	}
}

// Idle reports whether the reactor has nothing to do and nothing announced
// to wait for: no timed call scheduled, no function posted with
// CallFromGoroutine still to run, no when-running callback waiting for Run
// to start (nor a startup trigger), no hold taken with HoldPending still
// unreleased, and no reader or writer watched (AddReader, AddWriter). A reactor
// that is idle while it runs waits until Stop, a signal, or work nobody
// announced arrives.
//
// Like CallLater, Idle belongs to the loop's goroutine.
func (r *Reactor) Idle() bool {
	// The holds are read before the posted functions: a goroutine posts
	// before it releases, so a release seen here means its function is seen
	// below (or has already run).
	if r.holds.Load() > 0 || r.timers.len() > 0 || r.triggers.pending(Startup) || r.watching() || len(r.lost) > 0 {
		return false
	}
	r.postMu.Lock()
	defer r.postMu.Unlock()
	return len(r.posted) == 0
}

// SetIdleHook sets fn, which the loop calls each time it is about to wait
// while Idle: with no timer to wake it, it would wait for ever unless
// something from outside comes. The hook runs on the loop's goroutine, like
// a callback; it may stop the reactor (a test runner fails the test there)
// or schedule work. Nil removes the hook.
//
// The reactor itself does nothing about being idle, on any clock: on a
// virtual clock there is no timer to jump to, so it waits as on the real
// clock, for a signal, a Stop or a CallFromGoroutine. A script that is idle
// may still get a signal.
//
// Like CallLater, SetIdleHook belongs to the loop's goroutine (or to the one
// setting the reactor up before Run).
func (r *Reactor) SetIdleHook(fn func()) { r.onIdle = fn }

// noteIdle calls the idle hook if the reactor is idle. The loop calls it
// when there is no timer, before it waits.
func (r *Reactor) noteIdle() {
	if r.onIdle != nil && r.state.Load() == stateRunning && r.Idle() {
		r.invoke(Func(r.onIdle))
	}
}

// pending reports whether event has triggers that have not run yet.
func (t *triggers) pending(event string) bool {
	lists := t.lists[event]
	if lists == nil {
		return false
	}
	for _, phase := range lists {
		for _, tr := range phase {
			if tr.fn != nil {
				return true
			}
		}
	}
	return false
}
