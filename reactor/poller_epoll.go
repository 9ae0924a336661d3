//go:build linux

package reactor

import (
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sizes of the buffer epoll_wait fills. It starts small and doubles whenever
// a Wait fills it, so a busy loop soon collects all ready descriptors in one
// call; it never shrinks, so the steady state does not allocate.
const (
	epollMinEvents = 64
	epollMaxEvents = 4096
)

// epollPwait2Missing records, for the whole process, that the kernel (or a
// seccomp filter) refused epoll_pwait2, so later pollers skip the attempt.
var epollPwait2Missing atomic.Bool

// EpollPoller is a Poller built on epoll(7). Its cost per Wait depends on
// the number of ready descriptors, not watched ones.
//
// Wait uses epoll_pwait2(2) (Linux 5.11) for nanosecond timeouts. Where that
// system call is missing it falls back, for good, to epoll_wait(2) with the
// timeout rounded up to a whole millisecond: either way Wait never returns
// before its timeout unless a descriptor is ready.
//
// Remove a descriptor before closing it: the kernel drops a closed
// descriptor from the set on its own, but Len would still count it.
type EpollPoller struct {
	epfd    int              // -1 once closed
	watched map[int]struct{} // the kernel's set, mirrored for Len and errors
	events  []unix.EpollEvent
	ready   []Event
	ts      unix.Timespec // a field, not a local, so Wait does not allocate
	pwait2  bool          // try epoll_pwait2 first
}

var _ Poller = (*EpollPoller)(nil)

// NewEpollPoller returns an empty epoll poller. It fails only if the kernel
// cannot create an epoll instance (for example, out of descriptors).
func NewEpollPoller() (*EpollPoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("reactor: epoll_create1: %w", err)
	}
	return &EpollPoller{
		epfd:    epfd,
		watched: make(map[int]struct{}),
		events:  make([]unix.EpollEvent, epollMinEvents),
		pwait2:  !epollPwait2Missing.Load(),
	}, nil
}

// Name returns "epoll".
func (p *EpollPoller) Name() string { return "epoll" }

// Len returns the number of watched descriptors.
func (p *EpollPoller) Len() int { return len(p.watched) }

// Add starts watching fd. Errors come from epoll_ctl(2): adding a watched fd
// wraps unix.EEXIST, a closed or negative one unix.EBADF, and a regular file
// unix.EPERM.
func (p *EpollPoller) Add(fd int, events Events) error {
	if p.epfd < 0 {
		return p.closedError("add", fd)
	}
	ev := unix.EpollEvent{Events: epollEvents(events), Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("reactor: epoll_ctl add fd %d: %w", fd, err)
	}
	p.watched[fd] = struct{}{}
	return nil
}

// Modify changes the events watched on fd. It returns an error wrapping
// unix.ENOENT if fd is not watched.
func (p *EpollPoller) Modify(fd int, events Events) error {
	if p.epfd < 0 {
		return p.closedError("modify", fd)
	}
	ev := unix.EpollEvent{Events: epollEvents(events), Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev); err != nil {
		if err == unix.ENOENT {
			// The descriptor was closed (and maybe reused) without Remove.
			delete(p.watched, fd)
		}
		return fmt.Errorf("reactor: epoll_ctl modify fd %d: %w", fd, err)
	}
	p.watched[fd] = struct{}{}
	return nil
}

// Remove stops watching fd. It returns an error wrapping unix.ENOENT if fd
// is not watched. Removing a watched descriptor that was already closed
// succeeds.
func (p *EpollPoller) Remove(fd int) error {
	if p.epfd < 0 {
		return p.closedError("remove", fd)
	}
	if _, ok := p.watched[fd]; !ok {
		return fmt.Errorf("reactor: epoll_ctl remove fd %d: %w", fd, unix.ENOENT)
	}
	delete(p.watched, fd)
	err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
	if err == unix.EBADF || err == unix.ENOENT {
		// Closing the descriptor already took it out of the kernel's set.
		return nil
	}
	if err != nil {
		return fmt.Errorf("reactor: epoll_ctl remove fd %d: %w", fd, err)
	}
	return nil
}

// Wait blocks until a watched descriptor is ready or timeout has passed; see
// Poller. The timeout is capped at about 24.8 days. Hangup and error
// conditions are reported as Hangup|Readable, so a reader sees the end of
// file or the error.
func (p *EpollPoller) Wait(timeout time.Duration) ([]Event, error) {
	if p.epfd < 0 {
		return nil, fmt.Errorf("reactor: epoll wait: poller closed: %w", unix.EBADF)
	}
	n, err := p.wait(timeout)
	if err == unix.EINTR {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reactor: epoll wait on %d fds: %w", len(p.watched), err)
	}
	p.ready = p.ready[:0]
	for _, e := range p.events[:n] {
		var ev Events
		if e.Events&unix.EPOLLIN != 0 {
			ev |= Readable
		}
		if e.Events&unix.EPOLLOUT != 0 {
			ev |= Writable
		}
		if e.Events&(unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			ev |= Hangup | Readable
		}
		p.ready = append(p.ready, Event{Fd: int(e.Fd), Events: ev})
	}
	if n == len(p.events) && n < epollMaxEvents {
		// Full: more may be ready. Grow after copying out, since the old
		// buffer's contents are no longer needed.
		p.events = make([]unix.EpollEvent, 2*n)
	}
	return p.ready, nil
}

// wait runs one epoll_pwait2, or epoll_wait if that is missing, and returns
// its raw result.
func (p *EpollPoller) wait(timeout time.Duration) (int, error) {
	if p.pwait2 {
		var ts *unix.Timespec
		if timeout >= 0 {
			p.ts = unix.NsecToTimespec(int64(min(timeout, maxWait)))
			ts = &p.ts
		}
		n, err := epollPwait2(p.epfd, p.events, ts)
		// ENOSYS: kernel before 5.11. EPERM: older container seccomp
		// profiles deny unknown system calls that way; epoll_pwait2 has no
		// EPERM of its own.
		if err != unix.ENOSYS && err != unix.EPERM {
			return n, err
		}
		p.pwait2 = false
		epollPwait2Missing.Store(true)
	}
	return unix.EpollWait(p.epfd, p.events, waitMillis(timeout))
}

// Close closes the epoll descriptor; the watched descriptors stay open. A
// second Close returns nil.
func (p *EpollPoller) Close() error {
	if p.epfd < 0 {
		return nil
	}
	err := unix.Close(p.epfd)
	p.epfd = -1
	clear(p.watched)
	if err != nil {
		return fmt.Errorf("reactor: close epoll fd: %w", err)
	}
	return nil
}

func (p *EpollPoller) closedError(op string, fd int) error {
	return fmt.Errorf("reactor: epoll_ctl %s fd %d: poller closed: %w", op, fd, unix.EBADF)
}

// epollPwait2 is the epoll_pwait2(2) system call, which x/sys/unix does not
// wrap. It may block, so it goes through Syscall6 (which tells the Go
// scheduler) rather than RawSyscall6. The unsafe.Pointer conversions stay
// inside the call expression so the buffers are kept alive during the call.
func epollPwait2(epfd int, events []unix.EpollEvent, ts *unix.Timespec) (int, error) {
	r, _, errno := unix.Syscall6(unix.SYS_EPOLL_PWAIT2,
		uintptr(epfd),
		uintptr(unsafe.Pointer(unsafe.SliceData(events))),
		uintptr(len(events)),
		uintptr(unsafe.Pointer(ts)),
		0, // no signal mask
		0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

func epollEvents(events Events) uint32 {
	var e uint32
	if events&Readable != 0 {
		e |= unix.EPOLLIN
	}
	if events&Writable != 0 {
		e |= unix.EPOLLOUT
	}
	return e
}
