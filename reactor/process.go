package reactor

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// ProcessProtocol is the Go side of a child process, after Twisted's
// IProcessProtocol. ConnectionMade runs synchronously inside SpawnProcess;
// every other method runs on the loop's goroutine only, so a process
// spawned before Run gets its events once Run starts (never, as in
// twisted#5287, from inside SpawnProcess). OutReceived and ErrReceived get
// a reused read buffer, valid only during the call. Each of the
// three ConnectionLost methods is called once, in no fixed order;
// ProcessExited is called once the child has been reaped, even while pipes
// are still open; ProcessEnded is called last, exactly once, when the child
// has been reaped and all three pipes are closed. Embed
// BaseProcessProtocol to implement only some of them.
type ProcessProtocol interface {
	ConnectionMade(p *Process)
	OutReceived(data []byte)
	ErrReceived(data []byte)
	InConnectionLost()
	OutConnectionLost()
	ErrConnectionLost()
	// ProcessExited and ProcessEnded get a *ProcessDone for exit status 0
	// and a *ProcessTerminated otherwise.
	ProcessExited(reason error)
	ProcessEnded(reason error)
}

// BaseProcessProtocol does nothing on every event, as Twisted's
// ProcessProtocol base class.
type BaseProcessProtocol struct{}

func (BaseProcessProtocol) ConnectionMade(*Process) {}
func (BaseProcessProtocol) OutReceived([]byte)      {}
func (BaseProcessProtocol) ErrReceived([]byte)      {}
func (BaseProcessProtocol) InConnectionLost()       {}
func (BaseProcessProtocol) OutConnectionLost()      {}
func (BaseProcessProtocol) ErrConnectionLost()      {}
func (BaseProcessProtocol) ProcessExited(error)     {}
func (BaseProcessProtocol) ProcessEnded(error)      {}

// ProcessOptions are SpawnProcess's optional settings.
type ProcessOptions struct {
	// Env is the child's environment, "NAME=value" strings. Nil (or empty)
	// gives the child an EMPTY environment, as Twisted 22.4's default
	// env={}; pass os.Environ() to inherit the parent's.
	Env []string
	// Dir is the child's working directory; "" keeps the parent's.
	Dir string
}

// ProcessDone is the reason a process that exited with status 0 ended,
// after Twisted's ProcessDone.
type ProcessDone struct{ Status syscall.WaitStatus }

func (e *ProcessDone) Error() string {
	return "A process has ended without apparent errors: process finished with exit code 0."
}

// ProcessTerminated is the reason a process that exited with a non-zero
// code, or was killed by a signal, ended, after Twisted's
// ProcessTerminated. ExitCode is -1 when Signal is set (Twisted's None),
// Signal is 0 when the process exited.
type ProcessTerminated struct {
	ExitCode int
	Signal   syscall.Signal
	Status   syscall.WaitStatus
}

func (e *ProcessTerminated) Error() string {
	if e.Signal != 0 {
		return fmt.Sprintf("A process has ended with a probable error condition: process ended by signal %d.", int(e.Signal))
	}
	return fmt.Sprintf("A process has ended with a probable error condition: process ended with exit code %d.", e.ExitCode)
}

// ErrProcessExitedAlready is what SignalProcess returns once the child has
// been reaped, as Twisted's ProcessExitedAlready.
var ErrProcessExitedAlready = errors.New("The process has already exited and the operation requested can no longer be performed.")

// exitReason turns a wait status into ProcessExited's reason. A clean
// exit's ProcessDone is p's own, which saves an allocation per spawn.
func (p *Process) exitReason(ws syscall.WaitStatus) error {
	switch {
	case ws.Exited() && ws.ExitStatus() == 0:
		p.done = ProcessDone{Status: ws}
		return &p.done
	case ws.Signaled():
		return &ProcessTerminated{ExitCode: -1, Signal: ws.Signal(), Status: ws}
	default:
		return &ProcessTerminated{ExitCode: ws.ExitStatus(), Status: ws}
	}
}

// Process is a child started by SpawnProcess, after Twisted's process
// transport. Its methods belong to the loop's goroutine.
type Process struct {
	r      *Reactor
	proto  ProcessProtocol
	pid    int
	stdin  *pipeWriter // &pipes.in
	stdout *pipeReader // &pipes.out
	stderr *pipeReader // &pipes.err
	exit   exitWatcher
	reason error // set when reaped
	reaped bool
	ended  bool
	// abandoned is set when the reactor stops with the child running: no
	// protocol method is called after that, even for an exit the wait4
	// goroutine posted while the shutdown ran.
	abandoned bool
	// What a spawn needs lives here, in the one allocation of the Process:
	// the pipes, the exit watch, the fork's attributes and the reason for
	// an exit with status 0.
	pipes struct {
		in       pipeWriter
		out, err pipeReader
	}
	exitSlot exitSlot
	fork     struct {
		attr  syscall.ProcAttr
		sys   syscall.SysProcAttr
		files [3]uintptr
		pidfd int
	}
	done ProcessDone
}

// exitWatcher waits for the child's exit and calls Process.reap on the
// loop; stop abandons it (at shutdown) and leaves the child to be reaped
// off the loop, so no zombie is left.
type exitWatcher interface{ stop() }

// SpawnProcess starts executable with args (args[0] is the child's argv[0],
// as in Twisted; empty args means just the executable) and its stdin,
// stdout and stderr connected to non-blocking pipes the loop drives. An
// executable without a slash is looked up in the PATH of opts.Env, or in
// /bin:/usr/bin when it has none (Python's default, which Twisted's
// execvpe uses).
//
// Deliberate difference from Twisted 22.4: when the executable cannot be
// run (no such file, not executable, Dir missing), SpawnProcess returns
// the error, as Twisted 24's posix_spawn path does, instead of a child
// that writes a traceback to stderr and exits 1; no ProcessProtocol
// method is called then.
//
// On success ConnectionMade has run before SpawnProcess returns. Until
// ProcessEnded the reactor is not Idle. If the reactor stops while the
// child runs, its pipes are closed in the shutdown (each ConnectionLost
// method is called), the child is left running, as in Twisted, and is
// reaped off the loop when it exits; ProcessExited and ProcessEnded are
// then never called.
func (r *Reactor) SpawnProcess(proto ProcessProtocol, executable string, args []string, opts ProcessOptions) (*Process, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	path, err := lookExecutable(executable, opts.Env)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		args = []string{executable}
	}
	var fds [3][2]int // stdin, stdout, stderr: [read end, write end]
	opened := 0
	closeAll := func() {
		for i := 0; i < opened; i++ {
			unix.Close(fds[i][0])
			unix.Close(fds[i][1])
		}
	}
	for i := range fds {
		// The parent reads the child's stdout and stderr from non-blocking
		// ends. Its end of stdin stays blocking until the first write
		// (pipeWriter.write), which most children never get: that saves a
		// system call per spawn.
		newPipe := func(p []int) error { return childPipe(p, 0) }
		if i == 0 {
			newPipe = pipeCloexec
		}
		if err := newPipe(fds[i][:]); err != nil {
			closeAll()
			return nil, fmt.Errorf("reactor: spawn %s: pipe: %w", executable, err)
		}
		opened++
	}
	env := opts.Env
	if env == nil {
		env = []string{}
	}
	p := &Process{r: r, proto: proto}
	p.fork.files = [3]uintptr{uintptr(fds[0][0]), uintptr(fds[1][1]), uintptr(fds[2][1])}
	p.fork.pidfd = -1
	p.fork.attr = syscall.ProcAttr{Dir: opts.Dir, Env: env, Files: p.fork.files[:], Sys: exitWatchAttr(&p.fork.sys, &p.fork.pidfd)}
	pid, err := syscall.ForkExec(path, args, &p.fork.attr)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("reactor: spawn %s: %w", executable, err)
	}
	// The child has its copies; the parent keeps one end of each.
	unix.Close(fds[0][0])
	unix.Close(fds[1][1])
	unix.Close(fds[2][1])
	p.pid = pid
	p.fork.attr = syscall.ProcAttr{} // the environment and arguments are the child's now
	p.pipes.in = pipeWriter{fd: fds[0][1], p: p}
	p.pipes.out = pipeReader{fd: fds[1][0], p: p}
	p.pipes.err = pipeReader{fd: fds[2][0], p: p, isStderr: true}
	p.stdin, p.stdout, p.stderr = &p.pipes.in, &p.pipes.out, &p.pipes.err
	p.exit = r.watchExit(p, p.fork.pidfd)
	for _, pipe := range [...]ReadDescriptor{p.stdout, p.stderr, p.stdin} {
		if err := r.AddReader(pipe); err != nil {
			// Only select's FD_SETSIZE can refuse: the pipe is delivered
			// as lost on the loop, and the child's exit still ends it.
			r.ReportError(fmt.Errorf("reactor: spawn %s: %w", executable, err))
			r.CallLater(0, func() { pipe.ConnectionLost(err) })
		}
	}
	r.trackIO(p)
	proto.ConnectionMade(p)
	return p, nil
}

// LookExecutable is the file SpawnProcess runs for executable with env:
// a name without a slash is looked up in env's PATH (or /bin:/usr/bin),
// any other is returned as it is.
func LookExecutable(executable string, env []string) (string, error) {
	return lookExecutable(executable, env)
}

// lookExecutable resolves a name without a slash in the PATH of env.
func lookExecutable(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	dirs := "/bin:/usr/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			dirs = v
		}
	}
	for _, dir := range strings.Split(dirs, ":") {
		if dir == "" {
			dir = "."
		}
		candidate := dir + "/" + name
		var st unix.Stat_t
		if unix.Stat(candidate, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && unix.Access(candidate, unix.X_OK) == nil {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("reactor: spawn %s: executable not found in %s: %w", name, dirs, unix.ENOENT)
}

// Pid is the child's process id, 0 once it has been reaped (Twisted's
// transport.pid becomes None).
func (p *Process) Pid() int {
	if p.reaped {
		return 0
	}
	return p.pid
}

// Pipes are the descriptors the reactor watches for the child's stdin,
// stdout and stderr, in that order: what Readers and Writers return for
// this process while its pipes are open, so a binding can map them to its
// own object. The exit watcher (a pidfd) is internal and not among them.
func (p *Process) Pipes() [3]FileDescriptor {
	return [3]FileDescriptor{p.stdin, p.stdout, p.stderr}
}

// Write queues data for the child's stdin; it is written as the pipe
// accepts it. Data written after CloseStdin, or once the pipe is lost, is
// silently dropped, as in Twisted.
func (p *Process) Write(data []byte) { p.stdin.write(data) }

// CloseStdin closes the child's stdin once what was written has been
// flushed; InConnectionLost follows, on the loop. A pull producer, or a
// streaming one that is paused, is resumed then and holds the close until
// it writes again or is unregistered; a streaming producer that is not
// paused holds nothing and is told StopProducing, as in Twisted 22.4.
func (p *Process) CloseStdin() { p.stdin.closeWhenFlushed() }

// RegisterProducer makes the child's stdin consume from prod, as Twisted's
// Process.registerProducer and StreamTransport's RegisterProducer: a
// streaming producer is paused while more than 64 KiB is queued for the
// child and resumed once the child has taken it; a pull producer is
// resumed now and each time the queue is written. When stdin is lost
// (the child closed it or exited) prod is told StopProducing; if it is
// lost already, at once. A second producer is an error.
func (p *Process) RegisterProducer(prod Producer, streaming bool) error {
	return p.stdin.register(prod, streaming)
}

// UnregisterProducer stops consuming from the producer; a CloseStdin made
// meanwhile goes on.
func (p *Process) UnregisterProducer() { p.stdin.unregister() }

// CloseStdout and CloseStderr stop reading the child's output and close
// the pipe; OutConnectionLost (ErrConnectionLost) follows, on the loop.
func (p *Process) CloseStdout() { p.stdout.close() }
func (p *Process) CloseStderr() { p.stderr.close() }

// LoseConnection closes all three pipes (stdin after flushing), as
// Twisted's loseConnection; the child is not signalled.
func (p *Process) LoseConnection() {
	p.CloseStdin()
	p.CloseStderr()
	p.CloseStdout()
}

// SignalProcess sends sig to the child: a syscall.Signal, an int, or a
// name as Twisted takes them ("KILL", "TERM", "INT", "HUP"..., with or
// without "SIG"). Once the child has been reaped it returns
// ErrProcessExitedAlready: until then its pid cannot be reused, so the
// signal cannot reach another process.
func (p *Process) SignalProcess(sig any) error {
	var s syscall.Signal
	switch v := sig.(type) {
	case syscall.Signal:
		s = v
	case int:
		s = syscall.Signal(v)
	case string:
		name := strings.ToUpper(v)
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		if s = unix.SignalNum(name); s == 0 {
			return fmt.Errorf("reactor: signalProcess: unknown signal %q", v)
		}
	default:
		return fmt.Errorf("reactor: signalProcess: signal must be a name, an int or a syscall.Signal, got %T", sig)
	}
	if p.reaped {
		return ErrProcessExitedAlready
	}
	if err := unix.Kill(p.pid, s); err != nil {
		if err == unix.ESRCH {
			return ErrProcessExitedAlready
		}
		return fmt.Errorf("reactor: signalProcess %d: %w", p.pid, err)
	}
	return nil
}

// reap records the child's exit; it runs on the loop.
func (p *Process) reap(ws syscall.WaitStatus) {
	if p.reaped {
		return
	}
	p.reaped = true
	p.reason = p.exitReason(ws)
	if p.abandoned {
		return // the reactor stopped: a status posted meanwhile tells no one
	}
	p.proto.ProcessExited(p.reason)
	p.maybeEnded()
}

// maybeEnded calls ProcessEnded once the child is reaped and every pipe
// is closed.
func (p *Process) maybeEnded() {
	if p.ended || !p.reaped || !p.stdin.gone || !p.stdout.gone || !p.stderr.gone {
		return
	}
	p.ended = true
	p.r.untrackIO(p)
	p.proto.ProcessEnded(p.reason)
}

// shutdown closes the pipes when the reactor stops and leaves the child
// running (Twisted does not kill children either).
func (p *Process) shutdown() {
	p.abandoned = true
	p.exit.stop()
	for _, fd := range []interface{ abandon() }{p.stdin, p.stdout, p.stderr} {
		fd.abandon()
	}
}

// errPipeClosed is the reason a pipe the program closed is dropped with.
var errPipeClosed = errors.New("reactor: pipe closed")

// pipeReader reads one of the child's output pipes.
type pipeReader struct {
	fd       int
	p        *Process
	isStderr bool // stderr, not stdout
	closing  bool
	gone     bool
}

// deliver hands the protocol what was read.
func (pr *pipeReader) deliver(b []byte) {
	if pr.isStderr {
		pr.p.proto.ErrReceived(b)
	} else {
		pr.p.proto.OutReceived(b)
	}
}

// lost tells the protocol the pipe is closed.
func (pr *pipeReader) lost() {
	if pr.isStderr {
		pr.p.proto.ErrConnectionLost()
	} else {
		pr.p.proto.OutConnectionLost()
	}
}

// processReadBufs hold the buffers pipes read into: a read's data is
// valid only during its callback, so the buffer goes back after it. A
// pool, not one buffer, because reactors on other goroutines read pipes
// at the same time; not one per pipe, because a thousand children would
// hold 64 MiB.
var processReadBufs = sync.Pool{New: func() any { return new([readBufferSize]byte) }}

func (pr *pipeReader) Fd() int { return pr.fd }

func (pr *pipeReader) DoRead() error {
	buf := processReadBufs.Get().(*[readBufferSize]byte)
	n, err := readNonblock(pr.fd, buf[:])
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		err = nil
	case err == nil && n == 0:
		// The child's end is closed. Closing ours here, not after the
		// reactor removes the watch, saves the poller's deregistration.
		err = nil
		pr.closeFd()
		pr.ConnectionLost(io.EOF)
	case err == nil:
		pr.deliver(buf[:n]) // a panic leaves the buffer to the collector
	}
	processReadBufs.Put(buf)
	return err
}

func (pr *pipeReader) ConnectionLost(error) {
	if pr.gone {
		return
	}
	pr.closeFd()
	pr.gone = true
	pr.lost()
	pr.p.maybeEnded()
}

// closeFd stops watching the pipe and closes it, which no one else holds.
func (pr *pipeReader) closeFd() {
	if pr.fd >= 0 {
		_ = pr.p.r.closeUnshared(pr) // a pipe's close cannot fail but for EINTR, after closing
		pr.fd = -1
	}
}

// close stops reading now and reports the loss on the loop, as Twisted's
// ProcessReader.loseConnection does with callLater(0).
func (pr *pipeReader) close() {
	if pr.closing || pr.gone {
		return
	}
	pr.closing = true
	pr.p.r.RemoveReader(pr)
	pr.p.r.CallLater(0, func() { pr.ConnectionLost(errPipeClosed) })
}

func (pr *pipeReader) abandon() {
	pr.p.r.RemoveReader(pr)
	pr.ConnectionLost(ErrLostAtShutdown)
}

// pipeWriter writes the child's stdin, after Twisted's ProcessWriter: a
// writeQueue with its producer rules. While it has nothing to write it is
// watched for reading, which a pipe's write end never is except when the
// child (and everyone else) has closed the read end: then the poller
// reports an error condition and the pipe is lost (Twisted's "read hack").
type pipeWriter struct {
	fd      int
	p       *Process
	q       writeQueue
	closing bool
	gone    bool
	// nonblocking is set once the pipe is made non-blocking, before the
	// first write: until then nothing is written to it, and the read
	// hack's error condition needs no O_NONBLOCK.
	nonblocking bool
}

func (pw *pipeWriter) Fd() int { return pw.fd }

func (pw *pipeWriter) write(data []byte) {
	if pw.closing || pw.gone || len(data) == 0 {
		return
	}
	if !pw.nonblocking {
		// F_SETFL ignores the access mode, and a fresh pipe has no other
		// status flag, so this sets O_NONBLOCK and nothing else.
		if _, err := unix.FcntlInt(uintptr(pw.fd), unix.F_SETFL, unix.O_NONBLOCK); err != nil {
			pw.p.r.CallLater(0, func() { pw.ConnectionLost(err) })
			return
		}
		pw.nonblocking = true
	}
	pw.q.add(data)
	pw.startWriting()
}

// startWriting trades the read hack for a watch on writability.
func (pw *pipeWriter) startWriting() {
	if err := pw.p.r.watchInstead(pw, true); err != nil {
		pw.p.r.CallLater(0, func() { pw.ConnectionLost(err) })
	}
}

func (pw *pipeWriter) closeWhenFlushed() {
	if pw.closing || pw.gone {
		return
	}
	pw.closing = true
	pw.startWriting() // DoWrite closes once the queue is empty
}

// register makes p the producer for stdin; once stdin is gone p is told
// StopProducing at once, as Twisted's Process.registerProducer.
func (pw *pipeWriter) register(p Producer, streaming bool) error {
	if pw.gone {
		p.StopProducing()
		return nil
	}
	return pw.q.register(p, streaming)
}

// unregister drops the producer; a CloseStdin that waited for it goes on.
func (pw *pipeWriter) unregister() {
	pw.q.producer = nil
	if pw.closing && !pw.gone {
		pw.startWriting()
	}
}

// DoRead is only ever called for the error condition of a pipe whose
// reader has gone. Closing the pipe here, not after the reactor removes
// the watch, saves the poller's deregistration.
func (pw *pipeWriter) DoRead() error {
	pw.closeFd()
	pw.ConnectionLost(unix.EPIPE)
	return nil
}

func (pw *pipeWriter) DoWrite() error {
	if err := pw.q.flush(pw.writeFd); err != nil {
		return err
	}
	if pw.q.size > 0 {
		return nil // the pipe is full
	}
	resumed := pw.q.drained()
	if resumed && (pw.gone || pw.q.size > 0) {
		return nil // the producer wrote again, so writing goes on (or it closed stdin)
	}
	// A producer drained did not resume is streaming and not paused: as in
	// Twisted 22.4, it does not hold the close.
	if pw.closing && !resumed {
		pw.closeFd()
		pw.ConnectionLost(errPipeClosed)
		return nil
	}
	// Idle (or closing once the producer is unregistered): the read hack
	// notices a child that closes its stdin meanwhile.
	return pw.p.r.watchInstead(pw, false)
}

func (pw *pipeWriter) writeFd(pieces [][]byte) (int, error) { return writeNonblockFd(pw.fd, pieces) }

func (pw *pipeWriter) ConnectionLost(error) {
	if pw.gone {
		return
	}
	pw.closeFd()
	pw.gone = true
	pw.q.drop()
	if p := pw.q.takeProducer(); p != nil {
		_ = callReporting(pw.p.r, p.StopProducing)
	}
	pw.p.proto.InConnectionLost()
	pw.p.maybeEnded()
}

// closeFd stops watching the pipe and closes it, which no one else holds.
func (pw *pipeWriter) closeFd() {
	if pw.fd >= 0 {
		_ = pw.p.r.closeUnshared(pw) // a pipe's close cannot fail but for EINTR, after closing
		pw.fd = -1
	}
}

func (pw *pipeWriter) abandon() {
	pw.p.r.RemoveReader(pw)
	pw.p.r.RemoveWriter(pw)
	pw.ConnectionLost(ErrLostAtShutdown)
}

// pidfdDisabled makes watchExit on Linux use the wait4 goroutine, so
// tests cover the path other systems (and Linux before 5.3) take.
var pidfdDisabled bool

// waitExitGoroutine is the exit watcher where there is no pidfd: a
// goroutine blocked in wait4 on the child's pid posts the status to the
// loop, and holds the reactor busy until then.
type waitExitGoroutine struct{ release func() }

func (r *Reactor) waitExitOffLoop(p *Process) exitWatcher {
	w := &waitExitGoroutine{release: r.HoldPending()}
	go func() {
		ws, err := wait4Blocking(p.pid)
		if err == nil {
			_ = r.CallFromGoroutine(func() { p.reap(ws) }) // refused once stopped: nobody to tell
		}
		w.release()
	}()
	return w
}

func (w *waitExitGoroutine) stop() { w.release() }

// wait4Blocking reaps pid, retrying on EINTR.
func wait4Blocking(pid int) (syscall.WaitStatus, error) {
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err != syscall.EINTR {
			return ws, err
		}
	}
}
