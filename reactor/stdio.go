package reactor

import (
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// StdioProtocol is the Go side of StandardIO, as Protocol is of a stream
// connection: ConnectionMade once, inside StandardIO; DataReceived with
// each chunk read from stdin (the reused read buffer, valid only during the
// call); ConnectionLost exactly once, on a later turn than what caused it.
// A panic in ConnectionMade or DataReceived is reported to the error hook
// and closes the transport, with the *PanicError as ConnectionLost's reason.
//
// A protocol that also has HalfCloseableProtocol's ReadConnectionLost and
// WriteConnectionLost methods is half-closeable: at the end of stdin it
// gets ReadConnectionLost and stdout stays open; once LoseWriteConnection
// has closed stdout too, ConnectionLost(ErrConnectionDone) follows.
type StdioProtocol interface {
	ConnectionMade(t *StandardIO)
	DataReceived(data []byte)
	ConnectionLost(reason error)
}

// halfCloser is what makes a StdioProtocol half-closeable.
type halfCloser interface {
	ReadConnectionLost()
	WriteConnectionLost()
}

// PipeAddress is StandardIO's address for both ends, as Twisted's
// PipeAddress.
type PipeAddress struct{}

func (PipeAddress) Network() string { return "pipe" }
func (PipeAddress) String() string  { return "PipeAddress()" }

// StdioOption changes the descriptors StandardIO uses.
type StdioOption func(*stdioConfig)

type stdioConfig struct{ stdin, stdout int }

// StdinFd makes StandardIO read fd instead of 0.
func StdinFd(fd int) StdioOption { return func(c *stdioConfig) { c.stdin = fd } }

// StdoutFd makes StandardIO write fd instead of 1.
func StdoutFd(fd int) StdioOption { return func(c *stdioConfig) { c.stdout = fd } }

// StandardIO is a transport over the process's standard input and output,
// after Twisted's internet/_posixstdio.py: what stdin gives goes to the
// protocol's DataReceived, and Write queues output for stdout, sent when
// stdout is writable. Its methods belong to the loop's goroutine; none
// blocks, whatever stdin and stdout are (a terminal, a pipe, a socket, a
// regular file, /dev/null).
//
// The descriptions behind the process's descriptors are never made
// non-blocking, so the parent shell, print and os.Stdout, and other
// processes sharing them never see O_NONBLOCK, even if the program dies
// without cleaning up. A pipe or terminal gets a non-blocking open file
// description of its own (Linux: through /proc/self/fd), closed with the
// transport; a socket is read and written with MSG_DONTWAIT; a regular
// file or block device never blocks. Otherwise (another system, a
// terminal that cannot be reopened, a character device) each read and
// write of the blocking descriptor is preceded by a poll with a zero
// timeout, and a write sends at most PIPE_BUF bytes, which a pipe found
// writable takes without blocking. The process's descriptors stay open
// after the transport closes: the program may go on printing.
//
// Deliberate difference from Twisted 22.4: at the end of stdin, what was
// written is flushed to stdout before ConnectionLost(ErrConnectionDone)
// (Twisted drops it: `app </dev/null` loses the greeting, its issue 9236).
// When the reactor stops with the transport open, what stdout takes without
// blocking is written, then ConnectionLost gets a *ConnectionLostError
// ("Connection lost."), before Run returns.
type StandardIO struct {
	r     *Reactor
	proto StdioProtocol
	in    *stdinReader
	out   *stdoutWriter

	paused        bool  // PauseProducing: do not read until ResumeProducing
	disconnecting bool  // LoseConnection, or end of stdin with output pending
	loseWrite     bool  // LoseWriteConnection: close stdout once flushed
	readClosed    bool  // end of stdin seen
	writeClosed   bool  // stdout closed by LoseWriteConnection
	disconnected  bool  // both ends closed; ConnectionLost has run or is scheduled
	told          bool  // the protocol has been told ConnectionLost
	pending       error // the reason closeLater will deliver
}

// StandardIO starts a transport on stdin (fd 0) and stdout (fd 1), or the
// descriptors the options name, and calls p.ConnectionMade before it
// returns, as Twisted's StandardIO. It fails if a descriptor is not open,
// or not open for its direction. Until ConnectionLost the reactor has the
// transport to close at Stop.
func (r *Reactor) StandardIO(p StdioProtocol, opts ...StdioOption) (*StandardIO, error) {
	cfg := stdioConfig{stdin: 0, stdout: 1}
	for _, o := range opts {
		o(&cfg)
	}
	in, err := openStdioEnd(cfg.stdin, false)
	if err != nil {
		return nil, fmt.Errorf("reactor: StandardIO: stdin (fd %d): %w", cfg.stdin, err)
	}
	out, err := openStdioEnd(cfg.stdout, true)
	if err != nil {
		in.close()
		return nil, fmt.Errorf("reactor: StandardIO: stdout (fd %d): %w", cfg.stdout, err)
	}
	s := &StandardIO{r: r, proto: p}
	s.in = &stdinReader{s: s, end: in}
	s.out = &stdoutWriter{s: s, end: out}
	r.trackIO(s)
	s.startReading()
	if out.fifo {
		// The read hack: the write end of a pipe is never readable, but
		// the poller reports an error condition once every reader closed
		// its end, so the loss is noticed with nothing to write.
		if err := r.AddReader(s.out); err != nil {
			s.closeLater(&ConnectionLostError{Err: err})
		}
	}
	if err := callReporting(r, func() { p.ConnectionMade(s) }); err != nil {
		s.closeLater(err)
	}
	return s, nil
}

// Protocol returns the protocol the transport calls.
func (s *StandardIO) Protocol() StdioProtocol { return s.proto }

// GetHost and GetPeer are PipeAddress{}, as in Twisted.
func (s *StandardIO) GetHost() net.Addr { return PipeAddress{} }
func (s *StandardIO) GetPeer() net.Addr { return PipeAddress{} }

// Connected reports whether the transport is open and LoseConnection has
// not been called.
func (s *StandardIO) Connected() bool { return !s.disconnected && !s.disconnecting }

// BufferedLen is the number of written bytes not yet sent to stdout.
func (s *StandardIO) BufferedLen() int { return s.out.q.size }

// Write queues a copy of data for stdout; it never writes inside the call.
// Empty data does nothing. Writes made after LoseConnection (or
// LoseWriteConnection) and before the close are still sent; once stdout is
// closed they are dropped silently, as Twisted does. A write error (EPIPE:
// nobody reads stdout any more) closes the transport and is
// ConnectionLost's reason.
func (s *StandardIO) Write(data []byte) {
	if len(data) == 0 || s.disconnected || s.writeClosed {
		return
	}
	s.out.q.add(data)
	s.startWriting()
}

// WriteSequence writes each piece in turn.
func (s *StandardIO) WriteSequence(pieces [][]byte) {
	for _, p := range pieces {
		s.Write(p)
	}
}

// WriteString is Write for a string, queued without a copy when it is
// long, as StreamTransport.WriteString.
func (s *StandardIO) WriteString(data string) {
	if len(data) == 0 || s.disconnected || s.writeClosed {
		return
	}
	s.out.q.addString(data)
	s.startWriting()
}

// WriteStringSequence writes each string in turn.
func (s *StandardIO) WriteStringSequence(pieces []string) {
	for _, p := range pieces {
		s.WriteString(p)
	}
}

// LoseConnection stops reading stdin at once and closes the transport once
// the queued output is written; ConnectionLost(ErrConnectionDone) follows
// on a later turn. A second call, or a call after the close, does nothing.
func (s *StandardIO) LoseConnection() {
	if s.disconnected || s.disconnecting {
		return
	}
	s.disconnecting = true
	s.stopReading()
	if s.writeClosed {
		s.closeLater(ErrConnectionDone)
		return
	}
	// An empty queue closes at the next writable event: a later turn.
	s.startWriting()
}

// LoseWriteConnection closes stdout once the queued output is written, and
// reading goes on. A half-closeable protocol is then told
// WriteConnectionLost, and, if stdin has ended too, ConnectionLost. It
// does nothing after LoseConnection.
func (s *StandardIO) LoseWriteConnection() {
	if s.disconnected || s.disconnecting || s.loseWrite {
		return
	}
	s.loseWrite = true
	s.startWriting()
}

// AbortConnection closes the transport at once, dropping the queued
// output; ConnectionLost(ErrConnectionAborted) follows on a later turn. It
// does nothing once the transport is closed. (Twisted's StandardIO has no
// abortConnection; this one makes it a transport like the others.)
func (s *StandardIO) AbortConnection() { s.closeLater(ErrConnectionAborted) }

// Descriptors are what the reactor watches for stdin and for stdout, in
// that order, while they are open: what Readers and Writers return for
// this transport (stdout is also a reader when it is a pipe, to notice
// that its reader went away), so a binding can map them to its own object.
func (s *StandardIO) Descriptors() [2]FileDescriptor {
	return [2]FileDescriptor{s.in, s.out}
}

// PauseProducing stops reading stdin until ResumeProducing.
func (s *StandardIO) PauseProducing() {
	s.paused = true
	s.stopReading()
}

// ResumeProducing starts reading stdin again after PauseProducing (not
// after LoseConnection or the end of stdin).
func (s *StandardIO) ResumeProducing() {
	s.paused = false
	s.startReading()
}

// StopProducing is LoseConnection, as in Twisted.
func (s *StandardIO) StopProducing() { s.LoseConnection() }

// RegisterProducer makes the transport consume from p, as StreamTransport's
// RegisterProducer: a streaming producer is paused while more than 64 KiB
// is queued for stdout and resumed once it is written; a pull producer is
// resumed now and each time the queue is written. LoseConnection waits for
// UnregisterProducer. On a closed transport p is told StopProducing at
// once; a second producer is an error.
func (s *StandardIO) RegisterProducer(p Producer, streaming bool) error {
	if s.out.q.producer == nil && s.disconnected {
		p.StopProducing()
		return nil
	}
	return s.out.q.register(p, streaming)
}

// UnregisterProducer stops consuming from the producer; a LoseConnection
// made meanwhile goes on.
func (s *StandardIO) UnregisterProducer() {
	s.out.q.producer = nil
	if !s.disconnected && s.disconnecting {
		s.startWriting()
	}
}

func (s *StandardIO) startReading() {
	rd := s.in
	if rd.reading || s.paused || s.disconnected || s.disconnecting || s.readClosed {
		return
	}
	if err := s.r.AddReader(rd); err != nil {
		s.closeLater(&ConnectionLostError{Err: err})
		return
	}
	rd.reading = true
}

func (s *StandardIO) stopReading() {
	if s.in.reading {
		s.r.RemoveReader(s.in)
		s.in.reading = false
	}
}

func (s *StandardIO) startWriting() {
	w := s.out
	if w.writing || s.disconnected || s.writeClosed {
		return
	}
	if err := s.r.AddWriter(w); err != nil {
		s.closeLater(&ConnectionLostError{Err: err})
		return
	}
	w.writing = true
}

func (s *StandardIO) stopWriting() {
	if s.out.writing {
		s.r.RemoveWriter(s.out)
		s.out.writing = false
	}
}

// doRead reads stdin once and hands the data to the protocol.
func (s *StandardIO) doRead() error {
	rd := s.in
	buf := s.r.readBuffer()
	n, err := rd.end.read(buf)
	switch {
	case err == unix.EAGAIN:
		return nil
	case err != nil:
		return &ConnectionLostError{Err: err}
	case n == 0:
		return s.readEnded()
	}
	s.proto.DataReceived(buf[:n])
	return nil
}

// readEnded handles the end of stdin: a half-closeable protocol is told
// ReadConnectionLost; otherwise the transport closes once the queued
// output is written.
func (s *StandardIO) readEnded() error {
	s.stopReading()
	s.in.end.close()
	s.readClosed = true
	if hc, ok := s.proto.(halfCloser); ok {
		if err := callReporting(s.r, hc.ReadConnectionLost); err != nil {
			return err
		}
		if s.writeClosed {
			return ErrConnectionDone
		}
		return nil
	}
	if s.out.q.size > 0 && !s.writeClosed {
		s.disconnecting = true
		return nil // doWrite closes once the queue is written
	}
	return ErrConnectionDone
}

// doWrite writes as much of the queue as stdout takes. Once the queue is
// empty it stops watching for writability, and closes what is due.
func (s *StandardIO) doWrite() error {
	w := s.out
	if err := w.q.flush(w.end.write); err != nil {
		return &ConnectionLostError{Err: err}
	}
	if w.q.size > 0 {
		return nil // stdout would block
	}
	s.stopWriting()
	if w.q.drained() {
		return nil
	}
	if s.disconnecting {
		if w.q.producer != nil {
			return nil // UnregisterProducer resumes the close
		}
		return ErrConnectionDone
	}
	if s.loseWrite && !s.writeClosed {
		return s.closeWrite()
	}
	return nil
}

// closeWrite closes the flushed stdout and tells the protocol.
func (s *StandardIO) closeWrite() error {
	s.writeClosed = true
	s.r.RemoveReader(s.out)
	s.out.end.close()
	if hc, ok := s.proto.(halfCloser); ok {
		if err := callReporting(s.r, hc.WriteConnectionLost); err != nil {
			return err
		}
	}
	if s.readClosed {
		return ErrConnectionDone
	}
	return nil
}

// connectionLost is the reactor's notice that it dropped the reader or the
// writer (an error, a panic, or a close that is due): the transport
// closes and the protocol is told, once.
func (s *StandardIO) connectionLost(reason error) {
	if s.disconnected {
		return
	}
	s.closeNow()
	s.lost(reason)
}

// closeLater closes now and tells the protocol on a later turn.
func (s *StandardIO) closeLater(reason error) {
	if s.disconnected {
		return
	}
	s.closeNow()
	s.pending = reason
	s.r.CallLater(0, func() { s.lost(reason) })
}

// shutdown ends the transport when the reactor stops: what stdout takes
// without blocking is written, then ConnectionLost runs now, with the
// reason a close already under way has, or a *ConnectionLostError
// ("Connection lost").
func (s *StandardIO) shutdown() {
	if s.disconnected {
		if s.pending != nil {
			s.lost(s.pending)
		}
		return
	}
	if !s.writeClosed {
		_ = s.out.q.flush(s.out.end.write) // best effort: the close follows anyway
	}
	s.closeNow()
	s.lost(&ConnectionLostError{Err: ErrLostAtShutdown})
}

// closeNow stops watching, closes the descriptions the transport opened
// and drops the buffers.
func (s *StandardIO) closeNow() {
	s.disconnected = true
	s.stopReading()
	s.stopWriting()
	s.r.RemoveReader(s.out) // the read hack, if any
	s.in.end.close()
	s.out.end.close()
	s.out.q.drop()
}

// lost tells the producer and the protocol, once; a panic in either is
// reported.
func (s *StandardIO) lost(reason error) {
	if s.told {
		return
	}
	s.told = true
	s.r.untrackIO(s)
	if p := s.out.q.takeProducer(); p != nil {
		_ = callReporting(s.r, p.StopProducing)
	}
	_ = callReporting(s.r, func() { s.proto.ConnectionLost(reason) })
}

func (s *StandardIO) String() string {
	return fmt.Sprintf("StandardIO(stdin=%d, stdout=%d)", s.in.end.orig, s.out.end.orig)
}

// stdinReader is the reactor's ReadDescriptor for stdin.
type stdinReader struct {
	s       *StandardIO
	end     stdioEnd
	reading bool
}

func (rd *stdinReader) Fd() int                     { return rd.end.fd }
func (rd *stdinReader) DoRead() error               { return rd.s.doRead() }
func (rd *stdinReader) ConnectionLost(reason error) { rd.s.connectionLost(reason) }
func (rd *stdinReader) String() string              { return fmt.Sprintf("%v stdin", rd.s) }

// stdoutWriter is the reactor's WriteDescriptor for stdout, and its
// ReadDescriptor when stdout is a pipe (the read hack).
type stdoutWriter struct {
	s       *StandardIO
	end     stdioEnd
	q       writeQueue
	writing bool
}

func (w *stdoutWriter) Fd() int                     { return w.end.fd }
func (w *stdoutWriter) DoWrite() error              { return w.s.doWrite() }
func (w *stdoutWriter) ConnectionLost(reason error) { w.s.connectionLost(reason) }
func (w *stdoutWriter) String() string              { return fmt.Sprintf("%v stdout", w.s) }

// DoRead is only ever called for the error condition of a pipe whose
// readers have all gone.
func (w *stdoutWriter) DoRead() error { return &ConnectionLostError{Err: unix.EPIPE} }

// stdioMode is how a StandardIO end reads or writes without blocking.
type stdioMode uint8

const (
	// stdioDirect: plain read and write(v). The descriptor never blocks
	// (a regular file, a block device) or is non-blocking already (the
	// program's parent made it so).
	stdioDirect stdioMode = iota
	// stdioOwned: a non-blocking description of our own, closed at the end.
	stdioOwned
	// stdioSocket: recv and sendmsg with MSG_DONTWAIT.
	stdioSocket
	// stdioPolled: a blocking description shared with others; each read
	// and write is preceded by a zero-timeout poll, and a write sends at
	// most polledWriteMax bytes.
	stdioPolled
)

// stdioEnd is one end of a StandardIO: the descriptor it was given and the
// one it reads or writes.
type stdioEnd struct {
	fd   int // what is read or written; -1 once closed
	orig int // the descriptor asked for, never closed
	mode stdioMode
	fifo bool // a write-only pipe: the read hack applies
}

// errNotReadable and errNotWritable say a descriptor is open the wrong way.
var (
	errNotReadable = errors.New("not open for reading")
	errNotWritable = errors.New("not open for writing")
)

// openStdioEnd works out how to use fd without blocking, opening a
// description of its own where it can.
func openStdioEnd(fd int, write bool) (stdioEnd, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return stdioEnd{}, err
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return stdioEnd{}, err
	}
	switch acc := flags & unix.O_ACCMODE; {
	case write && acc == unix.O_RDONLY:
		return stdioEnd{}, errNotWritable
	case !write && acc == unix.O_WRONLY:
		return stdioEnd{}, errNotReadable
	}
	e := stdioEnd{fd: fd, orig: fd}
	kind := uint32(st.Mode) & unix.S_IFMT
	e.fifo = write && kind == unix.S_IFIFO && flags&unix.O_ACCMODE == unix.O_WRONLY
	switch {
	case kind == unix.S_IFSOCK:
		e.mode = stdioSocket
	case kind == unix.S_IFREG || kind == unix.S_IFBLK || kind == unix.S_IFDIR || flags&unix.O_NONBLOCK != 0:
		e.mode = stdioDirect
	default:
		if own, ok := ownDescription(fd, write, &st); ok {
			e.fd, e.mode = own, stdioOwned
		} else {
			e.mode = stdioPolled
		}
	}
	return e, nil
}

// read reads once into buf; EAGAIN means nothing is there yet.
func (e *stdioEnd) read(buf []byte) (int, error) {
	for {
		var n int
		var err error
		switch e.mode {
		case stdioSocket:
			n, _, err = unix.Recvfrom(e.fd, buf, unix.MSG_DONTWAIT)
		case stdioPolled:
			if !pollNow(e.fd, unix.POLLIN) {
				return 0, unix.EAGAIN
			}
			fallthrough
		default:
			n, err = unix.Read(e.fd, buf)
		}
		if err != unix.EINTR {
			return n, err
		}
	}
}

// write sends some of pieces, as writeQueue.flush wants.
func (e *stdioEnd) write(pieces [][]byte) (int, error) {
	switch e.mode {
	case stdioSocket:
		return unix.SendmsgBuffers(e.fd, pieces, nil, nil, stdioSendFlags)
	case stdioPolled:
		if !pollNow(e.fd, unix.POLLOUT) {
			return 0, unix.EAGAIN
		}
		p := pieces[0]
		return unix.Write(e.fd, p[:min(len(p), polledWriteMax)])
	}
	return writeFd(e.fd, pieces)
}

// close closes the end's own description; the descriptor it was given
// stays open. Either way the end is done.
func (e *stdioEnd) close() {
	if e.mode == stdioOwned && e.fd >= 0 {
		// close(2) frees the descriptor even when it reports an error.
		_ = unix.Close(e.fd)
	}
	e.fd = -1
}

// pollNow reports whether fd is ready for events (or in error, which the
// read or write that follows reports) without waiting.
func pollNow(fd int, events int16) bool {
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
		n, err := unix.Poll(fds, 0)
		if err != unix.EINTR {
			return err != nil || n > 0
		}
	}
}
