//go:build unix && !linux && !freebsd

package reactor

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// pipeCloexec makes a pipe whose ends no other child inherits: without
// pipe2, ForkLock keeps a concurrent ForkExec from copying the ends before
// they are marked close-on-exec.
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
