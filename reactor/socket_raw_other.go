//go:build !linux || 386 || s390x

package reactor

import "golang.org/x/sys/unix"

// Elsewhere (and where socket calls go through socketcall) a connection's
// close and options go through x/sys.

func closeSocket(fd int) error { return unix.Close(fd) }

func setsockoptInt(fd, level, opt, value int) error { return unix.SetsockoptInt(fd, level, opt, value) }
