//go:build linux

package reactor

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestEpollPollerFallback runs the epoll_wait path, which kernels since 5.11
// skip in favour of epoll_pwait2.
func TestEpollPollerFallback(t *testing.T) {
	p, err := NewEpollPoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	t.Logf("epoll_pwait2 available: %v", !epollPwait2Missing.Load())
	p.pwait2 = false

	pp := newPollerPipe(t)
	mustAdd(t, p, pp.r, Readable)
	for _, timeout := range []time.Duration{300 * time.Microsecond, 1500 * time.Microsecond, 20 * time.Millisecond} {
		checkNotEarly(t, p, timeout)
	}
	pp.write(t)
	if got := eventsFor(mustWait(t, p, time.Second), pp.r); got != Readable {
		t.Fatalf("events = %v, want Readable", got)
	}
}

// TestEpollPollerPwait2: where the kernel has epoll_pwait2 (a direct call
// tells), Wait uses it and keeps using it, waits with nanosecond timeouts
// and reports readiness; where it does not, the poller and the whole
// process fall back for good.
func TestEpollPollerPwait2(t *testing.T) {
	p, err := NewEpollPoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pp := newPollerPipe(t)
	mustAdd(t, p, pp.r, Readable)
	_, probe := epollPwait2(p.epfd, p.events, &unix.Timespec{})
	available := probe == nil
	if !available && probe != unix.ENOSYS && probe != unix.EPERM {
		t.Fatalf("epoll_pwait2 with a zero timeout: %v", probe)
	}
	t.Logf("epoll_pwait2 available: %v", available)
	check := func(after string) {
		t.Helper()
		if p.pwait2 != available || epollPwait2Missing.Load() == available {
			t.Fatalf("after %s: pwait2 %v, missing for the process %v; want %v, %v",
				after, p.pwait2, epollPwait2Missing.Load(), available, !available)
		}
	}
	mustWait(t, p, 0)
	check("Wait(0)")
	checkNotEarly(t, p, 300*time.Microsecond)
	check("Wait(300µs)")
	pp.write(t)
	if got := eventsFor(mustWait(t, p, time.Second), pp.r); got != Readable {
		t.Fatalf("events = %v, want Readable", got)
	}
	check("a Wait that found the pipe readable")
}
