package host

import (
	"os"
	"syscall"
)

// openScript opens the script file at path for reading, as os.Open does,
// except that the descriptor stays out of the Go runtime's network poller.
// The first os.Open of a process starts that poller (an epoll set, an
// eventfd, then a registration that fails, since epoll refuses regular
// files) and loopscript's reactor has its own: a script that opens nothing
// else would pay for a poller nobody uses. A blocking read of a script that
// is a FIFO blocks one thread until the writer has written, which reading a
// program before running it may do. Errors are *os.PathError, as os.Open's.
func openScript(path string) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		// A blocking descriptor: os.NewFile leaves it out of the poller.
		return os.NewFile(uintptr(fd), path), nil
	}
}
