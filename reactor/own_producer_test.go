package reactor

import (
	"bytes"
	"net"
	"testing"
	"time"
)

var _ Producer = (*StreamTransport)(nil)

// TestStreamOwnProducerCloses: a transport registered as its own streaming
// producer (Twisted's registerProducer(transport, True)) does not hold its
// close back as another producer does until UnregisterProducer: as in
// Twisted, LoseConnection closes once the buffer is sent, and so does an
// end of file read while output is still buffered. Before, both waited for
// an UnregisterProducer that such a script never calls, and the
// connection stayed open until the reactor stopped.
func TestStreamOwnProducerCloses(t *testing.T) {
	for _, tc := range []struct {
		name string
		// server runs in the server's ConnectionMade and returns what it
		// will have written; client runs in the client's.
		server func(r *Reactor, p *testProto) *bytes.Buffer
		client func(r *Reactor, p *testProto)
	}{
		{"LoseConnection after a write",
			func(r *Reactor, p *testProto) *bytes.Buffer {
				p.t.Write([]byte("hello"))
				p.t.LoseConnection()
				return bytes.NewBufferString("hello")
			},
			func(*Reactor, *testProto) {}},
		{"end of file with output buffered",
			// The server writes while the kernel takes it all; once it
			// refuses some (under the 64 KiB that pause), the client sends
			// a byte and its end of file, which the server reads with
			// output buffered; then the client reads everything.
			func(r *Reactor, p *testProto) *bytes.Buffer {
				var written bytes.Buffer
				var write func()
				write = func() {
					if p.t.BufferedLen() == 0 && p.t.Connected() {
						chunk := pattern(32 << 10)
						written.Write(chunk)
						p.t.Write(chunk)
						r.CallLater(time.Millisecond, write)
					}
				}
				write()
				return &written
			},
			func(r *Reactor, p *testProto) {
				p.t.PauseProducing()
				r.CallLater(300*time.Millisecond, func() {
					p.t.Write([]byte("x"))
					p.t.LoseWriteConnection()
					r.CallLater(100*time.Millisecond, p.t.ResumeProducing)
				})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newTestReactor(t, Config{})
			done := stopAfter(r, 2)
			var server *testProto
			var written *bytes.Buffer
			port := endpoints[0].listen(t, r, func(net.Addr) Protocol {
				server = lostStops(&testProto{onMade: func(p *testProto) {
					if err := p.t.RegisterProducer(p.t, true); err != nil {
						t.Error(err)
					}
					written = tc.server(r, p)
				}}, done)
				return server
			})
			client := &testProto{onMade: func(p *testProto) { tc.client(r, p) }}
			endpoints[0].connect(t, r, port, &testClient{proto: client, onLost: func(error) { done() }, onFailed: func(error) { r.Stop() }})
			r.CallLater(5*time.Second, func() { r.Stop() })
			run(t, r)
			if server == nil || len(server.lost) != 1 {
				t.Fatal("the server's connection was still open when the reactor stopped")
			}
			if server.lost[0] != ErrConnectionDone {
				t.Fatalf("the server's connection lost with %v, want %v", server.lost[0], ErrConnectionDone)
			}
			if !bytes.Equal(client.data.Bytes(), written.Bytes()) {
				t.Fatalf("the client got %d bytes, want %d", client.data.Len(), written.Len())
			}
		})
	}
}
