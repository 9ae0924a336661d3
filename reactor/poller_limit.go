package reactor

// fdLimiter is a poller that cannot watch every descriptor number: select
// refuses those of FD_SETSIZE (1024) and above. canWatch says, without
// watching fd, whether Add would refuse it, so a port can refuse a
// connection before building its protocol.
type fdLimiter interface{ canWatch(fd int) error }

// canWatch is nil if the poller can watch fd, else the error Add would
// return, wrapping ErrFdOutOfRange.
func (r *Reactor) canWatch(fd int) error {
	if l, ok := r.poller.(fdLimiter); ok {
		return l.canWatch(fd)
	}
	return nil
}
