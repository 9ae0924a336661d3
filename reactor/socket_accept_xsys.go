//go:build freebsd || (linux && (386 || s390x))

package reactor

import "golang.org/x/sys/unix"

// acceptConn accepts one connection as a non-blocking, close-on-exec socket.
func acceptConn(fd int) (int, unix.Sockaddr, error) {
	return unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}

// localAddr is the socket's own address (getsockname(2)).
func localAddr(fd int) (unix.Sockaddr, error) { return unix.Getsockname(fd) }
