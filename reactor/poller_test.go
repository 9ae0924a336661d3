package reactor

import (
	"errors"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/loopscript/loopscript/internal/testfiles"
	"golang.org/x/sys/unix"
)

// CI is a noisy two-core machine: upper bounds on elapsed time are loose and
// only catch a Wait that ignores its timeout altogether.
const pollerSlack = 2 * time.Second

// pollerPipe is a non-blocking pipe whose ends close at most once, so a test
// that closes one end early never closes a reused descriptor number later.
type pollerPipe struct{ r, w int }

func newPollerPipe(t testing.TB) *pollerPipe {
	t.Helper()
	fds, err := testfiles.Pipe()
	if err != nil {
		t.Fatalf("pipe: %v", err)
	}
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatalf("set non-blocking: %v", err)
		}
	}
	p := &pollerPipe{r: fds[0], w: fds[1]}
	t.Cleanup(func() {
		p.closeR()
		p.closeW()
	})
	return p
}

func (p *pollerPipe) closeR() {
	if p.r >= 0 {
		unix.Close(p.r)
		p.r = -1
	}
}

func (p *pollerPipe) closeW() {
	if p.w >= 0 {
		unix.Close(p.w)
		p.w = -1
	}
}

func (p *pollerPipe) write(t testing.TB) {
	t.Helper()
	if _, err := unix.Write(p.w, []byte("x")); err != nil {
		t.Fatalf("write to pipe: %v", err)
	}
}

// eachPoller runs f against a fresh poller of every kind.
func eachPoller(t *testing.T, f func(t *testing.T, p Poller)) {
	t.Helper()
	for _, name := range PollerNames {
		t.Run(name, func(t *testing.T) {
			p, err := NewPoller(name)
			if err != nil {
				t.Fatalf("NewPoller(%q): %v", name, err)
			}
			t.Cleanup(func() { p.Close() })
			if got := p.Name(); got != name {
				t.Errorf("Name() = %q, want %q", got, name)
			}
			f(t, p)
		})
	}
}

// eventsFor merges the events reported for fd.
func eventsFor(evs []Event, fd int) Events {
	var e Events
	for _, ev := range evs {
		if ev.Fd == fd {
			e |= ev.Events
		}
	}
	return e
}

func mustWait(t *testing.T, p Poller, timeout time.Duration) []Event {
	t.Helper()
	evs, err := p.Wait(timeout)
	if err != nil {
		t.Fatalf("Wait(%v): %v", timeout, err)
	}
	return evs
}

func mustAdd(t *testing.T, p Poller, fd int, events Events) {
	t.Helper()
	if err := p.Add(fd, events); err != nil {
		t.Fatalf("Add(%d): %v", fd, err)
	}
}

// checkNotEarly asserts that Wait(timeout), with nothing ready, takes at
// least timeout. Wait may legitimately return early on EINTR (a signal hit
// the thread), which looks the same from outside, so an early return is
// retried; a rounding bug returns early every time and still fails.
func checkNotEarly(t *testing.T, p Poller, timeout time.Duration) {
	t.Helper()
	const attempts = 3
	for i := 1; ; i++ {
		start := time.Now()
		evs := mustWait(t, p, timeout)
		elapsed := time.Since(start)
		if len(evs) != 0 {
			t.Fatalf("Wait(%v) with nothing ready returned %v", timeout, evs)
		}
		if elapsed >= timeout {
			if elapsed > timeout+pollerSlack {
				t.Fatalf("Wait(%v) took %v", timeout, elapsed)
			}
			return
		}
		if i == attempts {
			t.Fatalf("Wait(%v) returned early, after %v, %d times in a row", timeout, elapsed, attempts)
		}
		t.Logf("Wait(%v) returned after %v (EINTR?); retrying", timeout, elapsed)
	}
}

func TestPoller(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, p Poller)
	}{
		{"empty zero timeout", func(t *testing.T, p Poller) {
			if evs := mustWait(t, p, 0); len(evs) != 0 {
				t.Fatalf("Wait(0) on an empty poller = %v", evs)
			}
		}},
		{"nothing ready zero timeout", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.r, Readable)
			start := time.Now()
			evs := mustWait(t, p, 0)
			if elapsed := time.Since(start); elapsed > pollerSlack {
				t.Errorf("Wait(0) took %v", elapsed)
			}
			if len(evs) != 0 {
				t.Fatalf("Wait(0) = %v, want no events", evs)
			}
		}},
		{"readable", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.r, Readable)
			pp.write(t)
			evs := mustWait(t, p, time.Second)
			if got := eventsFor(evs, pp.r); got&Readable == 0 || got&Writable != 0 {
				t.Fatalf("read end events = %v (all: %v), want Readable", got, evs)
			}
		}},
		{"writable", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.w, Writable)
			evs := mustWait(t, p, time.Second)
			if got := eventsFor(evs, pp.w); got != Writable {
				t.Fatalf("write end events = %v (all: %v), want Writable", got, evs)
			}
		}},
		{"read and write interest on separate fds", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.r, Readable)
			mustAdd(t, p, pp.w, Writable)
			pp.write(t)
			evs := mustWait(t, p, time.Second)
			if len(evs) != 2 || eventsFor(evs, pp.r) != Readable || eventsFor(evs, pp.w) != Writable {
				t.Fatalf("events = %v, want fd %d Readable and fd %d Writable", evs, pp.r, pp.w)
			}
		}},
		{"peer closed", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.r, Readable)
			pp.closeW()
			evs := mustWait(t, p, time.Second)
			got := eventsFor(evs, pp.r)
			if got&Readable == 0 {
				t.Fatalf("read end events after peer close = %v, want Readable (EOF)", got)
			}
			// select(2) cannot tell a hangup from readability; the others must.
			if p.Name() != "select" && got&Hangup == 0 {
				t.Fatalf("read end events after peer close = %v, want Hangup too", got)
			}
		}},
		{"remove stops reporting", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.r, Readable)
			pp.write(t)
			if got := eventsFor(mustWait(t, p, time.Second), pp.r); got&Readable == 0 {
				t.Fatalf("events = %v, want Readable", got)
			}
			if err := p.Remove(pp.r); err != nil {
				t.Fatalf("Remove: %v", err)
			}
			if p.Len() != 0 {
				t.Errorf("Len() after Remove = %d, want 0", p.Len())
			}
			if evs := mustWait(t, p, 0); len(evs) != 0 {
				t.Fatalf("Wait after Remove = %v, want no events", evs)
			}
			if err := p.Remove(pp.r); !errors.Is(err, unix.ENOENT) {
				t.Fatalf("second Remove = %v, want ENOENT", err)
			}
		}},
		{"add twice", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.r, Readable)
			if err := p.Add(pp.r, Readable); !errors.Is(err, unix.EEXIST) {
				t.Fatalf("second Add = %v, want EEXIST", err)
			}
			if p.Len() != 1 {
				t.Errorf("Len() = %d, want 1", p.Len())
			}
		}},
		{"modify switches interest", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			pp.write(t)
			mustAdd(t, p, pp.r, Readable)
			mustAdd(t, p, pp.w, Readable) // a write end is never readable
			evs := mustWait(t, p, 0)
			if eventsFor(evs, pp.r) != Readable || eventsFor(evs, pp.w) != 0 {
				t.Fatalf("before Modify: events = %v, want only fd %d Readable", evs, pp.r)
			}
			for _, fd := range []int{pp.r, pp.w} {
				if err := p.Modify(fd, Writable); err != nil {
					t.Fatalf("Modify(%d): %v", fd, err)
				}
			}
			evs = mustWait(t, p, 0)
			if eventsFor(evs, pp.r) != 0 || eventsFor(evs, pp.w) != Writable {
				t.Fatalf("after Modify: events = %v, want only fd %d Writable", evs, pp.w)
			}
			if p.Len() != 2 {
				t.Errorf("Len() = %d, want 2", p.Len())
			}
		}},
		{"modify or remove unwatched", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			if err := p.Modify(pp.r, Readable); !errors.Is(err, unix.ENOENT) {
				t.Errorf("Modify of unwatched fd = %v, want ENOENT", err)
			}
			if err := p.Remove(pp.r); !errors.Is(err, unix.ENOENT) {
				t.Errorf("Remove of unwatched fd = %v, want ENOENT", err)
			}
		}},
		{"negative fd refused", func(t *testing.T, p Poller) {
			if err := p.Add(-1, Readable); err == nil {
				t.Fatal("Add(-1) succeeded")
			}
			if p.Len() != 0 {
				t.Errorf("Len() = %d, want 0", p.Len())
			}
		}},
		{"len", func(t *testing.T, p Poller) {
			a, b := newPollerPipe(t), newPollerPipe(t)
			for _, fd := range []int{a.r, a.w, b.r} {
				mustAdd(t, p, fd, Readable)
			}
			if err := p.Remove(a.w); err != nil {
				t.Fatal(err)
			}
			if p.Len() != 2 {
				t.Fatalf("Len() = %d, want 2", p.Len())
			}
		}},
		{"many ready fds all reported", func(t *testing.T, p Poller) {
			// More than epoll's initial buffer, so it must grow or rotate.
			const n = 100
			want := make(map[int]bool)
			for range n {
				pp := newPollerPipe(t)
				pp.write(t)
				mustAdd(t, p, pp.r, Readable)
				want[pp.r] = true
			}
			seen := make(map[int]bool)
			for range 3 {
				for _, ev := range mustWait(t, p, 0) {
					if !want[ev.Fd] || ev.Events&Readable == 0 {
						t.Fatalf("unexpected event %+v", ev)
					}
					seen[ev.Fd] = true
				}
			}
			if len(seen) != n {
				t.Fatalf("saw %d of %d ready fds in 3 Waits", len(seen), n)
			}
		}},
		{"fd closed without remove", func(t *testing.T, p Poller) {
			// The kernels' answers differ (select: EBADF; poll: POLLNVAL;
			// epoll: silently dropped); what matters is no panic, and that
			// Remove then cleans up.
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.r, Readable)
			fd := pp.r
			pp.closeR()
			evs, err := p.Wait(0)
			t.Logf("Wait with a closed fd: events %v, error %v", evs, err)
			if err := p.Remove(fd); err != nil {
				t.Fatalf("Remove of a closed fd: %v", err)
			}
			if evs := mustWait(t, p, 0); len(evs) != 0 {
				t.Fatalf("Wait after Remove = %v", evs)
			}
		}},
		{"timeout 20ms not early", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.r, Readable)
			checkNotEarly(t, p, 20*time.Millisecond)
		}},
		{"timeout 300us not early", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.r, Readable)
			for range 5 {
				checkNotEarly(t, p, 300*time.Microsecond)
			}
		}},
		{"timeout 1500us not early", func(t *testing.T, p Poller) {
			checkNotEarly(t, p, 1500*time.Microsecond)
		}},
		{"ready fd ends a long wait", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.r, Readable)
			done := make(chan struct{})
			defer func() { <-done }() // the writer must not outlive pp
			go func() {
				defer close(done)
				time.Sleep(10 * time.Millisecond)
				unix.Write(pp.w, []byte("x"))
			}()
			start := time.Now()
			var evs []Event
			for len(evs) == 0 && time.Since(start) < 10*time.Second {
				evs = mustWait(t, p, 10*time.Second) // loop: EINTR returns no events
			}
			if eventsFor(evs, pp.r)&Readable == 0 {
				t.Fatalf("events = %v, want Readable", evs)
			}
		}},
		{"close", func(t *testing.T, p Poller) {
			pp := newPollerPipe(t)
			mustAdd(t, p, pp.r, Readable)
			if err := p.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if _, err := p.Wait(0); !errors.Is(err, unix.EBADF) {
				t.Errorf("Wait after Close = %v, want EBADF", err)
			}
			if err := p.Add(pp.w, Writable); err == nil {
				t.Errorf("Add after Close succeeded")
			}
			p.Close() // must not panic; nil or an error are both fine
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { eachPoller(t, c.run) })
	}
}

// TestNewPollerUnknown: a name this system has no poller for fails with
// ErrUnknownPoller and a message listing what it has; epoll, outside Linux,
// says why.
func TestNewPollerUnknown(t *testing.T) {
	cases := []struct{ name, want string }{
		{"bogus", `reactor: unknown poller "bogus" (want epoll, poll or select)`},
		{"kqueue", `reactor: unknown poller "kqueue" (want epoll, poll or select)`},
		{"epoll", ""}, // known on Linux
	}
	if runtime.GOOS != "linux" {
		cases = []struct{ name, want string }{
			{"bogus", `reactor: unknown poller "bogus" (want poll or select)`},
			{"epoll", `reactor: unknown poller "epoll" (want poll or select; epoll is Linux only)`},
		}
	}
	for _, c := range cases {
		p, err := NewPoller(c.name)
		if c.want == "" {
			if err != nil {
				t.Errorf("NewPoller(%q): %v", c.name, err)
			} else {
				p.Close()
			}
			continue
		}
		if !errors.Is(err, ErrUnknownPoller) || err.Error() != c.want {
			t.Errorf("NewPoller(%q) error = %v, want %s (ErrUnknownPoller)", c.name, err, c.want)
		}
		if p != nil {
			t.Errorf("NewPoller(%q) poller = %v, want nil", c.name, p)
		}
	}
	if PollerNames[0] != DefaultPoller {
		t.Errorf("DefaultPoller %q is not PollerNames[0] (%v)", DefaultPoller, PollerNames)
	}
}

func TestSelectPollerFdRange(t *testing.T) {
	p := NewSelectPoller()
	defer p.Close()
	for _, fd := range []int{-1, -100, 1024, 1025, 1 << 20} {
		if err := p.Add(fd, Readable); !errors.Is(err, ErrFdOutOfRange) {
			t.Errorf("Add(%d) = %v, want ErrFdOutOfRange", fd, err)
		}
		if err := p.Modify(fd, Readable); !errors.Is(err, ErrFdOutOfRange) {
			t.Errorf("Modify(%d) = %v, want ErrFdOutOfRange", fd, err)
		}
		if err := p.Remove(fd); !errors.Is(err, ErrFdOutOfRange) {
			t.Errorf("Remove(%d) = %v, want ErrFdOutOfRange", fd, err)
		}
	}
	if p.Len() != 0 {
		t.Fatalf("Len() = %d, want 0", p.Len())
	}
	// 1023 is the last descriptor an fd_set holds; Add does not need it open.
	if err := p.Add(1023, Readable); err != nil {
		t.Fatalf("Add(1023): %v", err)
	}
	if err := p.Remove(1023); err != nil {
		t.Fatalf("Remove(1023): %v", err)
	}
	if p.maxFd != -1 {
		t.Fatalf("maxFd after removing all = %d, want -1", p.maxFd)
	}

	// A watched descriptor closed behind the poller's back is an error, not
	// a panic.
	pp := newPollerPipe(t)
	mustAdd(t, p, pp.r, Readable)
	pp.closeR()
	if _, err := p.Wait(0); !errors.Is(err, unix.EBADF) {
		t.Fatalf("Wait with a closed fd = %v, want EBADF", err)
	}
}

func TestPollerTimeoutRounding(t *testing.T) {
	cases := []struct {
		in     time.Duration
		ms     int
		sec    int64
		usec   int64
		reason string
	}{
		{-1, -1, 0, 0, "negative waits forever"},
		{0, 0, 0, 0, "zero only looks"},
		{1, 1, 0, 1, "one nanosecond rounds up"},
		{400 * time.Microsecond, 1, 0, 400, "0.4 ms must not become 0 ms"},
		{time.Millisecond, 1, 0, 1000, "exact"},
		{time.Millisecond + 1, 2, 0, 1001, "just over rounds up"},
		{1500 * time.Millisecond, 1500, 1, 500000, "seconds carry"},
		{maxWait, math.MaxInt32 / 1000 * 1000, 2147483, 0, "cap"},
		{math.MaxInt64, math.MaxInt32 / 1000 * 1000, 2147483, 0, "huge is capped, not wrapped"},
	}
	for _, c := range cases {
		if got := waitMillis(c.in); got != c.ms {
			t.Errorf("waitMillis(%v) = %d, want %d (%s)", c.in, got, c.ms, c.reason)
		}
		if c.in < 0 {
			continue // select takes a nil Timeval for forever
		}
		if got := selectTimeval(c.in); int64(got.Sec) != c.sec || int64(got.Usec) != c.usec {
			t.Errorf("selectTimeval(%v) = %+v, want {Sec:%d Usec:%d} (%s)", c.in, got, c.sec, c.usec, c.reason)
		}
	}
}

func TestPollerWaitZeroAllocs(t *testing.T) {
	eachPoller(t, func(t *testing.T, p Poller) {
		pp := newPollerPipe(t)
		mustAdd(t, p, pp.r, Readable)
		mustAdd(t, p, pp.w, Writable)
		for _, ready := range []bool{false, true} {
			if ready {
				pp.write(t)
			}
			mustWait(t, p, 0) // warm up: the first Wait may size the event slice
			allocs := testing.AllocsPerRun(100, func() {
				if _, err := p.Wait(0); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("Wait(0) with read end ready=%v: %v allocs/op, want 0", ready, allocs)
			}
		}
	})
}

func BenchmarkPollerWaitZero(b *testing.B) {
	for _, name := range PollerNames {
		b.Run(name, func(b *testing.B) {
			p, err := NewPoller(name)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			pp := newPollerPipe(b)
			pp.write(b)
			if err := p.Add(pp.r, Readable); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				evs, err := p.Wait(0)
				if err != nil {
					b.Fatal(err)
				}
				if len(evs) != 1 {
					b.Fatalf("got %d events, want 1", len(evs))
				}
			}
		})
	}
}
