package reactor

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// refusingPoller is a poller that cannot watch the descriptors of accepted
// connections, as select cannot past FD_SETSIZE: its canWatch refuses every
// descriptor above the numbers it had when refusing was turned on.
type refusingPoller struct {
	Poller
	refuseAbove int // -1: refuse none
}

func (p *refusingPoller) canWatch(fd int) error {
	if p.refuseAbove >= 0 && fd > p.refuseAbove {
		return fmt.Errorf("fd %d: %w", fd, ErrFdOutOfRange)
	}
	return nil
}

// closingProtocol closes its connection as soon as it is made, and counts
// the connections built.
type closingProtocol struct{ made *int }

func (c closingProtocol) ConnectionMade(t *StreamTransport) { *c.made++; t.LoseConnection() }
func (closingProtocol) DataReceived([]byte)                 {}
func (closingProtocol) ConnectionLost(error)                {}

// A connection whose descriptor the poller cannot watch is closed at once,
// before the factory is asked for a protocol: no connection_made on a
// transport that can never be read. The condition is reported once per
// port, as an *AcceptError whose text names FD_SETSIZE.
func TestPortRefusesUnwatchableConnections(t *testing.T) {
	const clients = 3
	tests := []struct {
		name              string
		refuse            bool
		wantBuilt         int
		wantReports       int
		wantClientsClosed int
	}{
		{"watchable", false, clients, 0, clients},
		{"past the poller's limit", true, 0, 1, clients},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner, err := NewPoller(DefaultPoller)
			if err != nil {
				t.Fatal(err)
			}
			rp := &refusingPoller{Poller: inner, refuseAbove: -1}
			r, log := newTestReactor(t, Config{Poller: rp})
			built, factoryCalls := 0, 0
			port, err := r.ListenTCP(0, "127.0.0.1", 0, func(net.Addr) Protocol {
				factoryCalls++
				return closingProtocol{made: &built}
			})
			if err != nil {
				t.Fatal(err)
			}
			if tt.refuse {
				// Every descriptor the clients and their accepted
				// connections get from here on is above the port's.
				rp.refuseAbove = port.Fd()
			}
			var wg sync.WaitGroup
			closed := make(chan error, clients)
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					conn, err := net.DialTimeout("tcp", port.Addr().String(), 10*time.Second)
					if err != nil {
						closed <- err
						return
					}
					defer conn.Close()
					conn.SetReadDeadline(time.Now().Add(10 * time.Second))
					_, err = conn.Read(make([]byte, 1))
					closed <- err
				}()
			}
			go func() {
				wg.Wait()
				_ = r.CallFromGoroutine(func() { r.Stop() })
			}()
			runBounded(t, r)
			close(closed)
			gotClosed := 0
			for err := range closed {
				if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
					gotClosed++
				} else {
					t.Errorf("client: %v, want the connection closed by the server", err)
				}
			}
			if gotClosed != tt.wantClientsClosed {
				t.Errorf("%d clients saw their connection closed, want %d", gotClosed, tt.wantClientsClosed)
			}
			if built != tt.wantBuilt || factoryCalls != tt.wantBuilt {
				t.Errorf("factory called %d times, %d connections made; want %d", factoryCalls, built, tt.wantBuilt)
			}
			var reports []*AcceptError
			for _, err := range log.list() {
				var ae *AcceptError
				if !errors.As(err, &ae) {
					t.Errorf("reported: %v, want only AcceptErrors", err)
					continue
				}
				reports = append(reports, ae)
			}
			if len(reports) != tt.wantReports {
				t.Fatalf("%d AcceptErrors reported (%v), want %d", len(reports), reports, tt.wantReports)
			}
			for _, ae := range reports {
				if !errors.Is(ae, ErrFdOutOfRange) || !strings.Contains(ae.Error(), "FD_SETSIZE") {
					t.Errorf("report %q: want an error wrapping ErrFdOutOfRange that names FD_SETSIZE", ae)
				}
			}
		})
	}
}

// isReset reports whether a client's read failed because the server reset
// the connection, which a close with unread data does.
func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// The select poller's canWatch refuses exactly what its Add refuses.
func TestSelectCanWatchMatchesAdd(t *testing.T) {
	for _, fd := range []int{-1, 0, 1023, 1024, 5000} {
		p := NewSelectPoller()
		canErr := p.canWatch(fd)
		if fd >= 0 && fd < selectSetSize {
			if canErr != nil {
				t.Errorf("canWatch(%d) = %v, want nil", fd, canErr)
			}
			continue // Add would watch a real descriptor: not needed here
		}
		addErr := p.Add(fd, Readable)
		if !errors.Is(canErr, ErrFdOutOfRange) || !errors.Is(addErr, ErrFdOutOfRange) {
			t.Errorf("fd %d: canWatch %v, Add %v; want both ErrFdOutOfRange", fd, canErr, addErr)
		}
	}
}
