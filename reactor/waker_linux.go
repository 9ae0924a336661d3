package reactor

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// newWakerFds makes the waker's descriptor: one eventfd, both read and
// written, non-blocking and close-on-exec.
func newWakerFds() (rfd, wfd int, err error) {
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return -1, -1, fmt.Errorf("reactor: eventfd: %w", err)
	}
	return efd, efd, nil
}
