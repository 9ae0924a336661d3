//go:build linux || freebsd

package reactor

import "golang.org/x/sys/unix"

// childPipe makes a pipe whose ends no other child inherits, with the end
// the parent keeps (parentEnd, 0 for the read end, 1 for the write end)
// non-blocking and the child's end blocking, as children expect of their
// stdio. O_NONBLOCK belongs to each end's open file, so one F_SETFL on the
// child's end undoes what pipe2 set on both: three system calls in all.
func childPipe(p []int, parentEnd int) error {
	if err := unix.Pipe2(p, unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return err
	}
	// F_SETFL ignores the access mode, so 0 clears O_NONBLOCK and nothing
	// else a fresh pipe could have.
	if _, err := unix.FcntlInt(uintptr(p[1-parentEnd]), unix.F_SETFL, 0); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return err
	}
	return nil
}

// pipeCloexec makes a pipe whose ends no other child inherits.
func pipeCloexec(p []int) error { return unix.Pipe2(p, unix.O_CLOEXEC) }
