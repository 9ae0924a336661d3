package reactor

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestConnectTCPBindAddress binds the local end before connecting, as
// Twisted's bindAddress: the connected transport's GetHost is the bound
// address, and the server sees it as the peer.
func TestConnectTCPBindAddress(t *testing.T) {
	tests := []struct {
		name     string
		host     string
		port     func(t *testing.T, r *Reactor) int // the port to bind
		wantPort func(got, asked int) bool
	}{
		{"loopback, any port", "127.0.0.1", func(*testing.T, *Reactor) int { return 0 }, func(got, _ int) bool { return got > 0 }},
		{"loopback, a given port", "127.0.0.1", freePort, func(got, asked int) bool { return got == asked }},
		{"localhost, a given port", "localhost", freePort, func(got, asked int) bool { return got == asked }},
		{"any address, a given port", "", freePort, func(got, asked int) bool { return got == asked }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
				done := stopAfter(r, 2)
				var server *testProto
				port := endpoint{"tcp4", "127.0.0.1"}.listen(t, r, func(net.Addr) Protocol {
					server = lostStops(&testProto{}, done)
					return server
				})
				bindPort := tc.port(t, r)
				var host net.Addr
				cp := &testProto{onMade: func(p *testProto) {
					host = p.t.GetHost()
					p.t.LoseConnection()
				}}
				client := &testClient{proto: lostStops(cp, done), onFailed: func(error) { r.Stop() }}
				addr := port.Addr().(*net.TCPAddr)
				if _, err := r.ConnectTCP("127.0.0.1", addr.Port, 5*time.Second, client, BindAddress(tc.host, bindPort)); err != nil {
					t.Fatalf("ConnectTCP: %v", err)
				}
				run(t, r)
				noErrors(t, log)
				if len(client.failed) > 0 {
					t.Fatalf("connect failed: %v", client.failed)
				}
				got, ok := host.(*net.TCPAddr)
				if !ok || !got.IP.Equal(net.IPv4(127, 0, 0, 1)) || !tc.wantPort(got.Port, bindPort) {
					t.Fatalf("GetHost %v, bound to port %d", host, bindPort)
				}
				if peer := server.t.GetPeer().(*net.TCPAddr); peer.Port != got.Port {
					t.Fatalf("server sees peer %v, client's host is %v", peer, got)
				}
			})
		})
	}
}

// TestConnectTCPBindFailureFailsTheAttempt: a bind that fails reaches
// ClientConnectionFailed on a later turn as Twisted's ConnectBindError.
func TestConnectTCPBindFailureFailsTheAttempt(t *testing.T) {
	tests := []struct {
		name     string
		bindHost string
		want     error
		text     string
	}{
		{"port in use", "127.0.0.1", unix.EADDRINUSE, "Couldn't bind: 98: Address already in use."},
		{"other family", "::1", unix.EAFNOSUPPORT, "Couldn't bind: 97: Address family not supported by protocol."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, log := newTestReactor(t, Config{})
			port := endpoint{"tcp4", "127.0.0.1"}.listen(t, r, func(net.Addr) Protocol { return &testProto{} })
			busy := port.Addr().(*net.TCPAddr).Port
			inCall := true
			client := &testClient{onFailed: func(error) {
				if inCall {
					t.Errorf("ClientConnectionFailed inside ConnectTCP")
				}
				r.Stop()
			}}
			if _, err := r.ConnectTCP("127.0.0.1", busy, 5*time.Second, client, BindAddress(tc.bindHost, busy)); err != nil {
				t.Fatalf("ConnectTCP: %v", err)
			}
			inCall = false
			run(t, r)
			noErrors(t, log)
			var be *ConnectBindError
			if len(client.failed) != 1 || !errors.As(client.failed[0], &be) || !errors.Is(be, tc.want) || be.Error() != tc.text {
				t.Fatalf("failed %v, want %q", client.failed, tc.text)
			}
			if client.built != 0 {
				t.Fatalf("a protocol was built")
			}
		})
	}
}

func TestConnectTCPBadBindAddressFailsAtOnce(t *testing.T) {
	tests := []struct {
		name string
		opt  ConnectOption
		text string
	}{
		{"a host name", BindAddress("example.com", 0), `bind address: interface "example.com" is not an IP address`},
		{"port too large", BindAddress("127.0.0.1", 65536), "bind port 65536 out of range 0-65535"},
		{"negative port", BindAddress("127.0.0.1", -1), "bind port -1 out of range 0-65535"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newTestReactor(t, Config{})
			client := &testClient{}
			c, err := r.ConnectTCP("127.0.0.1", 9, time.Second, client, tc.opt)
			if err == nil || c != nil || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("ConnectTCP = %v, %v; want an error with %q", c, err, tc.text)
			}
			if !r.Idle() {
				t.Fatalf("a refused connect left work behind")
			}
		})
	}
}

// TestConnectTCPBindAddressAgain: Connect after a loss binds again.
func TestConnectTCPBindAddressAgain(t *testing.T) {
	r, log := newTestReactor(t, Config{})
	port := endpoint{"tcp4", "127.0.0.1"}.listen(t, r, func(net.Addr) Protocol { return &testProto{} })
	var hosts []net.Addr
	cp := &testProto{onMade: func(p *testProto) {
		hosts = append(hosts, p.t.GetHost())
		p.t.LoseConnection()
	}}
	var c *Connector
	client := &testClient{proto: cp, onFailed: func(error) { r.Stop() }}
	client.onLost = func(error) {
		if len(hosts) < 2 {
			if err := c.Connect(); err != nil {
				t.Errorf("Connect again: %v", err)
				r.Stop()
			}
			return
		}
		r.Stop()
	}
	var err error
	c, err = r.ConnectTCP("127.0.0.1", port.Addr().(*net.TCPAddr).Port, 5*time.Second, client, BindAddress("127.0.0.1", 0))
	if err != nil {
		t.Fatal(err)
	}
	run(t, r)
	noErrors(t, log)
	if len(hosts) != 2 || len(client.failed) != 0 {
		t.Fatalf("hosts %v, failed %v", hosts, client.failed)
	}
	for _, h := range hosts {
		if !h.(*net.TCPAddr).IP.Equal(net.IPv4(127, 0, 0, 1)) {
			t.Fatalf("host %v", h)
		}
	}
}
