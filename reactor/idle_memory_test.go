package reactor

import (
	"net"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// countingProto is one Protocol shared by every connection of a test, so
// that it costs nothing per connection; it counts ConnectionMade.
type countingProto struct{ made atomic.Int64 }

func (p *countingProto) ConnectionMade(*StreamTransport) { p.made.Add(1) }
func (p *countingProto) DataReceived([]byte)             {}
func (p *countingProto) ConnectionLost(error)            {}

// TestAcceptedConnectionBytes pins the Go heap the reactor keeps for an
// idle accepted TCP connection on each poller that can hold the test's
// descriptors: its StreamTransport, peer address, watch and poller
// bookkeeping, the shutdown set. The clients are raw sockets, no Go heap
// of their own. The bound is loose, for a noisy machine: it catches a
// buffer or a map per connection come back, not a few bytes. Before/after
// figures are in the commit messages.
func TestAcceptedConnectionBytes(t *testing.T) {
	const n = 1000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < 2*n+100 {
		lim.Cur = min(lim.Max, 2*n+100)
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); lim.Cur < 2*n+100 {
			t.Skipf("needs %d descriptors, the limit is %d", 2*n+100, lim.Cur)
		}
	}
	for _, name := range PollerNames {
		if name == "select" {
			continue // FD_SETSIZE is below the test's descriptors
		}
		t.Run(name, func(t *testing.T) {
			p, err := NewPoller(name)
			if err != nil {
				t.Fatal(err)
			}
			r, _ := newTestReactor(t, Config{Poller: p})
			proto := &countingProto{}
			port, err := r.ListenTCP(0, "127.0.0.1", 1024, func(net.Addr) Protocol { return proto })
			if err != nil {
				t.Fatal(err)
			}
			addr := &unix.SockaddrInet4{Port: port.Addr().(*net.TCPAddr).Port, Addr: [4]byte{127, 0, 0, 1}}
			var before, after runtime.MemStats
			r.CallWhenRunning(func() {
				runtime.GC()
				runtime.ReadMemStats(&before)
				go connectIdle(t, r, proto, addr, n, &after)
			})
			run(t, r)
			per := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
			t.Logf("%s: %.0f bytes of heap per idle accepted connection", name, per)
			if per > 600 {
				t.Errorf("an idle accepted connection keeps %.0f bytes, want at most 600", per)
			}
		})
	}
}

// connectIdle opens n connections to addr, waits until the reactor has
// made them all, reads the heap into after on the reactor's goroutine and
// stops it; the client sockets are closed once it has stopped.
func connectIdle(t *testing.T, r *Reactor, proto *countingProto, addr unix.Sockaddr, n int, after *runtime.MemStats) {
	var fds []int
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	stop := func() { _ = r.CallFromGoroutine(func() { r.Stop() }) }
	for range n {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
		if err == nil {
			fds = append(fds, fd)
			err = unix.Connect(fd, addr)
		}
		if err != nil {
			t.Errorf("connect: %v", err)
			stop()
			return
		}
	}
	for deadline := time.Now().Add(20 * time.Second); proto.made.Load() < int64(n); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("%d of %d connections made", proto.made.Load(), n)
			stop()
			return
		}
	}
	done := make(chan struct{})
	_ = r.CallFromGoroutine(func() {
		runtime.GC()
		runtime.ReadMemStats(after)
		r.Stop()
		close(done)
	})
	<-done
}
