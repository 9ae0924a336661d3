package reactor

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testDatagram is a DatagramProtocol whose methods record their calls and
// run the hooks set.
type testDatagram struct {
	port     *UDPPort
	started  int
	stopped  int
	refused  int
	received []string
	from     []net.Addr
	onData   func(d *testDatagram, data []byte, addr net.Addr)
	onRefuse func(d *testDatagram)
	onStop   func(d *testDatagram)
}

func (d *testDatagram) StartProtocol(p *UDPPort) { d.port = p; d.started++ }

func (d *testDatagram) DatagramReceived(data []byte, addr net.Addr) {
	d.received = append(d.received, string(data))
	d.from = append(d.from, addr)
	if d.onData != nil {
		d.onData(d, data, addr)
	}
}

func (d *testDatagram) ConnectionRefused() {
	d.refused++
	if d.onRefuse != nil {
		d.onRefuse(d)
	}
}

func (d *testDatagram) StopProtocol() {
	d.stopped++
	if d.onStop != nil {
		d.onStop(d)
	}
}

// udpEcho is a protocol that sends each datagram back to its sender.
func udpEcho() *testDatagram {
	return &testDatagram{onData: func(d *testDatagram, data []byte, addr net.Addr) {
		d.port.Write(data, addr)
	}}
}

// udpLoopbacks are the interfaces the tests bind, each skipped where the
// machine has no such loopback.
var udpLoopbacks = []string{"127.0.0.1", "::1"}

func listenUDPOrSkip(t testing.TB, r *Reactor, iface string, p DatagramProtocol) *UDPPort {
	t.Helper()
	u, err := r.ListenUDP(0, iface, p)
	if err != nil {
		if iface == "::1" && (errors.Is(err, unix.EADDRNOTAVAIL) || errors.Is(err, unix.EAFNOSUPPORT)) {
			t.Skipf("no IPv6 loopback: %v", err)
		}
		t.Fatalf("ListenUDP(%q): %v", iface, err)
	}
	return u
}

func eachLoopback(t *testing.T, f func(t *testing.T, r *Reactor, log *errorLog, iface string)) {
	for _, iface := range udpLoopbacks {
		t.Run(iface, func(t *testing.T) {
			eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) { f(t, r, log, iface) })
		})
	}
}

func TestUDPEcho(t *testing.T) {
	eachLoopback(t, func(t *testing.T, r *Reactor, log *errorLog, iface string) {
		server := listenUDPOrSkip(t, r, iface, udpEcho())
		client := &testDatagram{onData: func(d *testDatagram, _ []byte, _ net.Addr) { r.Stop() }}
		cport := listenUDPOrSkip(t, r, iface, client)
		if client.started != 1 || client.port != cport {
			t.Fatalf("StartProtocol called %d times with %v", client.started, client.port)
		}
		host := server.GetHost()
		if host.Port == 0 || !host.IP.Equal(net.ParseIP(iface)) {
			t.Fatalf("GetHost %v", host)
		}
		r.CallWhenRunning(func() {
			if err := cport.Write([]byte("ping"), host); err != nil {
				t.Errorf("Write: %v", err)
				r.Stop()
			}
		})
		run(t, r)
		if len(client.received) != 1 || client.received[0] != "ping" {
			t.Fatalf("client received %q", client.received)
		}
		from := client.from[0].(*net.UDPAddr)
		if !from.IP.Equal(host.IP) || from.Port != host.Port {
			t.Fatalf("reply from %v, want %v", from, host)
		}
		if server.Listening() || cport.Listening() || client.stopped != 1 {
			t.Fatalf("Stop left ports open (server %v, client %v) or StopProtocol ran %d times", server.Listening(), cport.Listening(), client.stopped)
		}
		if errs := log.list(); len(errs) != 0 {
			t.Fatalf("errors: %v", errs)
		}
	})
}

// TestUDPManyDatagrams sends datagrams numbered 0..n-1 to an echo server
// and resends the ones whose echo has not come back, a bounded number of
// rounds: on loopback all of them get through.
func TestUDPManyDatagrams(t *testing.T) {
	const n, rounds = 200, 20
	eachLoopback(t, func(t *testing.T, r *Reactor, log *errorLog, iface string) {
		echo := udpEcho()
		server := listenUDPOrSkip(t, r, iface, echo)
		got := make(map[string]bool)
		client := &testDatagram{onData: func(d *testDatagram, data []byte, _ net.Addr) {
			got[string(data)] = true
			if len(got) == n {
				r.Stop()
			}
		}}
		cport := listenUDPOrSkip(t, r, iface, client)
		round := 0
		var send func()
		send = func() {
			if round++; round > rounds {
				t.Errorf("%d of %d echoed after %d rounds", len(got), n, rounds)
				r.Stop()
				return
			}
			for i := range n {
				msg := strconv.Itoa(i)
				if !got[msg] {
					// A full send buffer drops the datagram: the next
					// round sends it again.
					_ = cport.Write([]byte(msg), server.GetHost())
				}
			}
			r.CallLater(50*time.Millisecond, send)
		}
		r.CallWhenRunning(send)
		run(t, r)
		if len(got) != n {
			t.Fatalf("%d of %d datagrams echoed", len(got), n)
		}
		if len(echo.received) < n {
			t.Fatalf("server received %d datagrams, want at least %d", len(echo.received), n)
		}
		if errs := log.list(); len(errs) != 0 {
			t.Fatalf("errors: %v", errs)
		}
	})
}

// freeUDPPort is a loopback UDP port nothing listens on (it did a moment
// ago).
func freeUDPPort(t *testing.T, r *Reactor, iface string) int {
	t.Helper()
	u := listenUDPOrSkip(t, r, iface, &testDatagram{})
	port := u.GetHost().Port
	u.StopListening()
	return port
}

func TestUDPConnectedRefused(t *testing.T) {
	eachLoopback(t, func(t *testing.T, r *Reactor, log *errorLog, iface string) {
		closed := freeUDPPort(t, r, iface)
		client := &testDatagram{onRefuse: func(*testDatagram) { r.Stop() }}
		cport := listenUDPOrSkip(t, r, iface, client)
		if err := cport.Connect(iface, closed); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		if err := cport.Connect(iface, closed); !errors.Is(err, ErrUDPAlreadyConnected) {
			t.Fatalf("second Connect: %v, want ErrUDPAlreadyConnected", err)
		}
		// The kernel reports the ICMP error to the next receive or send;
		// ICMP replies are rate-limited, so send a few, a bounded number.
		sent := 0
		var send func()
		send = func() {
			if sent++; sent > 50 {
				t.Error("no refusal after 50 datagrams")
				r.Stop()
				return
			}
			if err := cport.Write([]byte("anyone?"), nil); err != nil {
				t.Errorf("Write: %v", err)
				r.Stop()
				return
			}
			r.CallLater(20*time.Millisecond, send)
		}
		r.CallWhenRunning(send)
		run(t, r)
		if client.refused == 0 {
			t.Fatalf("ConnectionRefused not called")
		}
		if errs := log.list(); len(errs) != 0 {
			t.Fatalf("errors: %v", errs)
		}
	})
}

func TestUDPConnectAndWriteErrors(t *testing.T) {
	r, _ := newTestReactor(t, Config{})
	u := listenUDPOrSkip(t, r, "127.0.0.1", &testDatagram{})
	defer u.StopListening()
	var iae *InvalidAddressError
	if err := u.Connect("localhost", 9); !errors.As(err, &iae) ||
		err.Error() != "Invalid address localhost: connect() only accepts IP addresses, not hostnames" {
		t.Errorf("Connect to a name: %v", err)
	}
	if err := u.Write([]byte("x"), &net.UDPAddr{IP: net.ParseIP("::1"), Port: 9}); !errors.As(err, &iae) {
		t.Errorf("Write of an IPv6 address on an IPv4 port: %v", err)
	}
	if err := u.Write([]byte("x"), nil); err == nil {
		t.Errorf("Write with no address on a port not connected: no error")
	}
	var mle *MessageLengthError
	if err := u.Write(make([]byte, 70000), u.GetHost()); !errors.As(err, &mle) {
		t.Errorf("Write of 70000 bytes: %v, want a MessageLengthError", err)
	}
	if err := u.SetBroadcastAllowed(true); err != nil {
		t.Fatalf("SetBroadcastAllowed: %v", err)
	}
	if on, err := u.GetBroadcastAllowed(); !on || err != nil {
		t.Fatalf("GetBroadcastAllowed: %v, %v", on, err)
	}
	u.StopListening()
	if err := u.Write([]byte("x"), u.GetHost()); !errors.Is(err, unix.EBADF) {
		t.Errorf("Write after StopListening: %v, want EBADF", err)
	}
}

func TestUDPAddressInUseReadsLikeTwisted(t *testing.T) {
	for _, iface := range udpLoopbacks {
		t.Run(iface, func(t *testing.T) {
			r, _ := newTestReactor(t, Config{})
			first := listenUDPOrSkip(t, r, iface, &testDatagram{})
			defer first.StopListening()
			port := first.GetHost().Port
			second := &testDatagram{}
			_, err := r.ListenUDP(port, iface, second)
			var cle *CannotListenError
			if !errors.As(err, &cle) || !errors.Is(err, unix.EADDRINUSE) {
				t.Fatalf("second ListenUDP: %v (%T), want a CannotListenError with EADDRINUSE", err, err)
			}
			want := fmt.Sprintf("Couldn't listen on %s:%d: [Errno %d] Address already in use.", iface, port, int(unix.EADDRINUSE))
			if err.Error() != want {
				t.Fatalf("message %q, want %q", err.Error(), want)
			}
			if second.started != 0 {
				t.Fatalf("StartProtocol called on a port that failed")
			}
		})
	}
}

func TestUDPStopListeningStopsProtocolOnce(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		// Stopped from its own DatagramReceived, with more datagrams
		// waiting: none of them is delivered after the stop.
		p := &testDatagram{onData: func(d *testDatagram, _ []byte, _ net.Addr) {
			d.port.StopListening()
			d.port.StopListening()
			r.CallLater(20*time.Millisecond, func() { r.Stop() })
		}}
		u := listenUDPOrSkip(t, r, "127.0.0.1", p)
		sender := listenUDPOrSkip(t, r, "127.0.0.1", &testDatagram{})
		for range 3 {
			if err := sender.Write([]byte("x"), u.GetHost()); err != nil {
				t.Fatalf("Write: %v", err)
			}
		}
		run(t, r)
		if p.stopped != 1 || len(p.received) != 1 || u.Listening() || u.Fd() != -1 {
			t.Fatalf("StopProtocol ran %d times, %d datagrams received, listening %v", p.stopped, len(p.received), u.Listening())
		}
		for _, rd := range r.Readers() {
			if rd == ReadDescriptor(u) {
				t.Fatalf("the stopped port is still a reader")
			}
		}
	})
}

func TestUDPPanicInDatagramReceivedIsReported(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		p := &testDatagram{onData: func(d *testDatagram, data []byte, _ net.Addr) {
			if string(data) == "boom" {
				panic("boom")
			}
			r.Stop()
		}}
		u := listenUDPOrSkip(t, r, "127.0.0.1", p)
		sender := listenUDPOrSkip(t, r, "127.0.0.1", &testDatagram{})
		r.CallWhenRunning(func() {
			sender.Write([]byte("boom"), u.GetHost())
			// On a later turn, so that the two may come in one read or two.
			r.CallLater(10*time.Millisecond, func() { sender.Write([]byte("after"), u.GetHost()) })
		})
		run(t, r)
		if len(p.received) != 2 || p.received[1] != "after" {
			t.Fatalf("received %q, want boom then after", p.received)
		}
		errs := log.list()
		var pe *PanicError
		if len(errs) != 1 || !errors.As(errs[0], &pe) || pe.Value != "boom" {
			t.Fatalf("errors %v, want the one panic", errs)
		}
		if p.stopped != 1 {
			t.Fatalf("StopProtocol ran %d times at shutdown", p.stopped)
		}
	})
}

func TestUDPPortKeepsReactorBusy(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		if !r.Idle() {
			t.Fatalf("a new reactor is not Idle")
		}
		u := listenUDPOrSkip(t, r, "127.0.0.1", &testDatagram{})
		if r.Idle() {
			t.Fatalf("Idle with a UDP port open")
		}
		u.StopListening()
		if !r.Idle() {
			t.Fatalf("not Idle after StopListening")
		}
	})
}

func TestUDPListenErrors(t *testing.T) {
	r, _ := newTestReactor(t, Config{})
	for _, tc := range []struct {
		port  int
		iface string
		want  string
	}{
		{70000, "127.0.0.1", "Couldn't listen on 127.0.0.1:70000: port 70000 out of range 0-65535."},
		{0, "example.com", `Couldn't listen on example.com:0: interface "example.com" is not an IP address.`},
	} {
		_, err := r.ListenUDP(tc.port, tc.iface, &testDatagram{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("ListenUDP(%d, %q): %v, want %q", tc.port, tc.iface, err, tc.want)
		}
	}
	if !r.Idle() {
		t.Fatalf("a failed ListenUDP left something watched")
	}
}

func TestUDPAllInterfacesIsIPv4(t *testing.T) {
	r, _ := newTestReactor(t, Config{})
	u, err := r.ListenUDP(0, "", &testDatagram{})
	if err != nil {
		t.Fatalf("ListenUDP: %v", err)
	}
	defer u.StopListening()
	if h := u.GetHost(); h.IP.To4() == nil || !h.IP.Equal(net.IPv4zero) {
		t.Fatalf("GetHost %v, want 0.0.0.0", h)
	}
	if !strings.HasPrefix(u.String(), "UDPPort(0.0.0.0:") {
		t.Fatalf("String %q", u.String())
	}
}

func BenchmarkUDPEcho(b *testing.B) {
	r, _ := newTestReactor(b, Config{})
	server := listenUDPOrSkip(b, r, "127.0.0.1", udpEcho())
	host := server.GetHost()
	msg := make([]byte, 64)
	received := 0
	var client *UDPPort
	cp := &testDatagram{onData: func(d *testDatagram, _ []byte, _ net.Addr) {
		d.received, d.from = d.received[:0], d.from[:0]
		if received++; received == b.N {
			b.StopTimer()
			r.Stop()
			return
		}
		client.Write(msg, host)
	}}
	client = listenUDPOrSkip(b, r, "127.0.0.1", cp)
	// A datagram lost on loopback is rare; a watchdog resends one when no
	// echo came for a second, so that the benchmark cannot hang.
	last := -1
	var watchdog func()
	watchdog = func() {
		if received == last {
			client.Write(msg, host)
		}
		last = received
		r.CallLater(time.Second, watchdog)
	}
	r.CallWhenRunning(func() {
		b.ResetTimer()
		client.Write(msg, host)
		r.CallLater(time.Second, watchdog)
	})
	if err := r.Run(); err != nil {
		b.Fatal(err)
	}
	if received < b.N {
		b.Fatalf("received %d, want %d", received, b.N)
	}
}

// TestUDPDualStackEchoesToIPv4 binds "::" and echoes an IPv4 client: the
// sender's address comes IPv4-mapped and Write sends back to it.
func TestUDPDualStackEchoesToIPv4(t *testing.T) {
	r, log := newTestReactor(t, Config{})
	server, err := r.ListenUDP(0, "::", udpEcho())
	if err != nil {
		t.Skipf("no IPv6: %v", err)
	}
	client := &testDatagram{onData: func(*testDatagram, []byte, net.Addr) { r.Stop() }}
	cport := listenUDPOrSkip(t, r, "127.0.0.1", client)
	r.CallWhenRunning(func() {
		if err := cport.Write([]byte("v4"), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: server.GetHost().Port}); err != nil {
			t.Errorf("Write: %v", err)
			r.Stop()
		}
	})
	run(t, r)
	if len(client.received) != 1 || client.received[0] != "v4" {
		t.Fatalf("client received %q, errors %v", client.received, log.list())
	}
}

// TestUDPBusyPortDoesNotStarveTimers keeps a port always readable (each
// datagram it receives it sends to itself again, several in flight): a
// timer due at once must still run long before the port has run dry.
func TestUDPBusyPortDoesNotStarveTimers(t *testing.T) {
	const inFlight, total = 16, 50000
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		sent, atTimer := 0, -1
		timerSet := false
		p := &testDatagram{onData: func(d *testDatagram, data []byte, _ net.Addr) {
			d.received = d.received[:0]
			d.from = d.from[:0]
			if !timerSet {
				// Due at once: it runs on the next turn, after this read.
				timerSet = true
				r.CallLater(0, func() {
					atTimer = sent
					r.Stop()
				})
			}
			if sent < total {
				sent++
				d.port.Write(data, d.port.GetHost())
			}
		}}
		u := listenUDPOrSkip(t, r, "127.0.0.1", p)
		r.CallWhenRunning(func() {
			for range inFlight {
				sent++
				u.Write([]byte("loop"), u.GetHost())
			}
		})
		run(t, r)
		if atTimer < 0 || atTimer >= total {
			t.Fatalf("the timer ran after %d of %d datagrams", atTimer, total)
		}
	})
}
