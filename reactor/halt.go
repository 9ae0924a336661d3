package reactor

// Halt ends the loop as a process exit would: after the callback that calls
// it (or, from another goroutine, the one running), no callback of any kind
// runs: no due timer, no posted function (those already accepted are
// dropped), no remaining startup trigger and no shutdown trigger. Run then
// releases the reactor's resources and returns nil. Halt is safe for
// concurrent use, never blocks and may be called more than once; before Run,
// it makes a later Run return at once.
//
// Stop is the graceful end; Halt is for bindings whose script asked for the
// process to end (Lua's os.exit).
func (r *Reactor) Halt() {
	r.halted.Store(true)
	r.state.CompareAndSwap(stateRunning, stateStopping)
	if r.state.Load() != stateStopped {
		r.waker.wake()
	}
}

// Halted reports whether Halt was called.
func (r *Reactor) Halted() bool { return r.halted.Load() }
