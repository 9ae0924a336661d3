//go:build linux && !386 && !s390x

package reactor

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// A connection's close and its TCP options go to the kernel past Go's
// scheduler on Linux, as its reads and writes do (see rawio_linux.go): none
// of them blocks on a socket the reactor made. (close(2) would wait only
// with SO_LINGER on and a time above 0, which the reactor never sets:
// AbortConnection's linger is 0.) Told of each call, the scheduler's
// monitor kept waking to take the loop's processor away and another thread
// to take it: futex and nanosleep calls, and context switches, per poem.

// closeSocket is close(2) of a socket of the reactor's.
func closeSocket(fd int) error {
	if _, _, errno := unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0); errno != 0 {
		return errnoErr(errno)
	}
	return nil
}

// setsockoptInt is setsockopt(2) of an int option on a socket.
func setsockoptInt(fd, level, opt, value int) error {
	v := int32(value)
	_, _, errno := unix.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt),
		uintptr(unsafe.Pointer(&v)), unsafe.Sizeof(v), 0)
	if errno != 0 {
		return errnoErr(errno)
	}
	return nil
}
