package reactor

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stdioProto is a StdioProtocol whose callbacks a test supplies; it logs
// its events in order.
type stdioProto struct {
	t      *StandardIO
	events []string
	data   bytes.Buffer
	lost   []error
	onMade func(p *stdioProto)
	onData func(p *stdioProto, data []byte)
	onLost func(p *stdioProto, reason error)
}

func (p *stdioProto) ConnectionMade(t *StandardIO) {
	p.t = t
	p.events = append(p.events, "made")
	if p.onMade != nil {
		p.onMade(p)
	}
}

func (p *stdioProto) DataReceived(data []byte) {
	if n := len(p.events); n == 0 || p.events[n-1] != "data" {
		p.events = append(p.events, "data")
	}
	p.data.Write(data)
	if p.onData != nil {
		p.onData(p, data)
	}
}

func (p *stdioProto) ConnectionLost(reason error) {
	p.events = append(p.events, "lost")
	p.lost = append(p.lost, reason)
	if p.onLost != nil {
		p.onLost(p, reason)
	}
}

// halfStdioProto is a half-closeable stdioProto.
type halfStdioProto struct {
	stdioProto
	onRead func(p *halfStdioProto)
}

func (p *halfStdioProto) ReadConnectionLost() {
	p.events = append(p.events, "read lost")
	if p.onRead != nil {
		p.onRead(p)
	}
}

func (p *halfStdioProto) WriteConnectionLost() { p.events = append(p.events, "write lost") }

// pipeFds makes a blocking pipe (os.Pipe would make it non-blocking) whose
// ends the test closes at its end unless closeFd closed them first.
func pipeFds(t *testing.T) (rd, wr *int) {
	t.Helper()
	var fds [2]int
	if err := pipeCloexec(fds[:]); err != nil {
		t.Fatalf("pipe: %v", err)
	}
	rd, wr = &fds[0], &fds[1]
	t.Cleanup(func() { closeFd(rd); closeFd(wr) })
	return rd, wr
}

func closeFd(fd *int) {
	if *fd >= 0 {
		unix.Close(*fd)
		*fd = -1
	}
}

// openFile opens path with flags, closed when the test ends.
func openFile(t *testing.T, path string, flags int) int {
	t.Helper()
	fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// writeAll writes data to a blocking fd.
func writeAll(t *testing.T, fd int, data []byte) {
	t.Helper()
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err != nil {
			t.Fatalf("write: %v", err)
		}
		data = data[n:]
	}
}

// readReady reads what a blocking fd holds now, without waiting.
func readReady(fd int) []byte {
	var out []byte
	buf := make([]byte, 64<<10)
	for pollNow(fd, unix.POLLIN) {
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			break
		}
		out = append(out, buf[:n]...)
	}
	return out
}

// fdFlags is F_GETFL of fd.
func fdFlags(t *testing.T, fd int) int {
	t.Helper()
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatalf("F_GETFL %d: %v", fd, err)
	}
	return fl
}

// stdioModes runs f with StandardIO opening descriptions of its own (on
// Linux) and with it polling the blocking descriptors it is given.
func stdioModes(t *testing.T, f func(t *testing.T)) {
	for _, polled := range []bool{false, true} {
		name := "owned"
		if polled {
			name = "polled"
		}
		t.Run(name, func(t *testing.T) {
			old := stdioReopenDisabled
			stdioReopenDisabled = polled
			t.Cleanup(func() { stdioReopenDisabled = old })
			f(t)
		})
	}
}

// eachStdioReactor runs f on every poller in both modes.
func eachStdioReactor(t *testing.T, f func(t *testing.T, r *Reactor, log *errorLog)) {
	stdioModes(t, func(t *testing.T) { eachReactor(t, f) })
}

// stdinSource is something StandardIO can read: the descriptor and the
// bytes it yields before its end.
type stdinSource struct {
	name string
	open func(t *testing.T, content []byte) (fd int, want []byte)
}

var stdinSources = []stdinSource{
	{"pipe", func(t *testing.T, content []byte) (int, []byte) {
		rd, wr := pipeFds(t)
		writeAll(t, *wr, content)
		closeFd(wr)
		return *rd, content
	}},
	{"file", func(t *testing.T, content []byte) (int, []byte) {
		path := filepath.Join(t.TempDir(), "stdin")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		return openFile(t, path, unix.O_RDONLY), content
	}},
	{"devnull", func(t *testing.T, _ []byte) (int, []byte) {
		return openFile(t, os.DevNull, unix.O_RDONLY), nil
	}},
}

// stdoutSink is something StandardIO can write: the descriptor and a
// function that returns what has arrived so far, without waiting (nil
// for /dev/null, which keeps nothing).
type stdoutSink struct {
	name string
	open func(t *testing.T) (fd int, arrived func() []byte)
}

var stdoutSinks = []stdoutSink{
	{"pipe", func(t *testing.T) (int, func() []byte) {
		rd, wr := pipeFds(t)
		var got []byte
		return *wr, func() []byte { got = append(got, readReady(*rd)...); return got }
	}},
	{"file", func(t *testing.T) (int, func() []byte) {
		path := filepath.Join(t.TempDir(), "stdout")
		fd := openFile(t, path, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC)
		return fd, func() []byte { b, _ := os.ReadFile(path); return b }
	}},
	{"devnull", func(t *testing.T) (int, func() []byte) {
		return openFile(t, os.DevNull, unix.O_WRONLY), nil
	}},
}

// TestStandardIOEchoUntilEndOfStdin echoes stdin to stdout behind a
// greeting written in ConnectionMade. At the end of stdin everything is on
// stdout before ConnectionLost(ErrConnectionDone) runs: Twisted drops what
// is still buffered, so `app </dev/null` loses the greeting.
func TestStandardIOEchoUntilEndOfStdin(t *testing.T) {
	const greeting = "hello\n"
	// Small enough for a pipe to hold it unread, in and out.
	content := []byte("a\nb\n" + strings.Repeat("stdin line\n", 2500))
	for _, in := range stdinSources {
		for _, out := range stdoutSinks {
			t.Run(in.name+"-to-"+out.name, func(t *testing.T) {
				eachStdioReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
					inFd, want := in.open(t, content)
					outFd, arrived := out.open(t)
					var atLost []byte
					p := &stdioProto{
						onMade: func(p *stdioProto) { p.t.Write([]byte(greeting)) },
						onData: func(p *stdioProto, data []byte) { p.t.Write(data) },
						onLost: func(p *stdioProto, _ error) {
							if arrived != nil {
								atLost = bytes.Clone(arrived())
							}
							r.Stop()
						},
					}
					if _, err := r.StandardIO(p, StdinFd(inFd), StdoutFd(outFd)); err != nil {
						t.Fatalf("StandardIO: %v", err)
					}
					run(t, r)
					noErrors(t, log)
					if !bytes.Equal(p.data.Bytes(), want) {
						t.Fatalf("DataReceived got %d bytes, want %d", p.data.Len(), len(want))
					}
					wantEvents := "made, data, lost"
					if len(want) == 0 {
						wantEvents = "made, lost"
					}
					if got := strings.Join(p.events, ", "); got != wantEvents || p.lost[0] != ErrConnectionDone {
						t.Fatalf("events %s with %v, want %s with ErrConnectionDone", got, p.lost, wantEvents)
					}
					if arrived != nil && string(atLost) != greeting+string(want) {
						t.Fatalf("stdout held %d bytes at ConnectionLost (%.20q), want all %d", len(atLost), atLost, len(greeting)+len(want))
					}
				})
			})
		}
	}
}

// TestStandardIOLeavesTheDescriptorsFlagsAlone checks that O_NONBLOCK is
// never set on the descriptions StandardIO is given (the shell's, print's),
// while it runs, after it closes, and after a Stop.
func TestStandardIOLeavesTheDescriptorsFlagsAlone(t *testing.T) {
	for _, end := range []string{"LoseConnection", "Stop"} {
		t.Run(end, func(t *testing.T) {
			eachStdioReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
				inRd, inWr := pipeFds(t)
				outRd, outWr := pipeFds(t)
				before := [2]int{fdFlags(t, *inRd), fdFlags(t, *outWr)}
				check := func(when string) {
					if now := [2]int{fdFlags(t, *inRd), fdFlags(t, *outWr)}; now != before {
						t.Errorf("%s: flags of stdin, stdout %#x, were %#x", when, now, before)
					}
				}
				p := &stdioProto{
					onMade: func(p *stdioProto) { check("in ConnectionMade") },
					onData: func(p *stdioProto, data []byte) {
						check("in DataReceived")
						p.t.Write(data)
						if end == "Stop" {
							r.Stop()
						} else {
							p.t.LoseConnection()
						}
					},
					onLost: func(*stdioProto, error) { r.Stop() },
				}
				if _, err := r.StandardIO(p, StdinFd(*inRd), StdoutFd(*outWr)); err != nil {
					t.Fatalf("StandardIO: %v", err)
				}
				writeAll(t, *inWr, []byte("x"))
				run(t, r)
				check("after the close")
				if before[0]&unix.O_NONBLOCK != 0 || before[1]&unix.O_NONBLOCK != 0 {
					t.Fatalf("the test's pipes were non-blocking to begin with")
				}
				if got := readReady(*outRd); string(got) != "x" {
					t.Fatalf("stdout got %q, want the echo", got)
				}
				noErrors(t, log)
			})
		})
	}
}

// TestStandardIOOnATerminal reads and writes one pseudo-terminal as stdin
// and stdout, as an interactive shell gives them, and leaves it blocking.
func TestStandardIOOnATerminal(t *testing.T) {
	eachStdioReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		master, slave := openPty(t)
		before := fdFlags(t, slave)
		p := &stdioProto{
			onData: func(p *stdioProto, data []byte) {
				p.t.Write([]byte("got " + string(data)))
				p.t.LoseConnection()
			},
			onLost: func(*stdioProto, error) { r.Stop() },
		}
		s, err := r.StandardIO(p, StdinFd(slave), StdoutFd(slave))
		if err != nil {
			t.Fatalf("StandardIO: %v", err)
		}
		if stdioReopenDisabled == (s.in.end.mode == stdioOwned) {
			t.Fatalf("stdin mode %d with reopening disabled %v", s.in.end.mode, stdioReopenDisabled)
		}
		writeAll(t, master, []byte("hi\n"))
		run(t, r)
		noErrors(t, log)
		if p.data.String() != "hi\n" || p.lost[0] != ErrConnectionDone {
			t.Fatalf("read %q, lost %v", p.data.String(), p.lost)
		}
		if fdFlags(t, slave) != before {
			t.Fatalf("terminal flags %#x, were %#x", fdFlags(t, slave), before)
		}
		// The terminal echoes the input, then shows our reply.
		if got := string(readReady(master)); !strings.HasSuffix(got, "got hi\r\n") {
			t.Fatalf("terminal shows %q", got)
		}
	})
}

// TestStandardIOOnASocket uses one end of a socketpair as stdin and stdout,
// as inetd gives them: the peer's half-close is the end of stdin.
func TestStandardIOOnASocket(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
		t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
		before := fdFlags(t, fds[0])
		p := &stdioProto{
			onData: func(p *stdioProto, data []byte) { p.t.Write(bytes.ToUpper(data)) },
			onLost: func(*stdioProto, error) { r.Stop() },
		}
		if _, err := r.StandardIO(p, StdinFd(fds[0]), StdoutFd(fds[0])); err != nil {
			t.Fatalf("StandardIO: %v", err)
		}
		writeAll(t, fds[1], []byte("ping"))
		unix.Shutdown(fds[1], unix.SHUT_WR)
		run(t, r)
		noErrors(t, log)
		if got := string(readReady(fds[1])); got != "PING" || p.lost[0] != ErrConnectionDone {
			t.Fatalf("peer got %q, lost %v", got, p.lost)
		}
		if fdFlags(t, fds[0]) != before {
			t.Fatalf("socket flags changed")
		}
	})
}

// TestStandardIOHalfClose: a half-closeable protocol is told
// ReadConnectionLost at the end of stdin, still writes, and closes stdout
// with LoseWriteConnection; ConnectionLost follows by itself.
func TestStandardIOHalfClose(t *testing.T) {
	eachStdioReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		inFd, _ := stdinSources[0].open(t, []byte("question"))
		outRd, outWr := pipeFds(t)
		p := &halfStdioProto{}
		p.onRead = func(p *halfStdioProto) {
			p.t.Write([]byte("answer to " + p.data.String()))
			p.t.LoseWriteConnection()
			p.t.Write([]byte(" (still sent)"))
		}
		p.onLost = func(*stdioProto, error) { r.Stop() }
		if _, err := r.StandardIO(p, StdinFd(inFd), StdoutFd(*outWr)); err != nil {
			t.Fatalf("StandardIO: %v", err)
		}
		run(t, r)
		noErrors(t, log)
		if got := strings.Join(p.events, ", "); got != "made, data, read lost, write lost, lost" || p.lost[0] != ErrConnectionDone {
			t.Fatalf("events %s, lost %v", got, p.lost)
		}
		if got := string(readReady(*outRd)); got != "answer to question (still sent)" {
			t.Fatalf("stdout got %q", got)
		}
	})
}

// stdioProducer is a streaming producer that writes a chunk to its
// transport on every timer tick while it is not paused.
type stdioProducer struct {
	paused, stopped bool
	pauses, resumes int
}

func (p *stdioProducer) PauseProducing()  { p.paused = true; p.pauses++ }
func (p *stdioProducer) ResumeProducing() { p.paused = false; p.resumes++ }
func (p *stdioProducer) StopProducing()   { p.stopped = true }

// TestStandardIOBackpressure writes into a pipe nobody reads: the
// streaming producer is paused, the queue stays bounded, and once a reader
// drains the pipe the producer is resumed and everything arrives.
func TestStandardIOBackpressure(t *testing.T) {
	const chunk = 16 << 10
	const total = 4 << 20
	eachStdioReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		inRd, _ := pipeFds(t) // stdin stays open and silent
		outRd, outWr := pipeFds(t)
		prod := &stdioProducer{}
		data := pattern(total)
		written, maxQueued := 0, 0
		drained := make(chan []byte, 1)
		startReader := func() {
			go func() {
				var got []byte
				buf := make([]byte, 64<<10)
				for len(got) < total {
					n, err := unix.Read(*outRd, buf)
					if n <= 0 || err != nil {
						break
					}
					got = append(got, buf[:n]...)
				}
				drained <- got
			}()
		}
		var s *StandardIO
		var tick func()
		pausedTicks := 0
		tick = func() {
			switch {
			case written >= total:
				s.UnregisterProducer()
				s.LoseConnection()
				return
			case !prod.paused:
				for !prod.paused && written < total {
					s.Write(data[written : written+chunk])
					written += chunk
					maxQueued = max(maxQueued, s.BufferedLen())
				}
			case prod.resumes == 0:
				if pausedTicks++; pausedTicks == 20 {
					startReader() // paused long enough: let the pipe drain
				}
			}
			maxQueued = max(maxQueued, s.BufferedLen())
			r.CallLater(time.Millisecond, tick)
		}
		p := &stdioProto{onLost: func(*stdioProto, error) { r.Stop() }}
		var err error
		if s, err = r.StandardIO(p, StdinFd(*inRd), StdoutFd(*outWr)); err != nil {
			t.Fatalf("StandardIO: %v", err)
		}
		if err := s.RegisterProducer(prod, true); err != nil {
			t.Fatal(err)
		}
		tick()
		run(t, r)
		noErrors(t, log)
		got := <-drained
		if prod.pauses == 0 || prod.resumes == 0 {
			t.Fatalf("producer paused %d times, resumed %d", prod.pauses, prod.resumes)
		}
		if maxQueued > producerBufferSize+chunk {
			t.Fatalf("up to %d bytes queued, want at most %d", maxQueued, producerBufferSize+chunk)
		}
		if !bytes.Equal(got, data) || p.lost[0] != ErrConnectionDone {
			t.Fatalf("reader got %d of %d bytes, lost %v", len(got), total, p.lost)
		}
	})
}

// TestStandardIOPauseProducing stops and restarts the reading of stdin.
func TestStandardIOPauseProducing(t *testing.T) {
	eachStdioReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		inRd, inWr := pipeFds(t)
		outFd, _ := stdoutSinks[2].open(t)
		p := &stdioProto{
			onMade: func(p *stdioProto) { p.t.PauseProducing() },
			onLost: func(*stdioProto, error) { r.Stop() },
		}
		s, err := r.StandardIO(p, StdinFd(*inRd), StdoutFd(outFd))
		if err != nil {
			t.Fatalf("StandardIO: %v", err)
		}
		writeAll(t, *inWr, []byte("later"))
		closeFd(inWr)
		r.CallLater(30*time.Millisecond, func() {
			if p.data.Len() != 0 {
				t.Errorf("read %q while paused", p.data.String())
			}
			s.ResumeProducing()
		})
		run(t, r)
		if p.data.String() != "later" || strings.Join(p.events, ", ") != "made, data, lost" {
			t.Fatalf("read %q, events %v", p.data.String(), p.events)
		}
		noErrors(t, log)
	})
}

// TestStandardIOStop: a Stop with the transport open writes what stdout
// takes, then ConnectionLost runs before Run returns, and the
// descriptions StandardIO opened are closed.
func TestStandardIOStop(t *testing.T) {
	eachStdioReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		inRd, _ := pipeFds(t)
		outRd, outWr := pipeFds(t)
		fdsBefore, fdsAtLost := openFds(), 0
		p := &stdioProto{
			onMade: func(p *stdioProto) {
				r.CallLater(0, func() {
					p.t.Write([]byte("last words"))
					r.Stop()
				})
			},
			onLost: func(*stdioProto, error) { fdsAtLost = openFds() },
		}
		if _, err := r.StandardIO(p, StdinFd(*inRd), StdoutFd(*outWr)); err != nil {
			t.Fatalf("StandardIO: %v", err)
		}
		run(t, r)
		noErrors(t, log)
		var lost *ConnectionLostError
		if len(p.lost) != 1 || !errors.As(p.lost[0], &lost) || !errors.Is(lost, ErrLostAtShutdown) {
			t.Fatalf("lost %v, want one ConnectionLostError(Connection lost)", p.lost)
		}
		if got := string(readReady(*outRd)); got != "last words" {
			t.Fatalf("stdout got %q", got)
		}
		if fdsAtLost != fdsBefore {
			t.Fatalf("%d descriptors open at ConnectionLost, %d before StandardIO", fdsAtLost, fdsBefore)
		}
	})
}

// TestStandardIOStdoutReaderGone: once nobody reads stdout, a write fails
// with EPIPE, and with nothing to write the pipe's error condition is
// noticed all the same; either way the transport is lost.
func TestStandardIOStdoutReaderGone(t *testing.T) {
	for _, write := range []bool{true, false} {
		name := "idle"
		if write {
			name = "writing"
		}
		t.Run(name, func(t *testing.T) {
			eachStdioReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
				inRd, _ := pipeFds(t)
				outRd, outWr := pipeFds(t)
				p := &stdioProto{onLost: func(*stdioProto, error) { r.Stop() }}
				s, err := r.StandardIO(p, StdinFd(*inRd), StdoutFd(*outWr))
				if err != nil {
					t.Fatalf("StandardIO: %v", err)
				}
				r.CallLater(10*time.Millisecond, func() {
					closeFd(outRd)
					if write {
						s.Write([]byte("to nobody"))
					}
				})
				run(t, r)
				noErrors(t, log)
				if len(p.lost) != 1 || !errors.Is(p.lost[0], unix.EPIPE) {
					t.Fatalf("lost %v, want EPIPE", p.lost)
				}
			})
		})
	}
}

// TestStandardIOPanicInDataReceived reports the panic and closes.
func TestStandardIOPanicInDataReceived(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		inFd, _ := stdinSources[0].open(t, []byte("boom"))
		outFd, _ := stdoutSinks[2].open(t)
		p := &stdioProto{
			onData: func(*stdioProto, []byte) { panic("boom") },
			onLost: func(*stdioProto, error) { r.Stop() },
		}
		if _, err := r.StandardIO(p, StdinFd(inFd), StdoutFd(outFd)); err != nil {
			t.Fatalf("StandardIO: %v", err)
		}
		run(t, r)
		var pe *PanicError
		if len(p.lost) != 1 || !errors.As(p.lost[0], &pe) || len(log.list()) != 1 {
			t.Fatalf("lost %v, reported %v", p.lost, log.list())
		}
	})
}

func TestStandardIORefusesUnusableDescriptors(t *testing.T) {
	rd, wr := pipeFds(t)
	closed, _ := pipeFds(t)
	closeFd(closed)
	tests := []struct {
		name    string
		in, out int
		want    error
		text    string
	}{
		{"stdin closed", -1, *wr, unix.EBADF, "stdin (fd -1)"},
		{"stdin write-only", *wr, *wr, errNotReadable, "stdin (fd "},
		{"stdout read-only", *rd, *rd, errNotWritable, "stdout (fd "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newTestReactor(t, Config{})
			p := &stdioProto{}
			_, err := r.StandardIO(p, StdinFd(tc.in), StdoutFd(tc.out))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) || len(p.events) != 0 {
				t.Fatalf("err %v, events %v; want %v", err, p.events, tc.want)
			}
		})
	}
}

func TestStandardIOAddresses(t *testing.T) {
	r, _ := newTestReactor(t, Config{})
	inFd, _ := stdinSources[2].open(t, nil)
	outFd, _ := stdoutSinks[2].open(t)
	s, err := r.StandardIO(&stdioProto{}, StdinFd(inFd), StdoutFd(outFd))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []interface{ String() string }{s.GetHost(), s.GetPeer()} {
		if a.String() != "PipeAddress()" || s.GetHost().Network() != "pipe" {
			t.Fatalf("address %v", a)
		}
	}
	s.LoseConnection()
}

// TestStandardIOAbortConnection drops the queued output and closes on a
// later turn with ErrConnectionAborted.
func TestStandardIOAbortConnection(t *testing.T) {
	eachStdioReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		inRd, _ := pipeFds(t)
		outRd, outWr := pipeFds(t)
		inCall := true
		p := &stdioProto{
			onMade: func(p *stdioProto) {
				p.t.Write([]byte("dropped"))
				p.t.AbortConnection()
				p.t.Write([]byte("dropped too"))
				inCall = false
			},
			onLost: func(*stdioProto, error) {
				if inCall {
					t.Errorf("ConnectionLost inside AbortConnection")
				}
				r.Stop()
			},
		}
		s, err := r.StandardIO(p, StdinFd(*inRd), StdoutFd(*outWr))
		if err != nil {
			t.Fatalf("StandardIO: %v", err)
		}
		run(t, r)
		noErrors(t, log)
		if len(p.lost) != 1 || p.lost[0] != ErrConnectionAborted || s.Connected() {
			t.Fatalf("lost %v, connected %v", p.lost, s.Connected())
		}
		if got := readReady(*outRd); len(got) != 0 {
			t.Fatalf("stdout got %q", got)
		}
	})
}

// TestStandardIODescriptorsAreWhatTheReactorWatches: Readers and Writers
// list the transport's descriptors while it is open, and neither after.
func TestStandardIODescriptorsAreWhatTheReactorWatches(t *testing.T) {
	stdioModes(t, func(t *testing.T) {
		r, _ := newTestReactor(t, Config{})
		inRd, _ := pipeFds(t)
		_, outWr := pipeFds(t)
		p := &stdioProto{}
		s, err := r.StandardIO(p, StdinFd(*inRd), StdoutFd(*outWr))
		if err != nil {
			t.Fatal(err)
		}
		s.Write([]byte("x"))
		fds := s.Descriptors()
		has := func(list []FileDescriptor, fd FileDescriptor) bool {
			for _, x := range list {
				if x == fd {
					return true
				}
			}
			return false
		}
		var readers, writers []FileDescriptor
		for _, rd := range r.Readers() {
			readers = append(readers, rd)
		}
		for _, wr := range r.Writers() {
			writers = append(writers, wr)
		}
		// stdout is a pipe: the read hack watches it for reading too.
		if !has(readers, fds[0]) || !has(writers, fds[1]) || !has(readers, fds[1]) {
			t.Fatalf("readers %v, writers %v, descriptors %v", readers, writers, fds)
		}
		s.AbortConnection()
		if len(r.Readers()) != 0 || len(r.Writers()) != 0 {
			t.Fatalf("still watched after the abort: %v %v", r.Readers(), r.Writers())
		}
	})
}
