package reactor

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// countingPoller counts what the loop asks of a Poller: registrations
// (Add, Modify, Remove: an epoll_ctl each on epoll) and waits (an
// epoll_wait or a poll(2) scan each).
type countingPoller struct {
	Poller
	adds, modifies, removes, waits int
}

func (p *countingPoller) registrations() int { return p.adds + p.modifies + p.removes }

func (p *countingPoller) Add(fd int, ev Events) error {
	p.adds++
	return p.Poller.Add(fd, ev)
}

func (p *countingPoller) Modify(fd int, ev Events) error {
	p.modifies++
	return p.Poller.Modify(fd, ev)
}

func (p *countingPoller) Remove(fd int) error {
	p.removes++
	return p.Poller.Remove(fd)
}

func (p *countingPoller) Wait(timeout time.Duration) ([]Event, error) {
	p.waits++
	return p.Poller.Wait(timeout)
}

// TestStreamEchoRoundTripCost pins the echo's steady state: a round trip
// (the peer sends, the server echoes, the peer reads) costs the server one
// wait and no poller registration, because a callback's writes are sent
// before the loop waits instead of on a writable event (which cost an
// epoll_ctl to arm, a wait, and an epoll_ctl to disarm per round trip).
func TestStreamEchoRoundTripCost(t *testing.T) {
	const warmup, trips, size = 5, 200, 100
	for _, name := range PollerNames {
		t.Run(name, func(t *testing.T) {
			inner, err := NewPoller(name)
			if err != nil {
				t.Fatal(err)
			}
			cp := &countingPoller{Poller: inner}
			r, _ := newTestReactor(t, Config{Poller: cp})
			var reads int
			var before, after countingPoller
			echo := func(net.Addr) Protocol {
				return &testProto{onData: func(p *testProto, data []byte) {
					p.t.Write(data)
					if reads++; reads == warmup {
						before = *cp
					} else if reads == warmup+trips {
						after = *cp
					}
				}, onLost: func(*testProto, error) { r.Stop() }}
			}
			port, err := r.ListenTCP(0, "127.0.0.1", 0, echo)
			if err != nil {
				t.Fatal(err)
			}
			peerErr := make(chan error, 1)
			go func() { peerErr <- echoPeer(port.Addr().String(), warmup+trips, size) }()
			run(t, r)
			if err := <-peerErr; err != nil {
				t.Fatal(err)
			}
			if reads != warmup+trips {
				// Two messages met in one read: the count below would be off.
				t.Skipf("%d reads for %d round trips", reads, warmup+trips)
			}
			regs, waits := after.registrations()-before.registrations(), after.waits-before.waits
			t.Logf("%d round trips: %d waits, %d registrations", trips, waits, regs)
			if regs > 2 {
				t.Errorf("%d poller registrations in %d round trips, want none", regs, trips)
			}
			// One wait per round trip; the slack is for interrupted waits.
			if waits > trips*3/2 {
				t.Errorf("%d waits in %d round trips, want about one each", waits, trips)
			}
		})
	}
}

// nonblockingPair is a connected pair of non-blocking UNIX stream sockets.
func nonblockingPair(t *testing.T) [2]int {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
	}
	return fds
}

// echoPeer sends n messages of size bytes to addr, each after the echo of
// the one before has come back whole.
func echoPeer(addr string, n, size int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	msg, got := bytes.Repeat([]byte("e"), size), make([]byte, size)
	for i := 0; i < n; i++ {
		if _, err := c.Write(msg); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, got); err != nil {
			return err
		}
	}
	return nil
}

// TestStreamWritesWaitForTheCallbackToReturn: what a callback writes is
// not sent inside Write, so an AbortConnection later in the same callback
// still drops it, and LoseConnection's ConnectionLost does not run inside
// the callback.
func TestStreamWritesWaitForTheCallbackToReturn(t *testing.T) {
	for _, tc := range []struct {
		name string
		then func(*StreamTransport)
		want string // what the peer reads
	}{
		{"abort drops the write", (*StreamTransport).AbortConnection, ""},
		{"lose connection sends it", (*StreamTransport).LoseConnection, "hello"},
		{"lose write connection sends it", (*StreamTransport).LoseWriteConnection, "hello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newTestReactor(t, Config{})
			fds := nonblockingPair(t)
			peer := fds[1]
			defer unix.Close(peer)
			var sentInCall, lostInCall bool
			p := &testProto{onMade: func(p *testProto) {
				p.t.WriteString("hello")
				var b [8]byte
				n, _ := unix.Read(peer, b[:])
				sentInCall = n > 0
				tc.then(p.t)
				lostInCall = len(p.lost) > 0
				r.CallLater(50*time.Millisecond, func() { r.Stop() })
			}}
			r.CallWhenRunning(func() { newStreamTransport(r, fds[0], false, nil, nil, p, nil).start() })
			run(t, r)
			if sentInCall || lostInCall {
				t.Fatalf("sent inside the call %v, lost inside the call %v", sentInCall, lostInCall)
			}
			var b [8]byte
			n, _ := unix.Read(peer, b[:])
			if got := string(b[:max(n, 0)]); got != tc.want {
				t.Fatalf("the peer read %q, want %q", got, tc.want)
			}
		})
	}
}

// TestWriteStringIsNotCopied: a long string written to many connections
// whose peers do not read is queued as it is, once for all of them, not
// copied per connection.
func TestWriteStringIsNotCopied(t *testing.T) {
	const conns = 20
	poem := strings.Repeat("Tyger Tyger, burning bright\n", 64<<10/28) // 64 KiB
	r, _ := newTestReactor(t, Config{})
	var transports []*StreamTransport
	for i := 0; i < conns; i++ {
		fds := nonblockingPair(t)
		defer unix.Close(fds[1])
		p := &testProto{}
		tr := newStreamTransport(r, fds[0], false, nil, nil, p, nil)
		tr.start()
		transports = append(transports, tr)
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	for _, tr := range transports {
		for i := 0; i < 8; i++ { // 512 KiB each: more than a socket buffer
			tr.WriteString(poem)
		}
	}
	r.flushWrites()
	runtime.ReadMemStats(&m1)
	written := conns * 8 * len(poem)
	allocated := int(m1.TotalAlloc - m0.TotalAlloc)
	t.Logf("%d bytes written, %d allocated", written, allocated)
	if allocated > written/20 {
		t.Errorf("writing %d bytes of one string allocated %d bytes: copied", written, allocated)
	}
	queued := 0
	for _, tr := range transports {
		for _, piece := range tr.out.pieces {
			if unsafe.SliceData(piece) != unsafe.StringData(poem) && len(piece) == len(poem) {
				t.Fatal("a whole queued piece is not the string itself")
			}
		}
		queued += tr.BufferedLen()
	}
	if queued == 0 {
		t.Skip("the sockets took everything: nothing was queued")
	}
}

// TestAcceptedHostAddress: a connection accepted on a port bound to one
// address reports that address as its host without asking the kernel (it
// shares the port's); on a wildcard port it reports the address the peer
// connected to.
func TestAcceptedHostAddress(t *testing.T) {
	for _, tc := range []struct {
		iface  string
		shared bool
	}{{"127.0.0.1", true}, {"0.0.0.0", false}} {
		t.Run(tc.iface, func(t *testing.T) {
			r, _ := newTestReactor(t, Config{})
			var server *StreamTransport
			port, err := r.ListenTCP(0, tc.iface, 0, func(net.Addr) Protocol {
				return &testProto{onMade: func(p *testProto) { server = p.t; r.Stop() }}
			})
			if err != nil {
				t.Fatal(err)
			}
			portNumber := port.Addr().(*net.TCPAddr).Port
			go func() {
				if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", fmt.Sprint(portNumber))); err == nil {
					defer c.Close()
					var b [1]byte
					c.Read(b[:])
				}
			}()
			run(t, r)
			if server == nil {
				t.Fatal("no connection")
			}
			if got, want := server.GetHost().String(), fmt.Sprintf("127.0.0.1:%d", portNumber); got != want {
				t.Fatalf("host %s, want %s", got, want)
			}
			if shared := server.GetHost() == port.Addr(); shared != tc.shared {
				t.Fatalf("host shared with the port: %v, want %v", shared, tc.shared)
			}
		})
	}
}
