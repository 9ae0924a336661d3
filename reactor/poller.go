package reactor

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Events is a set of readiness conditions on a file descriptor.
type Events uint32

const (
	// Readable: a read would not block (data, end of file, or a pending error).
	Readable Events = 1 << iota
	// Writable: a write would not block.
	Writable
	// Hangup: the peer closed its end, or the descriptor is in error.
	Hangup
)

// Event reports that Fd is ready for Events.
type Event struct {
	Fd     int
	Events Events
}

// A Poller waits for readiness on a set of file descriptors. It is the one
// place where the reactor blocks: an idle loop sleeps inside Wait, in the
// kernel, and uses no CPU.
//
// A Poller is used by one goroutine at a time (the loop's).
type Poller interface {
	// Name is "select", "poll" or "epoll".
	Name() string
	// Add starts watching fd for events. Adding a watched fd is an error.
	Add(fd int, events Events) error
	// Modify changes the events watched on fd.
	Modify(fd int, events Events) error
	// Remove stops watching fd.
	Remove(fd int) error
	// Len is the number of watched descriptors.
	Len() int
	// Wait blocks until a watched descriptor is ready or timeout has passed,
	// never returning before timeout unless a descriptor is ready: timeouts are
	// rounded up to the system call's resolution, never down. A negative
	// timeout waits forever; zero only looks. The returned slice is valid until
	// the next call. An interrupted system call (EINTR) returns no events and no
	// error: the caller recomputes its timeout from its own deadline.
	Wait(timeout time.Duration) ([]Event, error)
	// Close releases the poller's kernel resources.
	Close() error
}

// maxWait caps every poller's timeout. It is the longest whole number of
// seconds whose milliseconds still fit the int timeout of epoll_wait(2) and poll(2)
// (MaxInt32 ms, about 24.8 days), the cap Twisted uses too. A longer wait
// returns early with no events, and the caller waits again toward its
// deadline.
const maxWait = 2147483 * time.Second

// waitMillis converts a Wait timeout to the milliseconds of epoll_wait(2)
// and poll(2): -1 for
// forever, otherwise rounded up and capped at maxWait. Rounding down would
// turn a 0.4 ms wait into 0 ms, and the loop would spin until its deadline
// instead of sleeping.
func waitMillis(timeout time.Duration) int {
	if timeout < 0 {
		return -1
	}
	return int((min(timeout, maxWait) + time.Millisecond - 1) / time.Millisecond)
}

// ErrFdOutOfRange is returned by the select poller for a descriptor select(2)
// cannot represent (fd >= FD_SETSIZE, 1024), wrapped in an error that names
// the descriptor.
var ErrFdOutOfRange = errors.New("descriptor out of range for select: FD_SETSIZE is 1024; use the poll or epoll poller")

// ErrUnknownPoller is returned by NewPoller for a name it does not know.
var ErrUnknownPoller = errors.New("reactor: unknown poller")

// PollerNames lists the pollers NewPoller accepts on this system, the
// default first: epoll, poll and select on Linux; poll and select on other
// Unix systems.
var PollerNames = pollerNames

// DefaultPoller is the poller a reactor gets when none is asked for: epoll on
// Linux, poll elsewhere.
var DefaultPoller = pollerNames[0]

// NewPoller returns a new poller by name, one of PollerNames.
func NewPoller(name string) (Poller, error) {
	switch name {
	case "poll":
		return NewPollPoller(), nil
	case "select":
		return NewSelectPoller(), nil
	}
	if p, ok, err := newSystemPoller(name); ok {
		return p, err
	}
	return nil, fmt.Errorf("%w %q (want %s)", ErrUnknownPoller, name, WantPollers(name))
}

// WantPollers is what a message about the unknown poller name lists instead:
// "epoll, poll or select", or on a system without epoll, "poll or select",
// adding "; epoll is Linux only" when name is "epoll".
func WantPollers(name string) string {
	n := len(PollerNames)
	return strings.Join(PollerNames[:n-1], ", ") + " or " + PollerNames[n-1] + unavailableNote(name)
}

// newDefaultPoller is the poller of a Config without one.
func newDefaultPoller() (Poller, error) { return NewPoller(DefaultPoller) }
