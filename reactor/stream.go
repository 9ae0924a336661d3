package reactor

import (
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"strings"

	"golang.org/x/sys/unix"
)

// Protocol is the Go side of a stream connection, after Twisted's
// IProtocol. The transport calls it on the loop's goroutine, in this order:
// ConnectionMade once, DataReceived any number of times, ConnectionLost
// exactly once. A panic in ConnectionMade or DataReceived is reported to
// the error hook and closes the connection, with the *PanicError as the
// reason ConnectionLost gets.
type Protocol interface {
	// ConnectionMade is called once the connection is up, before any
	// DataReceived; t is the transport to write to and close.
	ConnectionMade(t *StreamTransport)
	// DataReceived is called with what one read returned: a chunk of
	// arbitrary size (at most 64 KiB), not a message. data is the
	// reactor's read buffer, shared by all its connections and valid only
	// during the call: copy what must outlive it.
	DataReceived(data []byte)
	// ConnectionLost is called once, when the connection has closed:
	// ErrConnectionDone for a clean close (either side), ErrConnectionAborted
	// after AbortConnection, a *ConnectionLostError wrapping the errno for a
	// failure (ECONNRESET, EPIPE...), or a *PanicError. A connection still
	// open when the reactor stops is lost in the shutdown's "during" phase,
	// before Run returns, with a *ConnectionLostError ("Connection lost.").
	ConnectionLost(reason error)
}

// StringReceiver is a Protocol that takes what is read as a string it may
// keep (a Lua binding's data_received gets one), which saves DataReceived's
// copy: the transport reads into memory of the string's own and hands a
// nearly full read over as it is. The transport calls StringReceived instead
// of DataReceived, with the same chunks and under the same rules.
type StringReceiver interface {
	Protocol
	StringReceived(data string)
}

// HalfCloseableProtocol is a Protocol that goes on with one direction of
// the connection closed, after Twisted's IHalfCloseableProtocol. Once both
// directions are closed the connection closes by itself, and
// ConnectionLost(ErrConnectionDone) follows.
type HalfCloseableProtocol interface {
	Protocol
	// ReadConnectionLost is called at end of file: the peer will send
	// nothing more, and writing still works.
	ReadConnectionLost()
	// WriteConnectionLost is called once LoseWriteConnection has flushed
	// the buffer and shut the write side down.
	WriteConnectionLost()
}

// Producer is what a transport consumes from, after Twisted's IProducer:
// a streaming (push) producer writes when it likes and is paused while the
// transport's buffer is full; a pull producer writes once each time it is
// resumed. StreamTransport is itself a producer of what it reads.
type Producer interface {
	PauseProducing()
	ResumeProducing()
	StopProducing()
}

// Reasons a connection ends with, as Twisted's internet/error.py names and
// words them; test with errors.Is and errors.As.
var (
	ErrConnectionDone    = errors.New("Connection was closed cleanly.")
	ErrConnectionAborted = errors.New("Connection was aborted locally using ITCPTransport.abortConnection.")
)

// ConnectionLostError is the reason of a connection that ended in a
// non-clean fashion; Err is the errno (EPIPE, ECONNRESET, ...).
type ConnectionLostError struct{ Err error }

func (e *ConnectionLostError) Error() string {
	return "Connection to the other side was lost in a non-clean fashion: " + errnoText(e.Err) + "."
}

func (e *ConnectionLostError) Unwrap() error { return e.Err }

// errnoText is an error's text as Python's os.strerror words it: Go's
// errno strings are glibc's with the first letter in lower case.
func errnoText(err error) string {
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// errnoNumber is the number of an errno wrapped in err, -1 if none.
func errnoNumber(err error) int {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return int(errno)
	}
	return -1
}

// readBufferSize is the size of the reactor's read buffer and so the
// largest chunk DataReceived gets, as Twisted's 65536.
const readBufferSize = 64 << 10

// StreamTransport is a buffered, non-blocking stream connection (TCP or
// UNIX) watched by the reactor, after Twisted's abstract.FileDescriptor and
// tcp.Connection. Writes are queued (bytes copied, long strings not) and
// sent once the callback that wrote them has returned, before the loop
// waits again; only what the kernel refuses stays queued, to be sent when
// the socket is writable. Reads go into the reactor's one 64 KiB buffer.
// Its methods belong to the loop's goroutine; none blocks.
//
// The transport is the reactor's ReadDescriptor and WriteDescriptor for its
// socket: Fd, DoRead, DoWrite and ConnectionLost are for the reactor, not
// for the program.
type StreamTransport struct {
	r     *Reactor
	fd    int // -1 once closed
	proto Protocol
	isTCP bool
	host  net.Addr
	peer  net.Addr

	out writeQueue

	reading       bool  // registered as reader
	writing       bool  // registered as writer
	flushQueued   bool  // in the reactor's list to flush before it waits
	paused        bool  // PauseProducing: do not read until ResumeProducing
	disconnecting bool  // LoseConnection (or EOF with output pending): close once flushed
	disconnected  bool  // the socket is closed; ConnectionLost has run or is scheduled
	readClosed    bool  // end of file seen by a HalfCloseableProtocol
	loseWrite     bool  // LoseWriteConnection: shut the write side once flushed
	writeClosed   bool  // the write side is shut down
	told          bool  // the protocol has been told ConnectionLost
	pending       error // the reason closeLater will deliver

	// onLost runs after the protocol's ConnectionLost: the Connector's
	// ClientConnectionLost, the Port's bookkeeping.
	onLost func(reason error)
}

// newStreamTransport wraps a connected non-blocking socket; start starts
// it.
func newStreamTransport(r *Reactor, fd int, isTCP bool, host, peer net.Addr, p Protocol, onLost func(error)) *StreamTransport {
	t := &StreamTransport{r: r, fd: fd, proto: p, isTCP: isTCP, host: host, peer: peer, onLost: onLost}
	r.trackIO(t)
	return t
}

// start tells the protocol ConnectionMade, then starts reading in the same
// turn, so ConnectionMade precedes every DataReceived. Reading starts only
// after it, and only if ConnectionMade left the connection open and not
// paused: a server that writes and closes at once (a poem, a banner) costs
// no poller registration. Readers lists the transport while ConnectionMade
// runs all the same, as Twisted's does (it starts reading first). A panic in
// ConnectionMade closes the connection (ConnectionLost on a later turn, with
// the *PanicError).
func (t *StreamTransport) start() {
	outer := t.r.starting
	t.r.starting = t
	err := t.callProtocol(func() { t.proto.ConnectionMade(t) })
	t.r.starting = outer
	if err != nil {
		t.closeLater(err)
		return
	}
	if !t.paused && !t.disconnecting && !t.readClosed {
		t.startReading()
	}
}

// callProtocol runs f, turning a panic into a reported *PanicError.
func (t *StreamTransport) callProtocol(f func()) error { return callReporting(t.r, f) }

// callReporting runs f, turning a panic into a *PanicError reported to
// r's error hook and returned.
func callReporting(r *Reactor, f func()) (err error) {
	defer func() {
		if v := recover(); v != nil {
			p := &PanicError{Value: v, Stack: debug.Stack()}
			r.ReportError(p)
			err = p
		}
	}()
	f()
	return nil
}

// Fd is the socket's descriptor, -1 once closed.
func (t *StreamTransport) Fd() int { return t.fd }

// Protocol returns the protocol the transport calls.
func (t *StreamTransport) Protocol() Protocol { return t.proto }

// GetHost is the local address: a *net.TCPAddr or a *net.UnixAddr.
func (t *StreamTransport) GetHost() net.Addr { return t.host }

// GetPeer is the remote address: a *net.TCPAddr or a *net.UnixAddr.
func (t *StreamTransport) GetPeer() net.Addr { return t.peer }

// Connected reports whether the socket is open and LoseConnection has not
// been called.
func (t *StreamTransport) Connected() bool { return !t.disconnected && !t.disconnecting }

// BufferedLen is the number of written bytes not yet sent.
func (t *StreamTransport) BufferedLen() int { return t.out.size }

// Write queues a copy of data, sent once the current callback has returned
// (before the loop waits again); it never sends inside the call, so an
// AbortConnection in the same callback still drops it. Empty data does
// nothing. Writes made after LoseConnection (or LoseWriteConnection) and
// before the close are still sent; once the connection (or its write side)
// is closed they are dropped silently, as Twisted does. A send error is
// not returned: it closes the connection and is ConnectionLost's reason.
func (t *StreamTransport) Write(data []byte) {
	if len(data) == 0 || t.disconnected || t.writeClosed {
		return
	}
	t.out.add(data)
	t.r.scheduleFlush(t)
}

// WriteString is Write for a string, which is queued without a copy when
// it is long (1 KiB or more): one string written to many connections is
// held once.
func (t *StreamTransport) WriteString(data string) {
	if len(data) == 0 || t.disconnected || t.writeClosed {
		return
	}
	t.out.addString(data)
	t.r.scheduleFlush(t)
}

// RegisterProducer makes the transport consume from p, as Twisted's
// registerProducer: a streaming producer is paused while more than 64 KiB
// is buffered and resumed once the buffer is sent; a pull producer is
// resumed now and each time the buffer is sent. After LoseConnection, once
// the buffer is sent, a pull producer or a paused streaming one is resumed
// and the close waits for it to write or be unregistered; a streaming
// producer that is not paused (the transport itself, as an echo's
// backpressure, included) does not hold the close, as in Twisted 22.4's
// doWrite. On a closed transport p is told StopProducing at once; a second
// producer is an error. A producer still registered at the close is told
// StopProducing.
func (t *StreamTransport) RegisterProducer(p Producer, streaming bool) error {
	if t.out.producer == nil && t.disconnected {
		p.StopProducing()
		return nil
	}
	return t.out.register(p, streaming)
}

// UnregisterProducer stops consuming from the producer, without closing;
// a LoseConnection made meanwhile goes on.
func (t *StreamTransport) UnregisterProducer() {
	t.out.producer = nil
	if !t.disconnected && t.disconnecting {
		t.startWriting()
	}
}

// WriteSequence writes each piece in turn, as Twisted's writeSequence.
func (t *StreamTransport) WriteSequence(pieces [][]byte) {
	for _, p := range pieces {
		t.Write(p)
	}
}

// WriteStringSequence writes each string in turn, as WriteString does.
func (t *StreamTransport) WriteStringSequence(pieces []string) {
	for _, p := range pieces {
		t.WriteString(p)
	}
}

// LoseConnection stops reading at once and closes the connection once the
// buffered output is sent; ConnectionLost(ErrConnectionDone) follows on a
// later turn (or the send's error, if the flush fails). A second call, or a
// call after the close, does nothing.
func (t *StreamTransport) LoseConnection() {
	if t.disconnected || t.disconnecting {
		return
	}
	t.disconnecting = true
	t.stopReading()
	t.closeOnceSent()
}

// closeOnceSent has DoWrite finish a LoseConnection or LoseWriteConnection.
// A queued flush runs it before the loop waits, so watching for
// writability as well would only hold the buffer back until the next
// writable event. An empty buffer closes at the next writable event: a
// later turn.
func (t *StreamTransport) closeOnceSent() {
	if t.flushQueued {
		return
	}
	t.startWriting()
}

// LoseWriteConnection shuts down the write side (shutdown(2) SHUT_WR) once
// the buffer is sent, and reading goes on: the peer sees end of file. A
// HalfCloseableProtocol is then told WriteConnectionLost; when its read
// side is closed too, the connection closes (ConnectionLost with
// ErrConnectionDone). A call after LoseConnection does nothing.
func (t *StreamTransport) LoseWriteConnection() {
	if t.disconnected || t.disconnecting || t.loseWrite {
		return
	}
	t.loseWrite = true
	t.closeOnceSent()
}

// AbortConnection closes the connection at once, dropping buffered output;
// a TCP socket is closed with SO_LINGER 0, so the peer gets a reset.
// ConnectionLost(ErrConnectionAborted) follows on a later turn. It does
// nothing once the connection is closed.
func (t *StreamTransport) AbortConnection() {
	if t.disconnected {
		return
	}
	if t.isTCP {
		// An error leaves an ordinary close, which is all that is left to do.
		_ = unix.SetsockoptLinger(t.fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	}
	t.closeLater(ErrConnectionAborted)
}

// PauseProducing stops reading until ResumeProducing: no DataReceived,
// and the peer is slowed by TCP's flow control once the kernel's buffer
// fills. End of file and resets are noticed only once reading resumes.
func (t *StreamTransport) PauseProducing() {
	t.paused = true
	t.stopReading()
}

// StopProducing is LoseConnection: the transport as a producer (of what
// it reads) is stopped by closing, as Twisted's stopProducing.
func (t *StreamTransport) StopProducing() { t.LoseConnection() }

// ResumeProducing starts reading again after PauseProducing (not after
// LoseConnection).
func (t *StreamTransport) ResumeProducing() {
	t.paused = false
	if !t.disconnected && !t.disconnecting && !t.readClosed {
		t.startReading()
	}
}

func (t *StreamTransport) startReading() {
	if t.reading || t.disconnected {
		return
	}
	if err := t.r.AddReader(t); err != nil {
		t.closeLater(&ConnectionLostError{Err: err})
		return
	}
	t.reading = true
}

func (t *StreamTransport) stopReading() {
	if t.reading {
		t.r.RemoveReader(t)
		t.reading = false
	}
}

func (t *StreamTransport) startWriting() {
	if t.writing || t.disconnected {
		return
	}
	if err := t.r.AddWriter(t); err != nil {
		t.closeLater(&ConnectionLostError{Err: err})
		return
	}
	t.writing = true
}

func (t *StreamTransport) stopWriting() {
	if t.writing {
		t.r.RemoveWriter(t)
		t.writing = false
	}
}

// DoRead reads once into the transport's buffer and hands the data to
// the protocol. At end of file with output still buffered, the output is
// sent before the close (a deliberate difference from Twisted 22.4, its
// issue 9236).
func (t *StreamTransport) DoRead() error {
	sr, toString := t.proto.(StringReceiver)
	var buf []byte
	if toString {
		buf = t.r.stringReadBuffer()
	} else {
		buf = t.r.readBuffer()
	}
	for {
		n, err := readNonblock(t.fd, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return nil
		case err != nil:
			return &ConnectionLostError{Err: err}
		case n == 0:
			if hc, ok := t.proto.(HalfCloseableProtocol); ok && !t.disconnecting {
				t.readClosed = true
				t.stopReading()
				if err := t.callProtocol(hc.ReadConnectionLost); err != nil || !t.writeClosed {
					return err
				}
				return ErrConnectionDone
			}
			if t.out.size > 0 {
				t.disconnecting = true
				t.stopReading()
				return nil
			}
			return ErrConnectionDone
		}
		if toString {
			sr.StringReceived(t.r.takeString(buf, n))
		} else {
			t.proto.DataReceived(buf[:n])
		}
		return nil
	}
}

// DoWrite sends as much of the buffer as the socket takes, several pieces
// with one writev. While some is left it watches for writability; once the
// buffer is empty it stops, and closes a disconnecting connection.
func (t *StreamTransport) DoWrite() error {
	if err := t.out.flush(t.writeIovecs); err != nil {
		return &ConnectionLostError{Err: err}
	}
	if t.out.size > 0 {
		t.startWriting() // the socket would block
		return nil
	}
	t.stopWriting()
	if t.out.drained() {
		return nil
	}
	if t.disconnecting {
		// A producer is still registered only if it is streaming and not
		// paused (drained resumed any other): as in Twisted, the close
		// goes on without it, and it is told StopProducing.
		return ErrConnectionDone
	}
	if t.loseWrite && !t.writeClosed {
		return t.shutdownWrite()
	}
	return nil
}

// writeIovecs is the send function of the queue's flush.
func (t *StreamTransport) writeIovecs(iov [][]byte) (int, error) { return writeNonblockFd(t.fd, iov) }

// shutdownWrite shuts the flushed write side down and tells the protocol.
func (t *StreamTransport) shutdownWrite() error {
	t.writeClosed = true
	if err := unix.Shutdown(t.fd, unix.SHUT_WR); err != nil {
		return &ConnectionLostError{Err: err}
	}
	if hc, ok := t.proto.(HalfCloseableProtocol); ok {
		if err := t.callProtocol(hc.WriteConnectionLost); err != nil {
			return err
		}
	}
	if t.readClosed {
		return ErrConnectionDone
	}
	return nil
}

// ConnectionLost is the reactor's notice that it dropped the transport
// (DoRead or DoWrite returned reason, or panicked): the socket is closed
// and the protocol told, once.
func (t *StreamTransport) ConnectionLost(reason error) {
	if t.disconnected {
		return
	}
	t.reading, t.writing = false, false
	t.closeNow()
	t.lost(reason)
}

// closeLater closes the socket now and tells the protocol on a later turn.
func (t *StreamTransport) closeLater(reason error) {
	t.stopReading()
	t.stopWriting()
	t.closeNow()
	t.pending = reason
	t.r.CallLater(0, func() { t.lost(reason) })
}

// shutdown ends the connection when the reactor stops: ConnectionLost now,
// with the reason a close already under way has, or a *ConnectionLostError
// ("Connection lost").
func (t *StreamTransport) shutdown() {
	if t.disconnected {
		if t.pending != nil {
			t.lost(t.pending)
		}
		return
	}
	t.stopReading()
	t.stopWriting()
	t.closeNow()
	t.lost(&ConnectionLostError{Err: ErrLostAtShutdown})
}

// closeNow closes the socket and drops the buffers.
func (t *StreamTransport) closeNow() {
	t.disconnected = true
	t.out.drop()
	if t.fd >= 0 {
		// close(2) frees the descriptor even when it reports an error.
		_ = closeSocket(t.fd)
		t.fd = -1
	}
}

// lost tells the protocol, then the owner; a panic in the first is
// reported and does not keep the second from running.
func (t *StreamTransport) lost(reason error) {
	if t.told {
		return
	}
	t.told = true
	t.r.untrackIO(t)
	if p := t.out.takeProducer(); p != nil {
		_ = t.callProtocol(p.StopProducing)
	}
	_ = t.callProtocol(func() { t.proto.ConnectionLost(reason) })
	if t.onLost != nil {
		t.onLost(reason)
	}
}

func (t *StreamTransport) String() string {
	return fmt.Sprintf("StreamTransport(fd=%d, host=%v, peer=%v)", t.fd, t.host, t.peer)
}
