package testfiles

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Pipe makes a pipe whose two ends are closed on exec, under
// syscall.ForkLock as os.Pipe does where there is no pipe2 (darwin): a
// parallel test's child forked between pipe and CloseOnExec would hold the
// write end, and the reader would never see end of file.
func Pipe() (fds [2]int, err error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := unix.Pipe(fds[:]); err != nil {
		return fds, err
	}
	unix.CloseOnExec(fds[0])
	unix.CloseOnExec(fds[1])
	return fds, nil
}
