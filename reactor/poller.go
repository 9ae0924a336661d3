package reactor

import (
	"errors"
	"fmt"
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

// ErrFdOutOfRange is returned by the select poller for a descriptor select(2)
// cannot represent (fd >= FD_SETSIZE, 1024).
var ErrFdOutOfRange = errors.New("reactor: file descriptor out of range for select (FD_SETSIZE is 1024)")

// ErrUnknownPoller is returned by NewPoller for a name it does not know.
var ErrUnknownPoller = errors.New("reactor: unknown poller")

// PollerNames lists the pollers NewPoller accepts, the default first.
var PollerNames = []string{"epoll", "poll", "select"}

// NewPoller returns a new poller by name: "epoll", "poll" or "select".
func NewPoller(name string) (Poller, error) {
	switch name {
	case "epoll":
		p, err := NewEpollPoller()
		if err != nil {
			return nil, err // not a non-nil Poller holding a nil pointer
		}
		return p, nil
	case "poll":
		return NewPollPoller(), nil
	case "select":
		return NewSelectPoller(), nil
	}
	return nil, fmt.Errorf("%w %q (want epoll, poll or select)", ErrUnknownPoller, name)
}
