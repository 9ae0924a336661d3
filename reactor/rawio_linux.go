package reactor

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The reads and writes of non-blocking sockets and pipes go to the kernel
// without telling Go's scheduler (RawSyscall, not Syscall). Such a call
// never blocks, but a large one can take tens of microseconds: long enough
// for the runtime's monitor to take the loop's processor away and start
// another thread, which finds nothing to do and sleeps again, and then the
// loop's thread must wait to get a processor back. These calls must only
// be made on descriptors in non-blocking mode.

// readNonblock is read(2) on a non-blocking fd.
func readNonblock(fd int, p []byte) (int, error) {
	var base unsafe.Pointer
	if len(p) > 0 {
		base = unsafe.Pointer(&p[0])
	}
	n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(base), uintptr(len(p)))
	if errno != 0 {
		return 0, errnoErr(errno)
	}
	return int(n), nil
}

// writeNonblock is write(2) on a non-blocking fd.
func writeNonblock(fd int, p []byte) (int, error) {
	var base unsafe.Pointer
	if len(p) > 0 {
		base = unsafe.Pointer(&p[0])
	}
	n, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(base), uintptr(len(p)))
	if errno != 0 {
		return 0, errnoErr(errno)
	}
	return int(n), nil
}

// writevMax is how many pieces one writev(2) sends at most (the kernel's
// UIO_MAXIOV is 1024); the caller writes again for the rest.
const writevMax = 64

// writePiecesNonblock sends as many of pieces as a non-blocking fd takes
// with one writev(2).
func writePiecesNonblock(fd int, pieces [][]byte) (int, error) {
	var iov [writevMax]unix.Iovec
	n := 0
	for _, p := range pieces {
		if len(p) == 0 {
			continue
		}
		if n == len(iov) {
			break
		}
		iov[n].Base = &p[0]
		iov[n].SetLen(len(p))
		n++
	}
	if n == 0 {
		return 0, nil
	}
	r, _, errno := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(n))
	if errno != 0 {
		return 0, errnoErr(errno)
	}
	return int(r), nil
}

// errnoErr returns the errors the callers compare with as the same values
// unix.Read and unix.Write return, without allocating for them.
func errnoErr(e unix.Errno) error {
	switch e {
	case unix.EAGAIN:
		return unix.EAGAIN
	case unix.EINTR:
		return unix.EINTR
	}
	return e
}
