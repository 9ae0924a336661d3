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

// On a virtual clock the loop jumps to the next timer when no descriptor is
// ready. That is wrong while the reactor waits for I/O whose outcome is sure
// to come soon from outside: a connect under way (a 30 s connect timeout
// would fire at once, before a connect to a local server completes), a name
// lookup, a child process running. While such I/O is in flight the loop
// waits for it for real, up to the virtual time left until the next timer,
// and the clock does not move: if the I/O arrives first, it is handled at
// the current virtual time; if not, the clock jumps to the timer as though
// that time had passed. A program on a virtual clock that opens sockets or
// runs processes thus runs on the real clock while they are in flight, and
// stays instant and repeatable otherwise. A listening port, an open
// connection waiting for data, or a watched descriptor are not in flight:
// nothing says anything will come.

// inFlightIO is I/O whose outcome comes from outside, surely and soon.
type inFlightIO interface{ inFlight() }

// A Connector is tracked while it is connecting (see Connect).
func (*Connector) inFlight() {}

// A Process is tracked until ProcessEnded.
func (*Process) inFlight() {}

func isInFlight(c ioCloser) bool {
	_, ok := c.(inFlightIO)
	return ok
}

// awaitingIO reports whether I/O is in flight: a connect, a child process,
// or a hold taken with HoldPending (a name lookup, a wait4 goroutine, a
// plugin's work). It belongs to the loop's goroutine.
func (r *Reactor) awaitingIO() bool { return r.openIO.inFlight > 0 || r.holds.Load() > 0 }

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
