package reactor

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
)

// TestWriteThenLoseConnectionCost pins the poetry server's connection: a
// ConnectionMade that writes and calls LoseConnection (or
// LoseWriteConnection) has the write sent, and the connection closed, by
// the flush before the loop waits. LoseConnection used to watch the socket
// for writability instead, which held the write back until the next
// writable event: an epoll_ctl to arm, a wait, and one to disarm, per
// connection.
func TestWriteThenLoseConnectionCost(t *testing.T) {
	const clients = 20
	poem := strings.Repeat("Tyger Tyger, burning bright\n", 40)
	for _, tc := range []struct {
		name string
		lose func(*StreamTransport)
		// registrations per connection at most: none when the connection
		// is closed by the flush (reading starts after ConnectionMade, and
		// not on a closing connection); on the loseWrite path the reader's
		// add, and its remove at end of file.
		want int
	}{
		{"LoseConnection", (*StreamTransport).LoseConnection, 0},
		{"LoseWriteConnection", (*StreamTransport).LoseWriteConnection, 2},
	} {
		for _, name := range PollerNames {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				inner, err := NewPoller(name)
				if err != nil {
					t.Fatal(err)
				}
				cp := &countingPoller{Poller: inner}
				r, _ := newTestReactor(t, Config{Poller: cp})
				var before, after countingPoller
				served, lost := 0, 0
				poet := func(net.Addr) Protocol {
					if served++; served == 1 {
						before = *cp // the port's own registration left out
					}
					return &testProto{
						onMade: func(p *testProto) {
							p.t.WriteString(poem)
							tc.lose(p.t)
						},
						onData: func(p *testProto, data []byte) {},
						onLost: func(p *testProto, reason error) {
							if lost++; lost == clients {
								after = *cp // the port's removal at the stop left out
								r.Stop()
							}
						},
					}
				}
				port, err := r.ListenTCP(0, "127.0.0.1", 0, poet)
				if err != nil {
					t.Fatal(err)
				}
				peerErr := make(chan error, 1)
				go func() {
					for range clients {
						c, err := net.Dial("tcp", port.Addr().String())
						if err != nil {
							peerErr <- err
							return
						}
						got, err := io.ReadAll(c)
						c.Close()
						if err == nil && !bytes.Equal(got, []byte(poem)) {
							err = io.ErrShortBuffer
						}
						if err != nil {
							peerErr <- err
							return
						}
					}
					peerErr <- nil
				}()
				run(t, r)
				if err := <-peerErr; err != nil {
					t.Fatal(err)
				}
				regs := after.registrations() - before.registrations()
				t.Logf("%d connections: %d registrations, %d waits", clients, regs, after.waits-before.waits)
				if regs > tc.want*clients {
					t.Errorf("%d poller registrations for %d connections, want at most %d each", regs, clients, tc.want)
				}
			})
		}
	}
}
