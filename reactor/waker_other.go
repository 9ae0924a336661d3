//go:build unix && !linux

package reactor

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// newWakerFds makes the waker's descriptors where there is no eventfd: a
// pipe, both ends non-blocking and close-on-exec. Darwin has no pipe2(2), so
// the flags are set after pipe(2), under syscall.ForkLock: a child forked in
// between would otherwise inherit the pipe.
func newWakerFds() (rfd, wfd int, err error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err = unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, -1, fmt.Errorf("reactor: pipe: %w", err)
	}
	for _, fd := range p {
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return -1, -1, fmt.Errorf("reactor: pipe: set non-blocking: %w", err)
		}
	}
	return p[0], p[1], nil
}
