package reactor

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// watchExit watches the child's pidfd, which becomes readable when the
// child exits; without one (Linux before 5.3) it falls back to a goroutine.
func (r *Reactor) watchExit(p *Process) exitWatcher {
	if pidfdDisabled {
		return r.waitExitOffLoop(p)
	}
	// The child is not reaped before this process waits for it, so the pid
	// still names it, even if it has already exited.
	fd, err := unix.PidfdOpen(p.pid, 0)
	if err != nil {
		return r.waitExitOffLoop(p)
	}
	unix.CloseOnExec(fd)
	w := &pidfdWatch{fd: fd, p: p}
	if err := r.AddReader(w); err != nil {
		unix.Close(fd)
		return r.waitExitOffLoop(p)
	}
	return w
}

// pidfdWatch reaps the child when its pidfd becomes readable.
type pidfdWatch struct {
	fd int
	p  *Process
}

func (w *pidfdWatch) Fd() int { return w.fd }

func (w *pidfdWatch) reactorInternal() {}

func (w *pidfdWatch) DoRead() error {
	var ws syscall.WaitStatus
	pid, err := syscall.Wait4(w.p.pid, &ws, syscall.WNOHANG, nil)
	switch {
	case err == syscall.EINTR || (err == nil && pid == 0):
		return nil // not exited after all
	case err != nil:
		return err
	}
	w.p.reap(ws)
	return errPipeClosed // done: the watcher goes and the pidfd is closed
}

func (w *pidfdWatch) ConnectionLost(reason error) {
	w.closeFd()
	if !w.p.reaped && reason != errPipeClosed {
		// wait4 failed (ECHILD: someone else reaped the child); the
		// status is unknown.
		w.p.r.ReportError(reason)
	}
}

func (w *pidfdWatch) closeFd() {
	if w.fd >= 0 {
		unix.Close(w.fd)
		w.fd = -1
	}
}

// stop drops the watch at shutdown and leaves the child to a goroutine
// that reaps it whenever it exits.
func (w *pidfdWatch) stop() {
	if w.p.reaped {
		return
	}
	w.p.r.RemoveReader(w)
	w.closeFd()
	go func() { _, _ = wait4Blocking(w.p.pid) }()
}
