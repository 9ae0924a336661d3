package reactor

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// A waker lets any goroutine interrupt the loop's Wait. It is an eventfd the
// loop watches for Readable, plus a flag that coalesces wakes: between two
// drains, only the first wake makes a system call.
type waker struct {
	efd  int
	flag atomic.Bool // a wake is pending: set by wake, cleared by drain

	// mu keeps close from closing efd while a wake is writing to it, so a
	// late wake can never write into a reused descriptor number.
	mu     sync.RWMutex
	closed bool
}

// wakeValue is the 8-byte counter increment an eventfd write needs, in host
// byte order.
var wakeValue = func() (b [8]byte) {
	binary.NativeEndian.PutUint64(b[:], 1)
	return b
}()

// newWaker returns a waker with a non-blocking, close-on-exec eventfd.
func newWaker() (*waker, error) {
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("reactor: eventfd: %w", err)
	}
	return &waker{efd: efd}, nil
}

// fd returns the eventfd to watch for Readable.
func (w *waker) fd() int { return w.efd }

// wake makes the eventfd readable and pending true, unless a wake is already
// pending. It is safe from any goroutine, never blocks on the loop, and does
// nothing after close.
func (w *waker) wake() {
	if !w.flag.CompareAndSwap(false, true) {
		return // an earlier wake has not been drained: the loop will see it
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return
	}
	for {
		_, err := unix.Write(w.efd, wakeValue[:])
		// EAGAIN means the counter is at its maximum: already readable.
		if err != unix.EINTR {
			return
		}
	}
}

// pending reports whether a wake has happened since the last drain. The loop
// uses it to skip a system call when it would only look at the waker.
func (w *waker) pending() bool { return w.flag.Load() }

// drain consumes all pending wakes. Only the loop goroutine calls it, and
// the loop looks for work only after drain returns.
//
// It empties the eventfd first and clears the flag after, as the Go runtime's
// own netpoll break does. The other order loses wakes: a wake landing between
// the clear and the read sets the flag and has its write consumed by that
// read, leaving the flag set on an empty eventfd; every later wake then sees
// the flag, skips its write, and the loop sleeps through them. In this order a
// wake that finds the flag still set happened before the clear, so the loop
// sees its work; one after the clear writes again.
func (w *waker) drain() {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if !w.closed {
		var buf [8]byte
		for {
			_, err := unix.Read(w.efd, buf[:])
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				break // EAGAIN: empty
			}
		}
	}
	w.flag.Store(false)
}

// close closes the eventfd. Wakes after close are ignored; a second close
// returns nil.
func (w *waker) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if err := unix.Close(w.efd); err != nil {
		return fmt.Errorf("reactor: close eventfd %d: %w", w.efd, err)
	}
	return nil
}
