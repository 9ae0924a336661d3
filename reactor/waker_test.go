package reactor

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func newTestWaker(t testing.TB) *waker {
	t.Helper()
	w, err := newWaker()
	if err != nil {
		t.Fatalf("newWaker: %v", err)
	}
	t.Cleanup(func() { w.close() })
	return w
}

// wakerWrites reads (and so resets) what wakes wrote, and returns how many
// writes that was: an eventfd holds their count, a pipe their bytes. 0 means
// the descriptor was not readable.
func wakerWrites(t *testing.T, w *waker) uint64 {
	t.Helper()
	var buf [4096]byte
	n, err := unix.Read(w.fd(), buf[:])
	if err == unix.EAGAIN {
		return 0
	}
	if err != nil {
		t.Fatalf("read waker: %v", err)
	}
	if w.rfd == w.wfd { // an eventfd
		return binary.NativeEndian.Uint64(buf[:8])
	}
	return uint64(n / len(wakeValue))
}

func TestWakerWakesPoller(t *testing.T) {
	eachPoller(t, func(t *testing.T, p Poller) {
		w := newTestWaker(t)
		mustAdd(t, p, w.fd(), Readable)

		// A second fd guards against a lost wake hanging the test forever.
		guard := newPollerPipe(t)
		mustAdd(t, p, guard.r, Readable)
		timer := time.AfterFunc(10*time.Second, func() { unix.Write(guard.w, []byte("x")) })
		defer timer.Stop()

		go func() {
			time.Sleep(20 * time.Millisecond)
			w.wake()
		}()
		var evs []Event
		for len(evs) == 0 {
			evs = mustWait(t, p, -1) // loop: EINTR returns no events
		}
		if eventsFor(evs, guard.r) != 0 {
			t.Fatalf("Wait(-1) ended by the 10 s guard, not the wake")
		}
		if got := eventsFor(evs, w.fd()); got != Readable {
			t.Fatalf("waker fd events = %v (all: %v), want Readable", got, evs)
		}
		if !w.pending() {
			t.Fatal("pending() = false after wake")
		}
		w.drain()
		if evs := mustWait(t, p, 0); len(evs) != 0 {
			t.Fatalf("Wait(0) after drain = %v, want no events", evs)
		}
	})
}

func TestWakerCoalesces(t *testing.T) {
	eachPoller(t, func(t *testing.T, p Poller) {
		w := newTestWaker(t)
		mustAdd(t, p, w.fd(), Readable)

		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 1000 {
					w.wake()
				}
			})
		}
		wg.Wait()
		if !w.pending() {
			t.Fatal("pending() = false after wakes")
		}
		if got := eventsFor(mustWait(t, p, 0), w.fd()); got != Readable {
			t.Fatalf("waker fd events = %v, want Readable", got)
		}
		w.drain()
		if w.pending() {
			t.Fatal("pending() = true after drain")
		}
		if evs := mustWait(t, p, 0); len(evs) != 0 {
			t.Fatalf("Wait(0) after drain = %v, want no events", evs)
		}
	})
}

func TestWakerWritesOncePerBatch(t *testing.T) {
	w := newTestWaker(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				w.wake()
			}
		})
	}
	wg.Wait()
	if n := wakerWrites(t, w); n != 1 {
		t.Fatalf("8000 wakes without a drain wrote %d times, want 1", n)
	}
	// Still pending: a further wake must not write.
	w.wake()
	if n := wakerWrites(t, w); n != 0 {
		t.Fatalf("wake while pending wrote %d times, want 0", n)
	}
	w.drain()
	w.wake()
	if n := wakerWrites(t, w); n != 1 {
		t.Fatalf("wake after drain wrote %d times, want 1", n)
	}
}

func TestWakerPending(t *testing.T) {
	w := newTestWaker(t)
	steps := []struct {
		do   func()
		name string
		want bool
	}{
		{func() {}, "new", false},
		{w.wake, "wake", true},
		{w.wake, "wake again", true},
		{w.drain, "drain", false},
		{w.drain, "drain again", false},
		{w.wake, "wake after drain", true},
		{w.drain, "final drain", false},
	}
	for _, s := range steps {
		s.do()
		if got := w.pending(); got != s.want {
			t.Fatalf("after %s: pending() = %v, want %v", s.name, got, s.want)
		}
	}
	if n := wakerWrites(t, w); n != 0 {
		t.Fatalf("waker readable (%d writes) after the final drain", n)
	}
}

// TestWakerNoLostWakeups races a producer that changes state and wakes
// against a loop that drains and then reads the state. If a wake could be
// lost between drain's read and its flag update, the loop would sleep
// through the producer's last change.
func TestWakerNoLostWakeups(t *testing.T) {
	const n = 20000
	p, err := NewPoller(DefaultPoller)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	w := newTestWaker(t)
	mustAdd(t, p, w.fd(), Readable)

	var state atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range n {
			state.Add(1)
			w.wake()
		}
	}()
	defer func() { <-done }()

	const patience = 5 * time.Second
	for {
		w.drain()
		seen := state.Load()
		if seen == n {
			return
		}
		start := time.Now()
		evs := mustWait(t, p, patience)
		if len(evs) == 0 && time.Since(start) >= patience {
			t.Fatalf("lost wake-up: slept %v with state %d of %d", patience, seen, n)
		}
	}
}

func TestWakerClose(t *testing.T) {
	w := newTestWaker(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				w.wake()
			}
		})
	}
	if err := w.close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	wg.Wait()
	w.wake()
	w.drain()
	w.wake()
	if err := w.close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

func BenchmarkWakerWakeDrain(b *testing.B) {
	w := newTestWaker(b)
	b.ReportAllocs()
	for b.Loop() {
		w.wake()
		w.wake() // coalesced: no system call
		w.drain()
	}
}
