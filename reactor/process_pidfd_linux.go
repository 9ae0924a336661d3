package reactor

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// exitWatchAttr fills sys so that clone makes the child's pidfd
// (CLONE_PIDFD, Linux 5.2) and stores it in *pidfd, which saves a
// pidfd_open per spawn. A kernel without CLONE_PIDFD ignores the flag and
// leaves *pidfd at -1.
func exitWatchAttr(sys *syscall.SysProcAttr, pidfd *int) *syscall.SysProcAttr {
	if pidfdDisabled {
		return nil
	}
	*sys = syscall.SysProcAttr{PidFD: pidfd}
	return sys
}

// exitSlot is the room a Process keeps for its pidfd watch, so that
// watching the exit allocates nothing of its own.
type exitSlot = pidfdWatch

// watchExit watches the child's pidfd (the one clone made, or -1 for none),
// which becomes readable when the child exits; without one it opens one,
// and where that fails too (Linux before 5.3) it falls back to a goroutine.
// A pidfd from clone or from pidfd_open is close-on-exec already.
func (r *Reactor) watchExit(p *Process, fd int) exitWatcher {
	if pidfdDisabled {
		return r.waitExitOffLoop(p)
	}
	if fd < 0 {
		// The child is not reaped before this process waits for it, so
		// the pid still names it, even if it has already exited.
		var err error
		if fd, err = unix.PidfdOpen(p.pid, 0); err != nil {
			return r.waitExitOffLoop(p)
		}
	}
	w := &p.exitSlot
	*w = pidfdWatch{fd: fd, p: p}
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
	// Closed before reap runs the protocol, which may spawn a child that
	// gets the same descriptor number.
	w.closeFd()
	w.p.reap(ws)
	return nil
}

func (w *pidfdWatch) ConnectionLost(reason error) {
	w.closeFd()
	if !w.p.reaped && reason != errPipeClosed {
		// wait4 failed (ECHILD: someone else reaped the child); the
		// status is unknown.
		w.p.r.ReportError(reason)
	}
}

// closeFd stops watching the pidfd and closes it; no one else holds it.
func (w *pidfdWatch) closeFd() {
	if w.fd >= 0 {
		_ = w.p.r.closeUnshared(w) // nothing to undo if it fails
		w.fd = -1
	}
}

// stop drops the watch at shutdown and leaves the child to a goroutine
// that reaps it whenever it exits.
func (w *pidfdWatch) stop() {
	if w.p.reaped {
		return
	}
	w.closeFd()
	go func() { _, _ = wait4Blocking(w.p.pid) }()
}
