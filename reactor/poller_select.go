package reactor

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// selectSetSize is FD_SETSIZE: an fd_set holds descriptors 0 to 1023 only.
const selectSetSize = 1024

// SelectPoller is a Poller built on select(2) (pselect6 underneath). It can
// watch only descriptors below 1024 and costs O(highest fd) per Wait; it
// exists for portability checks and comparison, not speed.
//
// Timeouts have microsecond resolution and are rounded up, so Wait never
// returns before its timeout unless a descriptor is ready. select(2) cannot
// tell a hangup from readability: a closed peer is reported as Readable.
type SelectPoller struct {
	watched []int       // the watched fds, dense, so Wait scans only those
	index   map[int]int // fd -> position in watched
	maxFd   int         // highest watched fd, -1 when none

	// The masters mirror watched; Wait copies them because select(2)
	// overwrites the sets it is given.
	rMaster, wMaster unix.FdSet
	rSet, wSet       unix.FdSet
	tv               unix.Timeval

	ready  []Event
	closed bool
}

var _ Poller = (*SelectPoller)(nil)

// NewSelectPoller returns an empty select(2) poller. It holds no kernel
// resources, so it cannot fail.
func NewSelectPoller() *SelectPoller {
	return &SelectPoller{index: make(map[int]int), maxFd: -1}
}

// Name returns "select".
func (p *SelectPoller) Name() string { return "select" }

// Len returns the number of watched descriptors.
func (p *SelectPoller) Len() int { return len(p.watched) }

// Add starts watching fd. It returns ErrFdOutOfRange for fd < 0 or
// fd >= 1024, which an fd_set cannot hold, and an error wrapping
// unix.EEXIST if fd is already watched.
func (p *SelectPoller) Add(fd int, events Events) error {
	if err := p.check("add", fd); err != nil {
		return err
	}
	if _, ok := p.index[fd]; ok {
		return fmt.Errorf("reactor: select add fd %d: %w", fd, unix.EEXIST)
	}
	p.index[fd] = len(p.watched)
	p.watched = append(p.watched, fd)
	p.setMasters(fd, events)
	if fd > p.maxFd {
		p.maxFd = fd
	}
	return nil
}

// Modify changes the events watched on fd. It returns an error wrapping
// unix.ENOENT if fd is not watched.
func (p *SelectPoller) Modify(fd int, events Events) error {
	if err := p.check("modify", fd); err != nil {
		return err
	}
	if _, ok := p.index[fd]; !ok {
		return fmt.Errorf("reactor: select modify fd %d: %w", fd, unix.ENOENT)
	}
	p.setMasters(fd, events)
	return nil
}

// Remove stops watching fd. It returns an error wrapping unix.ENOENT if fd
// is not watched.
func (p *SelectPoller) Remove(fd int) error {
	if err := p.check("remove", fd); err != nil {
		return err
	}
	i, ok := p.index[fd]
	if !ok {
		return fmt.Errorf("reactor: select remove fd %d: %w", fd, unix.ENOENT)
	}
	last := len(p.watched) - 1
	if i != last {
		p.watched[i] = p.watched[last]
		p.index[p.watched[i]] = i
	}
	p.watched = p.watched[:last]
	delete(p.index, fd)
	p.rMaster.Clear(fd)
	p.wMaster.Clear(fd)
	if fd == p.maxFd {
		p.maxFd = -1
		for _, w := range p.watched {
			p.maxFd = max(p.maxFd, w)
		}
	}
	return nil
}

// Wait blocks until a watched descriptor is ready or timeout has passed; see
// Poller. The timeout is rounded up to a whole microsecond and capped at
// about 24.8 days. A descriptor closed while watched makes Wait fail with an
// error wrapping unix.EBADF until it is removed.
func (p *SelectPoller) Wait(timeout time.Duration) ([]Event, error) {
	if p.closed {
		return nil, fmt.Errorf("reactor: select wait: poller closed: %w", unix.EBADF)
	}
	p.rSet = p.rMaster
	p.wSet = p.wMaster
	var tv *unix.Timeval
	if timeout >= 0 {
		p.tv = selectTimeval(timeout)
		tv = &p.tv
	}
	n, err := unix.Select(p.maxFd+1, &p.rSet, &p.wSet, nil, tv)
	if err == unix.EINTR {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reactor: select wait on %d fds: %w", len(p.watched), err)
	}
	p.ready = p.ready[:0]
	for _, fd := range p.watched {
		if n == 0 {
			break
		}
		var ev Events
		if p.rSet.IsSet(fd) {
			ev |= Readable
			n--
		}
		if p.wSet.IsSet(fd) {
			ev |= Writable
			n--
		}
		if ev != 0 {
			p.ready = append(p.ready, Event{Fd: fd, Events: ev})
		}
	}
	return p.ready, nil
}

// Close forgets all descriptors. Later calls to Wait fail; a second Close
// returns nil.
func (p *SelectPoller) Close() error {
	p.closed = true
	p.watched = nil
	clear(p.index)
	p.maxFd = -1
	p.rMaster.Zero()
	p.wMaster.Zero()
	return nil
}

// selectTimeval converts a non-negative Wait timeout to select's
// microseconds, rounded up (never down, or a short wait would return early)
// and capped at maxWait.
func selectTimeval(timeout time.Duration) unix.Timeval {
	return unix.NsecToTimeval(int64(min(timeout, maxWait))) // rounds up
}

// canWatch returns the error Add would return for fd's number, nil if it
// fits an fd_set.
func (p *SelectPoller) canWatch(fd int) error {
	if fd < 0 || fd >= selectSetSize {
		return fmt.Errorf("fd %d: %w", fd, ErrFdOutOfRange)
	}
	return nil
}

func (p *SelectPoller) check(op string, fd int) error {
	if p.closed {
		return fmt.Errorf("reactor: select %s fd %d: poller closed: %w", op, fd, unix.EBADF)
	}
	if fd < 0 || fd >= selectSetSize {
		return fmt.Errorf("reactor: select %s fd %d: %w", op, fd, ErrFdOutOfRange)
	}
	return nil
}

func (p *SelectPoller) setMasters(fd int, events Events) {
	p.rMaster.Clear(fd)
	p.wMaster.Clear(fd)
	if events&Readable != 0 {
		p.rMaster.Set(fd)
	}
	if events&Writable != 0 {
		p.wMaster.Set(fd)
	}
}
