package reactor

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// A waker lets any goroutine interrupt the loop's Wait. It is a descriptor
// the loop watches for Readable (an eventfd on Linux, the read end of a pipe
// elsewhere; see newWakerFds), plus a flag that coalesces wakes: between two
// drains, only the first wake makes a system call.
type waker struct {
	rfd  int         // watched and drained by the loop
	wfd  int         // written by wake; rfd itself for an eventfd
	flag atomic.Bool // a wake is pending: set by wake, cleared by drain

	// mu keeps close from closing the descriptors while a wake is writing,
	// so a late wake can never write into a reused descriptor number.
	mu     sync.RWMutex
	closed bool
}

// wakeValue is what a wake writes: the 8-byte counter increment an eventfd
// write needs, in host byte order (a pipe takes any bytes).
var wakeValue = func() (b [8]byte) {
	binary.NativeEndian.PutUint64(b[:], 1)
	return b
}()

// newWaker returns a waker whose descriptors are non-blocking and
// close-on-exec.
func newWaker() (*waker, error) {
	rfd, wfd, err := newWakerFds()
	if err != nil {
		return nil, err
	}
	return &waker{rfd: rfd, wfd: wfd}, nil
}

// fd returns the descriptor to watch for Readable.
func (w *waker) fd() int { return w.rfd }

// wake makes the descriptor readable and pending true, unless a wake is
// already pending. It is safe from any goroutine, never blocks on the loop,
// and does nothing after close.
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
		_, err := unix.Write(w.wfd, wakeValue[:])
		// EAGAIN means the counter is at its maximum, or the pipe full:
		// readable already.
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
// It empties the descriptor first and clears the flag after, as the Go
// runtime's own netpoll break does. The other order loses wakes: a wake
// landing between the clear and the read sets the flag and has its write
// consumed by that read, leaving the flag set on an empty descriptor; every
// later wake then sees the flag, skips its write, and the loop sleeps through
// them. In this order a wake that finds the flag still set happened before
// the clear, so the loop sees its work; one after the clear writes again.
func (w *waker) drain() {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if !w.closed {
		var buf [64]byte
		for {
			_, err := unix.Read(w.rfd, buf[:])
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

// close closes the descriptors. Wakes after close are ignored; a second
// close returns nil.
func (w *waker) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := unix.Close(w.rfd)
	if w.wfd != w.rfd {
		if werr := unix.Close(w.wfd); err == nil {
			err = werr
		}
	}
	if err != nil {
		return fmt.Errorf("reactor: close waker fd %d: %w", w.rfd, err)
	}
	return nil
}
