//go:build unix && !linux && !freebsd

package reactor

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// childPipe makes a pipe whose ends no other child inherits, the parent's
// end (parentEnd, 0 for the read end, 1 for the write end) non-blocking:
// without pipe2, ForkLock keeps a concurrent ForkExec from copying the ends
// before they are marked close-on-exec.
func childPipe(p []int, parentEnd int) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := unix.Pipe(p); err != nil {
		return err
	}
	unix.CloseOnExec(p[0])
	unix.CloseOnExec(p[1])
	if err := unix.SetNonblock(p[parentEnd], true); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return err
	}
	return nil
}

// pipeCloexec makes a pipe whose ends no other child inherits.
func pipeCloexec(p []int) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := unix.Pipe(p); err != nil {
		return err
	}
	unix.CloseOnExec(p[0])
	unix.CloseOnExec(p[1])
	return nil
}
