package reactor

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// freePort is a loopback TCP port nothing listens on (it did a moment ago).
func freePort(t *testing.T, r *Reactor) int {
	t.Helper()
	p, err := r.ListenTCP(0, "127.0.0.1", 0, func(net.Addr) Protocol { return nil })
	if err != nil {
		t.Fatalf("ListenTCP: %v", err)
	}
	port := p.Addr().(*net.TCPAddr).Port
	p.StopListening()
	return port
}

func TestConnectRefusedFailsOnALaterTurn(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "localhost"} {
		t.Run(host, func(t *testing.T) {
			eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
				port := freePort(t, r)
				client := &testClient{proto: &testProto{}}
				client.onFailed = func(error) { r.Stop() }
				client.onLost = func(error) { r.Stop() }
				r.CallWhenRunning(func() {
					c, err := r.ConnectTCP(host, port, 5*time.Second, client)
					if err != nil {
						t.Errorf("ConnectTCP: %v", err)
						r.Stop()
						return
					}
					if len(client.failed) != 0 {
						t.Errorf("failed inside ConnectTCP")
					}
					if d := c.GetDestination(); d.Host != host || d.Port != port {
						t.Errorf("destination %v", d)
					}
				})
				run(t, r)

				if client.built != 0 || len(client.failed) != 1 || len(client.lost) != 0 {
					t.Fatalf("built %d, failed %v, lost %v", client.built, client.failed, client.lost)
				}
				reason := client.failed[0]
				var ce *ConnectError
				if !errors.As(reason, &ce) || !errors.Is(reason, unix.ECONNREFUSED) {
					t.Fatalf("reason %v (%T), want a ConnectError with ECONNREFUSED", reason, reason)
				}
				want := fmt.Sprintf("Connection was refused by other side: %d: Connection refused.", int(unix.ECONNREFUSED))
				if reason.Error() != want {
					t.Fatalf("message %q, want %q", reason.Error(), want)
				}
			})
		})
	}
}

func TestListenAddressInUseReadsLikeTwisted(t *testing.T) {
	r, _ := newTestReactor(t, Config{})
	nop := func(net.Addr) Protocol { return nil }
	first, err := r.ListenTCP(0, "127.0.0.1", 0, nop)
	if err != nil {
		t.Fatalf("ListenTCP: %v", err)
	}
	defer first.StopListening()
	port := first.Addr().(*net.TCPAddr).Port
	path := filepath.Join(t.TempDir(), "sock")
	firstUNIX, err := r.ListenUNIX(path, 0, nop)
	if err != nil {
		t.Fatalf("ListenUNIX: %v", err)
	}
	defer firstUNIX.StopListening()

	inUse := fmt.Sprintf("[Errno %d] Address already in use.", int(unix.EADDRINUSE))
	tests := []struct {
		name   string
		listen func() (*Port, error)
		want   string
	}{
		{"tcp", func() (*Port, error) { return r.ListenTCP(port, "127.0.0.1", 0, nop) },
			fmt.Sprintf("Couldn't listen on 127.0.0.1:%d: %s", port, inUse)},
		{"unix", func() (*Port, error) { return r.ListenUNIX(path, 0, nop) },
			fmt.Sprintf("Couldn't listen on any:%s: %s", path, inUse)},
		{"bad interface", func() (*Port, error) { return r.ListenTCP(0, "no.such.host", 0, nop) },
			`Couldn't listen on no.such.host:0: interface "no.such.host" is not an IP address.`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.listen()
			if err == nil {
				p.StopListening()
				t.Fatal("listened twice on the same address")
			}
			var cle *CannotListenError
			if !errors.As(err, &cle) || err.Error() != tc.want {
				t.Fatalf("error %q (%T), want %q", err, err, tc.want)
			}
		})
	}
	if r.Idle() {
		t.Fatal("idle while ports listen")
	}
}

func TestListeningPortKeepsReactorBusy(t *testing.T) {
	r, _ := newTestReactor(t, Config{})
	if !r.Idle() {
		t.Fatal("a fresh reactor is not idle")
	}
	p, err := r.ListenTCP(0, "127.0.0.1", 0, func(net.Addr) Protocol { return nil })
	if err != nil {
		t.Fatalf("ListenTCP: %v", err)
	}
	if r.Idle() {
		t.Fatal("idle while a port listens")
	}
	p.StopListening()
	p.StopListening()
	if !r.Idle() || p.Listening() {
		t.Fatalf("after StopListening: idle %v, listening %v", r.Idle(), p.Listening())
	}
}

func TestStopConnectingThenConnectAgain(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		var servers []*testProto
		done := stopAfter(r, 2)
		port := endpoints[0].listen(t, r, echoServer(&servers, done))
		cp := &testProto{onMade: func(p *testProto) { p.t.LoseConnection() }}
		client := &testClient{proto: cp, onLost: func(error) { done() }}
		var c *Connector
		client.onFailed = func(reason error) {
			if reason != ErrUserAborted || len(client.failed) > 1 {
				r.Stop()
				return
			}
			if err := c.Connect(); err != nil {
				t.Errorf("Connect again: %v", err)
				r.Stop()
			}
		}
		r.CallWhenRunning(func() {
			c = endpoints[0].connect(t, r, port, client)
			c.StopConnecting()
			if len(client.failed) != 0 {
				t.Error("StopConnecting failed the attempt in the call")
			}
		})
		run(t, r)

		if len(client.failed) != 1 || client.failed[0] != ErrUserAborted || client.built != 1 || len(client.lost) != 1 {
			t.Fatalf("failed %v, built %d, lost %v", client.failed, client.built, client.lost)
		}
		cp.checkOnce(t, "client", isDone)
		servers[0].checkOnce(t, "server", isDone)
	})
}

func TestConnectTimeout(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("relies on Linux dropping SYNs to a listener with a full accept queue")
	}
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		// A listener that never accepts, its queue filled by two connects:
		// a third gets no answer.
		lfd, err := newSocket(unix.AF_INET, unix.SOCK_STREAM)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(lfd)
		sa := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
		if err := unix.Bind(lfd, sa); err != nil {
			t.Fatal(err)
		}
		if err := unix.Listen(lfd, 0); err != nil {
			t.Fatal(err)
		}
		local, _ := unix.Getsockname(lfd)
		port := local.(*unix.SockaddrInet4).Port
		for range 2 {
			fd, err := newSocket(unix.AF_INET, unix.SOCK_STREAM)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fd)
			unix.Connect(fd, &unix.SockaddrInet4{Addr: sa.Addr, Port: port})
		}
		client := &testClient{proto: &testProto{}}
		client.onFailed = func(error) { r.Stop() }
		client.onLost = func(error) { r.Stop() }
		if _, err := r.ConnectTCP("127.0.0.1", port, 200*time.Millisecond, client); err != nil {
			t.Fatal(err)
		}
		run(t, r)
		if client.built != 0 || len(client.failed) != 1 || client.failed[0] != ErrConnectTimeout {
			t.Fatalf("built %d, failed %v", client.built, client.failed)
		}
	})
}

func TestConnectBadPortFailsAtOnce(t *testing.T) {
	r, _ := newTestReactor(t, Config{})
	for _, port := range []int{0, -1, 65536, 99999} {
		if c, err := r.ConnectTCP("127.0.0.1", port, time.Second, &testClient{}); err == nil || c != nil {
			t.Errorf("port %d: connector %v, error %v", port, c, err)
		}
	}
	if !r.Idle() {
		t.Fatal("a refused ConnectTCP left work behind")
	}
}

func TestAcceptUnderEMFILEDoesNotSpin(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses /proc/self/fd-free descriptor exhaustion tuned on Linux")
	}
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		var servers []*testProto
		port := endpoints[0].listen(t, r, echoServer(&servers, func() {}))
		addr := port.Addr().(*net.TCPAddr)
		dest := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: addr.Port}

		// Clients made before the shortage, connected by the kernel into
		// the port's backlog.
		var clients []int
		for range 3 {
			fd, err := newSocket(unix.AF_INET, unix.SOCK_STREAM)
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, fd)
			defer unix.Close(fd)
			unix.Connect(fd, dest)
		}
		// Use up every descriptor under a lowered limit.
		var old unix.Rlimit
		if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
			t.Fatal(err)
		}
		lowered := old
		lowered.Cur = min(old.Cur, 512)
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lowered); err != nil {
			t.Skipf("setrlimit: %v", err)
		}
		var fillers []int
		release := func() {
			for _, fd := range fillers {
				unix.Close(fd)
			}
			fillers = nil
			unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
		}
		defer release()
		for {
			fd, err := unix.Dup(clients[0])
			if err != nil {
				break
			}
			fillers = append(fillers, fd)
		}

		// Each client must see its connection closed by the port (which
		// refuses with its spare descriptor) while the loop goes on.
		closed := make([]bool, len(clients))
		listening := false
		polls := 0
		var check func()
		check = func() {
			polls++
			all := true
			buf := make([]byte, 16)
			for i, fd := range clients {
				if closed[i] {
					continue
				}
				n, err := unix.Read(fd, buf)
				if n == 0 && err == nil || err == unix.ECONNRESET {
					closed[i] = true
				} else {
					all = false
				}
			}
			if all {
				listening = port.Listening()
				r.Stop()
				return
			}
			r.CallLater(5*time.Millisecond, check)
		}
		r.CallWhenRunning(check)
		run(t, r)
		release()

		for i, c := range closed {
			if !c {
				t.Fatalf("client %d was not closed under EMFILE (%d polls)", i, polls)
			}
		}
		errs := log.list()
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "(EMFILE)") {
			t.Fatalf("reported %v, want one EMFILE report", errs)
		}
		if !listening || len(servers) != 0 {
			t.Fatalf("listening %v, served %d", listening, len(servers))
		}
	})
}

// BenchmarkTCPEcho: one op is a 64-byte message sent to an echo server
// over loopback TCP and read back, on the default poller.
func BenchmarkTCPEcho(b *testing.B) {
	r, _ := newTestReactor(b, Config{})
	var servers []*testProto
	port, err := r.ListenTCP(0, "127.0.0.1", 0, echoServer(&servers, func() {}))
	if err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 64)
	received, sent := 0, 0
	cp := &testProto{
		onMade: func(p *testProto) {
			p.t.SetTCPNoDelay(true)
			b.ResetTimer()
			p.t.Write(msg)
			sent++
		},
		onData: func(p *testProto, data []byte) {
			received += len(data)
			p.data.Reset()
			if received < sent*len(msg) {
				return
			}
			if sent == b.N {
				b.StopTimer()
				p.t.LoseConnection()
				return
			}
			p.t.Write(msg)
			sent++
		},
	}
	client := &testClient{proto: cp, onLost: func(error) { r.Stop() }, onFailed: func(error) { r.Stop() }}
	if _, err := r.ConnectTCP("127.0.0.1", port.Addr().(*net.TCPAddr).Port, 0, client); err != nil {
		b.Fatal(err)
	}
	if err := r.Run(); err != nil {
		b.Fatal(err)
	}
	if sent != b.N || received != b.N*len(msg) {
		b.Fatalf("sent %d, received %d bytes, want %d", sent, received, b.N*len(msg))
	}
}

func TestStopLosesOpenConnectionsBeforeRunReturns(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		var servers []*testProto
		port := endpoints[0].listen(t, r, echoServer(&servers, func() {}))
		addr := port.Addr().(*net.TCPAddr)
		// One client paused (not watched at all), one whose abort is still
		// to be told, one still connecting when the reactor stops.
		paused := &testProto{onMade: func(p *testProto) { p.t.PauseProducing(); p.t.Write([]byte("x")) }}
		aborting := &testProto{onMade: func(p *testProto) { p.t.Write([]byte("y")) }}
		pausedClient := &testClient{proto: paused}
		abortingClient := &testClient{proto: aborting}
		late := &testClient{proto: &testProto{}}
		var check func()
		check = func() {
			if len(servers) == 2 && servers[0].data.Len() > 0 && servers[1].data.Len() > 0 {
				aborting.t.AbortConnection()
				if _, err := r.ConnectTCP("127.0.0.1", addr.Port, 0, late); err != nil {
					t.Error(err)
				}
				r.Stop()
				return
			}
			r.CallLater(time.Millisecond, check)
		}
		r.CallWhenRunning(func() {
			for _, c := range []*testClient{pausedClient, abortingClient} {
				if _, err := r.ConnectTCP("127.0.0.1", addr.Port, 0, c); err != nil {
					t.Error(err)
				}
			}
			check()
		})
		run(t, r)

		isShutdown := func(err error) bool {
			var cl *ConnectionLostError
			return errors.As(err, &cl) && err.Error() == "Connection to the other side was lost in a non-clean fashion: Connection lost."
		}
		paused.checkOnce(t, "paused client", isShutdown)
		aborting.checkOnce(t, "aborting client", func(err error) bool { return err == ErrConnectionAborted })
		for i, s := range servers {
			s.checkOnce(t, fmt.Sprintf("server %d", i), isShutdown)
		}
		if len(pausedClient.lost) != 1 || len(abortingClient.lost) != 1 {
			t.Fatalf("client factories lost %v and %v", pausedClient.lost, abortingClient.lost)
		}
		if late.built != 0 || len(late.failed) != 1 || !isShutdown(late.failed[0]) {
			t.Fatalf("connect under way: built %d, failed %v", late.built, late.failed)
		}
		if port.Listening() {
			t.Fatal("the port still listens after Run")
		}
	})
}

// panicClient is a ClientFactory whose BuildProtocol panics.
type panicClient struct{ testClient }

func (c *panicClient) BuildProtocol(net.Addr) Protocol { panic("no protocol") }

func TestConnectPanicInBuildProtocolFailsTheConnect(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		var servers []*testProto
		port := endpoints[0].listen(t, r, echoServer(&servers, func() {}))
		client := &panicClient{}
		client.onFailed = func(error) { r.Stop() }
		endpoints[0].connect(t, r, port, client)
		run(t, r)
		var pe *PanicError
		if len(client.failed) != 1 || !errors.As(client.failed[0], &pe) || len(log.list()) != 1 {
			t.Fatalf("failed %v, reported %v", client.failed, log.list())
		}
	})
}

// openFds counts the process's open descriptors, -1 where /proc is missing.
func openFds() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

func TestConnectionsLeaveNoDescriptorBehind(t *testing.T) {
	if openFds() < 0 {
		t.Skip("no /proc/self/fd")
	}
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		before := openFds()
		const conns = 20
		var servers []*testProto
		// Counted when the last connection is lost: only the port's
		// socket and its spare descriptor are left.
		after := -1
		stop := stopAfter(r, 2*conns)
		lost := 0
		done := func() {
			if lost++; lost == 2*conns {
				after = openFds()
			}
			stop()
		}
		port := endpoints[0].listen(t, r, echoServer(&servers, done))
		for i := range conns {
			cp := &testProto{onMade: func(p *testProto) {
				// Every way to end: clean close, abort, abort after a reset.
				switch i % 3 {
				case 0:
					p.t.Write([]byte("x"))
					p.t.LoseConnection()
				case 1:
					p.t.AbortConnection()
				case 2:
					p.t.LoseWriteConnection()
				}
			}}
			endpoints[0].connect(t, r, port, &testClient{proto: cp, onLost: func(error) { done() }, onFailed: func(error) { done() }})
		}
		run(t, r)
		if after != before+2 {
			t.Fatalf("%d descriptors open before, %d after %d connections", before, after, conns)
		}
	})
}

func TestConnectorDisconnectLosesTheConnection(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		var servers []*testProto
		done := stopAfter(r, 2)
		port := endpoints[0].listen(t, r, echoServer(&servers, done))
		var c *Connector
		cp := &testProto{onMade: func(p *testProto) {
			p.t.Write([]byte("bye"))
			if c.Transport() != p.t {
				t.Error("Transport is not the connection's")
			}
			c.Disconnect()
			if err := c.Connect(); err == nil {
				t.Error("Connect while connected succeeded")
			}
		}}
		client := &testClient{proto: cp, onLost: func(error) { done() }, onFailed: func(error) { r.Stop() }}
		c = endpoints[0].connect(t, r, port, client)
		run(t, r)
		cp.checkOnce(t, "client", isDone)
		if servers[0].data.String() != "bye" || c.Transport() != nil || len(client.lost) != 1 {
			t.Fatalf("server got %q, transport %v, lost %v", servers[0].data.String(), c.Transport(), client.lost)
		}
	})
}

// BenchmarkTCPStream: one op is 1 MiB written, by a pull producer in
// 256 KiB pieces, to a loopback TCP peer that reads as fast as it can, on the default poller.
func BenchmarkTCPStream(b *testing.B) {
	r, _ := newTestReactor(b, Config{})
	total := b.N << 20
	received := 0
	port, err := r.ListenTCP(0, "127.0.0.1", 0, func(net.Addr) Protocol {
		return &testProto{onData: func(p *testProto, data []byte) {
			received += len(data)
			p.data.Reset()
		}, onLost: func(*testProto, error) { r.Stop() }}
	})
	if err != nil {
		b.Fatal(err)
	}
	cp := &testProto{onMade: func(p *testProto) {
		b.SetBytes(1 << 20)
		b.ResetTimer()
		p.t.RegisterProducer(&repeatProducer{t: p.t, piece: make([]byte, 256<<10), left: total}, false)
	}}
	client := &testClient{proto: cp, onFailed: func(error) { r.Stop() }}
	if _, err := r.ConnectTCP("127.0.0.1", port.Addr().(*net.TCPAddr).Port, 0, client); err != nil {
		b.Fatal(err)
	}
	if err := r.Run(); err != nil {
		b.Fatal(err)
	}
	if received != total {
		b.Fatalf("received %d of %d bytes", received, total)
	}
}

// repeatProducer is a pull producer that writes the same piece until left
// bytes are written, then loses the connection.
type repeatProducer struct {
	t     *StreamTransport
	piece []byte
	left  int
}

func (p *repeatProducer) ResumeProducing() {
	if p.left == 0 {
		p.t.UnregisterProducer()
		p.t.LoseConnection()
		return
	}
	n := min(p.left, len(p.piece))
	p.t.Write(p.piece[:n])
	p.left -= n
}

func (p *repeatProducer) PauseProducing() {}
func (p *repeatProducer) StopProducing()  {}

func TestStopListeningFromConnectionMade(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		done := stopAfter(r, 2)
		var port *Port
		port = endpoints[0].listen(t, r, func(net.Addr) Protocol {
			return lostStops(&testProto{onMade: func(p *testProto) {
				port.StopListening()
				p.t.LoseConnection()
			}}, done)
		})
		cp := &testProto{}
		endpoints[0].connect(t, r, port, &testClient{proto: cp, onLost: func(error) { done() }, onFailed: func(error) { r.Stop() }})
		run(t, r)
		cp.checkOnce(t, "client", isDone)
		if port.Listening() || len(log.list()) != 0 {
			t.Fatalf("listening %v, reported %v", port.Listening(), log.list())
		}
	})
}
