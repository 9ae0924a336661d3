package reactor

import "errors"

// ErrLostAtShutdown is what a connection still open when the reactor stops
// is lost with (wrapped in a *ConnectionLostError), as Twisted's
// CONNECTION_LOST at shutdown: the reason reads
// "Connection to the other side was lost in a non-clean fashion: Connection
// lost.".
var ErrLostAtShutdown = errors.New("connection lost")

// An ioCloser is an open transport, listening port or connect attempt
// that the reactor ends in the "during" phase of its shutdown, so that
// every protocol is told ConnectionLost (and every factory of a connect
// under way ClientConnectionFailed) before Run returns, as Twisted's
// disconnectAll does.
type ioCloser interface{ shutdown() }

// openIO is the reactor's set of ioClosers; its trigger is added once,
// when the first one opens.
type openIO struct {
	set   map[ioCloser]struct{}
	armed bool
	// inFlight counts the members whose outcome is sure to come from
	// outside (see awaitingIO in pending.go).
	inFlight int
}

func (r *Reactor) trackIO(c ioCloser) {
	if !r.openIO.armed {
		r.openIO.armed = true
		// A phase and event that exist: the error cannot happen.
		_, _ = r.AddSystemEventTrigger(During, Shutdown, r.shutdownIO)
	}
	if r.openIO.set == nil {
		r.openIO.set = make(map[ioCloser]struct{})
	}
	if _, ok := r.openIO.set[c]; !ok && isInFlight(c) {
		r.openIO.inFlight++
	}
	r.openIO.set[c] = struct{}{}
}

func (r *Reactor) untrackIO(c ioCloser) {
	if _, ok := r.openIO.set[c]; ok && isInFlight(c) {
		r.openIO.inFlight--
	}
	delete(r.openIO.set, c)
}

// shutdownIO ends everything still open. Callbacks may open more (a
// ClientConnectionLost that reconnects); those are ended too, up to a
// bound, so a factory that always reconnects cannot keep Run from
// returning.
func (r *Reactor) shutdownIO() {
	for range 100 {
		if len(r.openIO.set) == 0 {
			return
		}
		var all []ioCloser
		for c := range r.openIO.set {
			all = append(all, c)
		}
		for _, c := range all {
			r.untrackIO(c)
			r.invoke(Func(c.shutdown))
		}
	}
}
