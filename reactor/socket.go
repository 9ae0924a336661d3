package reactor

import "golang.org/x/sys/unix"

// NewSocket makes a non-blocking, close-on-exec socket, as the reactor's
// own transports do: in one call where the system has SOCK_CLOEXEC, else
// under syscall.ForkLock, so a child started meanwhile cannot inherit it.
// It is for code that watches sockets of its own (a luasocket-style module).
func NewSocket(family, typ int) (int, error) { return newSocket(family, typ) }

// Accept accepts one connection on the listening socket fd as NewSocket
// makes sockets: non-blocking and close-on-exec.
func Accept(fd int) (int, unix.Sockaddr, error) { return acceptConn(fd) }
