package reactor

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// ListenUNIX listens on a UNIX stream socket at path, as ListenTCP does on
// a TCP port: the same Port and StreamTransport. The socket file must not
// exist (EADDRINUSE otherwise, a *CannotListenError); StopListening removes
// it. Peers of accepted connections have no name (an empty
// *net.UnixAddr).
func (r *Reactor) ListenUNIX(path string, backlog int, factory func(addr net.Addr) Protocol) (*Port, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	fail := func(err error) (*Port, error) {
		return nil, &CannotListenError{Port: path, Err: err}
	}
	if path == "" {
		return fail(fmt.Errorf("empty UNIX socket path"))
	}
	fd, err := newSocket(unix.AF_UNIX, unix.SOCK_STREAM)
	if err != nil {
		return fail(err)
	}
	p, err := r.listen(fd, &unix.SockaddrUnix{Name: path}, backlog, false, factory)
	if err != nil {
		return fail(err)
	}
	return p, nil
}
