package reactor

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/sys/unix"
)

// PollPoller is a Poller built on poll(2). It has no descriptor limit but
// costs O(watched descriptors) per Wait.
//
// On Linux it calls ppoll(2), whose timeouts have nanosecond resolution;
// elsewhere poll(2), with timeouts rounded up to a whole millisecond. Either
// way Wait never returns before its timeout unless a descriptor is ready.
type PollPoller struct {
	fds   []unix.PollFd // passed to the kernel as is
	index map[int]int   // fd -> position in fds

	ts     unix.Timespec // for ppoll: a field, not a local, so Wait does not allocate
	ready  []Event
	closed bool
}

var _ Poller = (*PollPoller)(nil)

// NewPollPoller returns an empty poll(2) poller. It holds no kernel
// resources, so it cannot fail.
func NewPollPoller() *PollPoller {
	return &PollPoller{index: make(map[int]int)}
}

// Name returns "poll".
func (p *PollPoller) Name() string { return "poll" }

// Len returns the number of watched descriptors.
func (p *PollPoller) Len() int { return len(p.fds) }

// Add starts watching fd. It returns an error wrapping unix.EBADF for a
// negative fd (which poll(2) would silently ignore) and one wrapping
// unix.EEXIST if fd is already watched.
func (p *PollPoller) Add(fd int, events Events) error {
	if err := p.check("add", fd); err != nil {
		return err
	}
	if _, ok := p.index[fd]; ok {
		return fmt.Errorf("reactor: poll add fd %d: %w", fd, unix.EEXIST)
	}
	p.index[fd] = len(p.fds)
	p.fds = append(p.fds, unix.PollFd{Fd: int32(fd), Events: pollEvents(events)})
	return nil
}

// Modify changes the events watched on fd. It returns an error wrapping
// unix.ENOENT if fd is not watched.
func (p *PollPoller) Modify(fd int, events Events) error {
	if err := p.check("modify", fd); err != nil {
		return err
	}
	i, ok := p.index[fd]
	if !ok {
		return fmt.Errorf("reactor: poll modify fd %d: %w", fd, unix.ENOENT)
	}
	p.fds[i].Events = pollEvents(events)
	return nil
}

// Remove stops watching fd. It returns an error wrapping unix.ENOENT if fd
// is not watched.
func (p *PollPoller) Remove(fd int) error {
	if err := p.check("remove", fd); err != nil {
		return err
	}
	i, ok := p.index[fd]
	if !ok {
		return fmt.Errorf("reactor: poll remove fd %d: %w", fd, unix.ENOENT)
	}
	// Swap with the last entry: order does not matter to poll(2), and this
	// keeps removal O(1).
	last := len(p.fds) - 1
	if i != last {
		p.fds[i] = p.fds[last]
		p.index[int(p.fds[i].Fd)] = i
	}
	p.fds = p.fds[:last]
	delete(p.index, fd)
	return nil
}

// Wait blocks until a watched descriptor is ready or timeout has passed; see
// Poller. The timeout is capped at about 24.8 days. Hangup and error
// conditions are reported as Hangup|Readable, so a reader sees the end of
// file or the error; a descriptor closed while watched (POLLNVAL) is
// reported the same way, and the read then fails with EBADF.
func (p *PollPoller) Wait(timeout time.Duration) ([]Event, error) {
	if p.closed {
		return nil, fmt.Errorf("reactor: poll wait: poller closed: %w", unix.EBADF)
	}
	n, err := p.wait(timeout)
	if err == unix.EINTR {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reactor: %s on %d fds: %w", pollCall, len(p.fds), err)
	}
	p.ready = p.ready[:0]
	for i := 0; i < len(p.fds) && n > 0; i++ {
		re := p.fds[i].Revents
		if re == 0 {
			continue
		}
		n--
		var ev Events
		if re&unix.POLLIN != 0 {
			ev |= Readable
		}
		if re&unix.POLLOUT != 0 {
			ev |= Writable
		}
		if re&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			ev |= Hangup | Readable
		}
		p.ready = append(p.ready, Event{Fd: int(p.fds[i].Fd), Events: ev})
	}
	return p.ready, nil
}

// Close forgets all descriptors. Later calls to Wait fail; a second Close
// returns nil.
func (p *PollPoller) Close() error {
	p.closed = true
	p.fds = nil
	clear(p.index)
	return nil
}

func (p *PollPoller) check(op string, fd int) error {
	if p.closed {
		return fmt.Errorf("reactor: poll %s fd %d: poller closed: %w", op, fd, unix.EBADF)
	}
	// poll(2) skips negative descriptors instead of failing, and PollFd.Fd
	// is an int32 that would silently truncate a larger one.
	if fd < 0 || fd > math.MaxInt32 {
		return fmt.Errorf("reactor: poll %s fd %d: %w", op, fd, unix.EBADF)
	}
	return nil
}

func pollEvents(events Events) int16 {
	var e int16
	if events&Readable != 0 {
		e |= unix.POLLIN
	}
	if events&Writable != 0 {
		e |= unix.POLLOUT
	}
	return e
}
