package luabind

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A script's print and io.write block while standard output is a pipe
// nobody reads, as they do in Lua. Blocking in write(2) would put the
// thread out of reach of the time limits, which the VM only checks
// between instructions: a callback stuck in print would outlive
// --max-callback-time for ever. So when a time limit is on and the output
// is a pipe, socket or terminal, a write that would block waits for room
// in short polls instead, checking the limit between them. It costs no
// system call more when the output takes the write at once: a pipe is
// written through a non-blocking description of its own (Linux, see
// ownPipeDescription), a socket with MSG_DONTWAIT; only a terminal, or a
// pipe where no description of its own can be had, polls before each
// write. Without a limit a write is a plain write(2); a signal's graceful
// stop that cannot take effect meanwhile ends the process after the stop
// grace, whose message then says the loop is blocked writing (see busy).
//
// A write to a pipe or socket whose reader is gone is made again through
// the *os.File, so that standard output and standard error end the process
// with SIGPIPE (Go's rule for descriptors 1 and 2): quietly and at once, as
// `yes | head -1` ends.

// outputPollSlice is how long one wait for room lasts before the time
// limit is checked again: the most a limit can be overshot by.
const outputPollSlice = 10 * time.Millisecond

// outputChunk is the most a polled write sends after poll found room: a
// pipe's PIPE_BUF, which a pipe reported writable takes without blocking.
const outputChunk = 4096

// outputKind is how a limitedOutput writes without blocking.
type outputKind uint8

const (
	outputPipe     outputKind = iota // a description of its own, else polled
	outputSocket                     // send with MSG_DONTWAIT
	outputTerminal                   // polled: poll, then at most outputChunk
)

// limitedOutput is a standard output or error stream of the script: an
// *os.File over a pipe, socket or terminal.
type limitedOutput struct {
	rt   *Runtime
	f    *os.File
	fd   int
	kind outputKind
	name string // "standard output", for the stop grace's message
	// own is the pipe's non-blocking description, opened at the first
	// write under a time limit; -1 before, or when none can be had.
	own     int
	ownOpen bool // the attempt was made
}

// limitedWriter wraps w in a limitedOutput when it is such a file, and
// returns it as it is otherwise.
func (rt *Runtime) limitedWriter(w io.Writer, name string) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return w
	}
	// SyscallConn leaves the descriptor's blocking mode as it is (Fd
	// would make a non-blocking one blocking, on a description the parent
	// shares).
	raw, err := f.SyscallConn()
	if err != nil {
		return w
	}
	fd := -1
	raw.Control(func(d uintptr) { fd = int(d) })
	var st unix.Stat_t
	if fd < 0 || unix.Fstat(fd, &st) != nil {
		return w
	}
	o := &limitedOutput{rt: rt, f: f, fd: fd, name: name, own: -1}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO:
		o.kind = outputPipe
	case unix.S_IFSOCK:
		o.kind = outputSocket
	case unix.S_IFCHR:
		o.kind = outputTerminal
	default:
		return w // a regular file or a block device: a write never waits long
	}
	rt.outputs = append(rt.outputs, o)
	return o
}

// Stdout is the writer print writes to: Config.Stdout, made to answer the
// time limits while it waits (see above). Use it on the loop's goroutine.
func (rt *Runtime) Stdout() io.Writer { return rt.stdout }

func (o *limitedOutput) Write(p []byte) (int, error) {
	o.rt.writing.Store(&o.name)
	defer o.rt.writing.Store(nil)
	ctx := o.rt.L.Context()
	if ctx == nil {
		return o.f.Write(p)
	}
	written := 0
	for written < len(p) {
		n, err := o.writeSome(p[written:])
		written += max(n, 0)
		switch err {
		case nil, unix.EINTR:
		case unix.EAGAIN:
			for !o.writable() {
				select {
				case <-ctx.Done():
					return written, ctx.Err()
				default:
				}
			}
		case unix.EPIPE:
			n, err = o.f.Write(p[written:]) // SIGPIPE on descriptors 1 and 2
			return written + n, err
		default:
			return written, &os.PathError{Op: "write", Path: o.f.Name(), Err: err}
		}
	}
	return written, nil
}

// writeSome writes what the output takes of p without blocking; EAGAIN
// when it takes nothing now.
func (o *limitedOutput) writeSome(p []byte) (int, error) {
	if o.kind == outputPipe && !o.ownOpen {
		o.ownOpen = true
		o.own = ownPipeDescription(o.fd)
	}
	switch {
	case o.own >= 0:
		return unix.Write(o.own, p)
	case o.kind == outputSocket:
		return unix.SendmsgN(o.fd, p, nil, nil, unix.MSG_DONTWAIT)
	}
	if !o.pollWritable(0) {
		return 0, unix.EAGAIN
	}
	n, err := o.f.Write(p[:min(len(p), outputChunk)])
	if err != nil {
		return n, errors.Unwrap(err) // the errno, as the other paths give it
	}
	return n, nil
}

// writable waits up to outputPollSlice for room to write.
func (o *limitedOutput) writable() bool {
	return o.pollWritable(int(outputPollSlice / time.Millisecond))
}

// pollWritable reports whether there is room to write within timeout
// milliseconds; an error of the descriptor counts as room, for the write
// to report it.
func (o *limitedOutput) pollWritable(timeout int) bool {
	fd := o.fd
	if o.own >= 0 {
		fd = o.own
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	n, err := unix.Poll(fds, timeout)
	return n > 0 || err != nil && err != unix.EINTR
}

// closeOutputs closes the descriptions the outputs opened.
func (rt *Runtime) closeOutputs() {
	for _, o := range rt.outputs {
		if o.own >= 0 {
			unix.Close(o.own)
			o.own = -1
		}
	}
}

// outputState is what the stop grace's message needs of the output: the
// stream a write is under way to, if any. Only the pointer crosses
// goroutines.
type outputState struct {
	writing atomic.Pointer[string]
	outputs []*limitedOutput // to close with the Runtime
}

// busy is the reactor's Config.Busy: the callback that holds the loop, and
// the stream it is blocked writing to, if it is.
func (rt *Runtime) busy() string {
	holder := rt.watch.runningCallback()
	if stream := rt.writing.Load(); stream != nil {
		if holder == "" {
			holder = "the script"
		}
		holder += " (blocked writing to " + *stream + ")"
	}
	return holder
}
