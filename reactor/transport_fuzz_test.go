package reactor

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The steps of FuzzTCPTransport: each byte of the input picks one, the next
// byte its size where it has one.
const (
	stepWrite     = iota // the transport writes
	stepLose             // LoseConnection
	stepAbort            // AbortConnection
	stepPause            // PauseProducing
	stepResume           // ResumeProducing
	stepHalfClose        // LoseWriteConnection
	stepPeerWrite        // the peer writes to us
	stepYield            // let the loop run a while: the model no longer knows how far I/O went
	stepSync             // wait until the I/O under way is done, as the model predicts it
	numSteps
)

var (
	fuzzWriteSizes = []int{1, 7, 1000, 65536, 300000}
	// fuzzMaxSteps and fuzzMaxBytes bound one run: a few milliseconds each.
	fuzzMaxSteps = 48
	fuzzMaxBytes = 4 << 20
	// fuzzWait bounds each wait of a run; beyond it the run fails.
	fuzzWait = 10 * time.Second
)

// fuzzPeer is the other end of the connection: a plain blocking socket
// that reads everything until end of file or an error, then closes (so a
// half-closed transport sees end of file in turn), and writes what it is
// asked to on its own goroutine.
type fuzzPeer struct {
	conn   net.Conn
	got    atomic.Int64
	ended  atomic.Bool // the reader has stopped
	data   []byte      // what it read: the reader's until done is closed
	done   chan struct{}
	writes chan []byte
	wrote  sync.WaitGroup
	once   sync.Once
}

func newFuzzPeer(addr string) (*fuzzPeer, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &fuzzPeer{conn: conn, done: make(chan struct{}), writes: make(chan []byte, fuzzMaxSteps)}
	go func() {
		defer close(p.done)
		buf := make([]byte, 64<<10)
		for {
			n, err := conn.Read(buf)
			p.data = append(p.data, buf[:n]...)
			p.got.Add(int64(n))
			if err != nil {
				p.ended.Store(true)
				conn.Close()
				return
			}
		}
	}()
	p.wrote.Add(1)
	go func() {
		defer p.wrote.Done()
		for data := range p.writes {
			// An error (the connection is closed or reset) drops the rest,
			// which the model allows for.
			_, _ = conn.Write(data)
		}
	}()
	return p, nil
}

// close stops the writer and waits for both goroutines.
func (p *fuzzPeer) close() {
	p.once.Do(func() {
		close(p.writes)
		p.conn.Close()
		p.wrote.Wait()
		<-p.done
	})
}

// fuzzProto is the protocol of the transport under test: it records what
// the transport tells it and the calls that break the transport's rules.
type fuzzProto struct {
	t          *StreamTransport
	received   bytes.Buffer
	lost       []error
	readLost   int
	writeLost  int
	paused     bool // PauseProducing is in force
	losing     bool // LoseConnection or AbortConnection was called
	violations []string
}

func (p *fuzzProto) violate(format string, args ...any) {
	p.violations = append(p.violations, fmt.Sprintf(format, args...))
}

func (p *fuzzProto) ConnectionMade(t *StreamTransport) { p.t = t }

func (p *fuzzProto) DataReceived(data []byte) {
	switch {
	case len(p.lost) > 0:
		p.violate("DataReceived(%d bytes) after ConnectionLost", len(data))
	case p.losing:
		p.violate("DataReceived(%d bytes) after LoseConnection or AbortConnection", len(data))
	case p.paused:
		p.violate("DataReceived(%d bytes) while paused", len(data))
	}
	p.received.Write(data)
}

func (p *fuzzProto) ConnectionLost(reason error) { p.lost = append(p.lost, reason) }

// fuzzHalfCloseable is fuzzProto as a HalfCloseableProtocol.
type fuzzHalfCloseable struct{ *fuzzProto }

func (p fuzzHalfCloseable) ReadConnectionLost()  { p.readLost++ }
func (p fuzzHalfCloseable) WriteConnectionLost() { p.writeLost++ }

// transportModel is what FuzzTCPTransport knows of the connection.
type transportModel struct {
	accepted    bytes.Buffer // the bytes Write took, in order
	peerSent    bytes.Buffer // the bytes the peer was asked to write
	aborted     bool         // AbortConnection found the connection open
	losing      bool         // LoseConnection found it open (and not aborted)
	halfClosing bool         // LoseWriteConnection found it open
	paused      bool
	unsure      bool // losing or half-closing, and the loop ran since: a write may or may not be taken
	refusing    bool // a write was dropped while unsure: the following ones must be too
	seq         int
}

// FuzzTCPTransport runs a sequence of writes, LoseConnection,
// AbortConnection, PauseProducing/ResumeProducing, LoseWriteConnection,
// writes by the peer and turns of the loop on a reactor's TCP transport
// against a real loopback peer, and checks it against a model: every byte
// Write takes reaches the peer once, in order (a prefix of them after an
// abort); the transport takes writes until it closes and none after;
// nothing is received while paused or after LoseConnection; the peer's bytes
// arrive in order; ConnectionLost comes exactly once, with
// ErrConnectionAborted after an abort of an open connection and
// ErrConnectionDone otherwise; the socket is closed at the end.
//
// go test -run '^$' -fuzz '^FuzzTCPTransport$' -fuzztime 10m -parallel 1 ./reactor
func FuzzTCPTransport(f *testing.F) {
	f.Add([]byte{stepWrite, 2, stepSync, stepWrite, 4, stepLose, stepWrite, 1}, false, uint8(0))
	f.Add([]byte{stepWrite, 4, stepWrite, 4, stepAbort, stepWrite, 0}, false, uint8(1))
	f.Add([]byte{stepPeerWrite, 3, stepPause, stepPeerWrite, 4, stepYield, 2, stepResume, stepSync, stepLose}, true, uint8(0))
	f.Add([]byte{stepWrite, 3, stepHalfClose, stepWrite, 1, stepYield, 1, stepWrite, 2, stepSync, stepWrite, 0}, true, uint8(0))
	f.Add([]byte{stepWrite, 3, stepHalfClose, stepYield, 0, stepPeerWrite, 2, stepSync}, false, uint8(2))
	f.Add([]byte{stepWrite, 4, stepLose, stepYield, 2, stepAbort, stepWrite, 1}, false, uint8(0))
	f.Add([]byte{stepPause, stepWrite, 4, stepPeerWrite, 4, stepLose, stepResume, stepSync}, false, uint8(1))
	f.Fuzz(func(t *testing.T, steps []byte, halfCloseable bool, pollerSel uint8) {
		runTransportSteps(t, steps, halfCloseable, PollerNames[int(pollerSel)%len(PollerNames)])
	})
}

func runTransportSteps(t *testing.T, steps []byte, halfCloseable bool, poller string) {
	pl, err := NewPoller(poller)
	if err != nil {
		t.Fatal(err)
	}
	r, log := newTestReactor(t, Config{Poller: pl})
	proto := &fuzzProto{}
	var built Protocol = proto
	if halfCloseable {
		built = fuzzHalfCloseable{proto}
	}
	accepted := 0
	port, err := r.ListenTCP(0, "127.0.0.1", 0, func(net.Addr) Protocol {
		if accepted++; accepted > 1 {
			return nil
		}
		return built
	})
	if err != nil {
		t.Fatal(err)
	}
	peer, err := newFuzzPeer(port.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.close()

	m := &transportModel{}
	var trace []string
	fail := func(format string, args ...any) {
		proto.violate(format, args...)
		r.Stop()
	}
	// waitFor calls then once ready holds, checking it every millisecond.
	waitFor := func(what string, ready func() bool, then func()) {
		deadline := time.Now().Add(fuzzWait)
		var poll func()
		poll = func() {
			switch {
			case len(proto.violations) > 0:
				r.Stop()
			case ready():
				then()
			case time.Now().After(deadline):
				fail("waited %v for %s: peer got %d of %d bytes (ended %v), we got %d of %d, lost %v",
					fuzzWait, what, peer.got.Load(), m.accepted.Len(), peer.ended.Load(),
					proto.received.Len(), m.peerSent.Len(), proto.lost)
			default:
				r.CallLater(time.Millisecond, poll)
			}
		}
		poll()
	}
	lostSoFar := func() bool { return len(proto.lost) > 0 }
	// settled is the Sync step's condition: the state the model predicts
	// once the loop has done all it can.
	settled := func() bool {
		if m.aborted || m.losing {
			return lostSoFar()
		}
		if lostSoFar() && !(m.halfClosing && peer.ended.Load()) {
			fail("ConnectionLost(%v) on an open connection", proto.lost[0])
			return false
		}
		if m.halfClosing {
			// The peer reads to our end of file, then closes; unless paused,
			// we read its end of file in turn and the connection closes.
			if !peer.ended.Load() {
				return false
			}
			return m.paused || lostSoFar()
		}
		if int(peer.got.Load()) != m.accepted.Len() {
			return false
		}
		return m.paused || proto.received.Len() == m.peerSent.Len()
	}

	var step func(i int)
	next := func(i int) func() { return func() { step(i) } }
	finish := func() {
		// Wait for the peer to stop reading, let a few turns pass for a
		// second ConnectionLost to show, then stop.
		waitFor("the peer to stop reading", peer.ended.Load, func() {
			r.CallLater(2*time.Millisecond, func() { _ = r.Stop() })
		})
	}
	closeAll := func() {
		waitFor("the connection to close", lostSoFar, finish)
	}
	var finalize func()
	finalize = func() {
		trace = append(trace, "end")
		if m.aborted || lostSoFar() {
			closeAll()
			return
		}
		if m.paused {
			proto.t.ResumeProducing()
			m.paused, proto.paused = false, false
		}
		waitFor("the I/O to settle before the close", settled, func() {
			if !lostSoFar() && !m.losing {
				lose(proto, m)
			}
			closeAll()
		})
	}
	step = func(i int) {
		for ; i < len(steps) && i < fuzzMaxSteps; i++ {
			op := int(steps[i]) % numSteps
			arg := 0
			if op == stepWrite || op == stepPeerWrite || op == stepYield {
				if i+1 < len(steps) {
					arg = int(steps[i+1])
				}
				i++
			}
			tr := proto.t
			switch op {
			case stepWrite:
				n := fuzzWriteSizes[arg%len(fuzzWriteSizes)]
				if m.accepted.Len()+n > fuzzMaxBytes {
					continue
				}
				data := make([]byte, n)
				for k := range data {
					data[k] = byte(m.seq * 31 >> 3)
					m.seq++
				}
				before := tr.BufferedLen()
				tr.Write(data)
				grew := tr.BufferedLen() - before
				trace = append(trace, fmt.Sprintf("write %d: took %d", n, grew))
				mustTake := !m.aborted && !lostSoFar() && proto.writeLost == 0 && !m.unsure
				// The peer reads until our end of file: once it has seen it,
				// the write side is shut.
				shut := m.halfClosing && peer.ended.Load()
				mustDrop := m.aborted || lostSoFar() || proto.writeLost > 0 || shut || m.refusing
				switch {
				case grew != 0 && grew != n:
					fail("Write(%d bytes) buffered %d", n, grew)
				case grew == 0 && mustTake:
					fail("Write(%d bytes) dropped on an open connection", n)
				case grew == n && mustDrop:
					fail("Write(%d bytes) taken after the close", n)
				case grew == 0:
					m.refusing = true
				default:
					m.accepted.Write(data)
				}
			case stepLose:
				trace = append(trace, "lose")
				lose(proto, m)
			case stepAbort:
				trace = append(trace, "abort")
				if !m.aborted && !lostSoFar() {
					m.aborted = true
				}
				proto.losing = true
				tr.AbortConnection()
			case stepPause:
				trace = append(trace, "pause")
				m.paused, proto.paused = true, true
				tr.PauseProducing()
			case stepResume:
				trace = append(trace, "resume")
				m.paused, proto.paused = false, false
				tr.ResumeProducing()
			case stepHalfClose:
				trace = append(trace, "half-close")
				if !m.aborted && !m.losing && !lostSoFar() {
					m.halfClosing = true
				}
				tr.LoseWriteConnection()
			case stepPeerWrite:
				n := fuzzWriteSizes[arg%len(fuzzWriteSizes)]
				if m.peerSent.Len()+n > fuzzMaxBytes {
					continue
				}
				data := bytes.Repeat([]byte{byte(m.peerSent.Len()%251 + 1)}, n)
				trace = append(trace, fmt.Sprintf("peer writes %d", n))
				m.peerSent.Write(data)
				peer.writes <- data
			case stepYield:
				trace = append(trace, fmt.Sprintf("yield %dms", arg%3))
				m.unsure = m.unsure || m.losing || m.halfClosing
				r.CallLater(time.Duration(arg%3)*time.Millisecond, next(i+1))
				return
			case stepSync:
				trace = append(trace, "sync")
				m.unsure = m.unsure || m.losing || m.halfClosing
				waitFor("the I/O to settle", settled, next(i+1))
				return
			}
			if len(proto.violations) > 0 {
				r.Stop()
				return
			}
		}
		finalize()
	}

	started := false
	r.CallLater(0, func() {
		waitFor("the connection", func() bool { return proto.t != nil }, func() {
			started = true
			step(0)
		})
	})
	limit := r.CallLater(3*fuzzWait, func() {
		proto.violate("the run did not end within %v", 3*fuzzWait)
		r.Stop()
	})
	if err := r.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	limit.Cancel()
	port.StopListening()
	peer.close()

	report := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("steps %v (half-closeable %v, poller %s):\n%s\n"+format, append([]any{steps, halfCloseable, poller, trace}, args...)...)
	}
	if !started {
		report("the connection was never accepted")
	}
	if len(proto.violations) > 0 {
		report("%v", proto.violations)
	}
	if errs := log.list(); len(errs) > 0 {
		report("reported: %v", errs)
	}
	want := ErrConnectionDone
	if m.aborted {
		want = ErrConnectionAborted
	}
	if len(proto.lost) != 1 || !errors.Is(proto.lost[0], want) {
		report("ConnectionLost %v, want once with %v", proto.lost, want)
	}
	if proto.readLost > 1 || proto.writeLost > 1 {
		report("ReadConnectionLost %d times, WriteConnectionLost %d times", proto.readLost, proto.writeLost)
	}
	sent := m.accepted.Bytes()
	got := peer.data
	// Data of the peer's still unread at the close makes close(2) reset the
	// connection (as in Twisted: it is TCP's rule), and the peer may lose
	// what it had not read yet.
	unreadAtClose := proto.received.Len() < m.peerSent.Len()
	if m.aborted || unreadAtClose {
		if !bytes.HasPrefix(sent, got) {
			report("the peer got %d bytes, not a prefix of the %d written", len(got), len(sent))
		}
	} else if !bytes.Equal(got, sent) {
		report("the peer got %d bytes, want the %d written (equal prefix: %v)", len(got), len(sent), bytes.HasPrefix(sent, got))
	}
	if !bytes.HasPrefix(m.peerSent.Bytes(), proto.received.Bytes()) {
		report("we got %d bytes, not a prefix of the %d the peer wrote", proto.received.Len(), m.peerSent.Len())
	}
	if fd := proto.t.Fd(); fd != -1 {
		report("the socket is still open (fd %d)", fd)
	}
}

// lose calls LoseConnection as the model sees it.
func lose(p *fuzzProto, m *transportModel) {
	if !m.aborted && !m.losing && len(p.lost) == 0 {
		m.losing = true
	}
	p.losing = true
	p.t.LoseConnection()
}
