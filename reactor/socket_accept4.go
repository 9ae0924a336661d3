//go:build linux || freebsd

package reactor

import "golang.org/x/sys/unix"

// newSocket makes a non-blocking, close-on-exec socket in one call, so a
// child started meanwhile cannot inherit it.
func newSocket(family, typ int) (int, error) {
	return unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}
