//go:build linux && !386 && !s390x

package reactor

import (
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linux's accept4 and getsockname are made here rather than through x/sys,
// whose conversion of an IPv4 or IPv6 address asks the socket's protocol
// with a getsockopt(SO_PROTOCOL) each time (to tell L2TP apart): one
// system call more per accepted connection. A stream socket is never L2TP.
// (On 386 and s390x these calls go through socketcall; x/sys is used there.)

// acceptConn accepts one connection as a non-blocking, close-on-exec socket.
func acceptConn(fd int) (int, unix.Sockaddr, error) {
	var raw unix.RawSockaddrAny
	nfd, size, err := accept4(fd, &raw)
	if err != nil {
		return -1, nil, err
	}
	return nfd, streamSockaddr(&raw, size), nil
}

// acceptPeer is acceptConn with the peer's address as Go's: an IPv4 or
// IPv6 peer is read from the kernel's bytes into one allocation, with no
// unix.Sockaddr made on the way.
func acceptPeer(fd int) (int, net.Addr, error) {
	var raw unix.RawSockaddrAny
	nfd, size, err := accept4(fd, &raw)
	if err != nil {
		return -1, nil, err
	}
	switch raw.Addr.Family {
	case unix.AF_INET:
		in := (*unix.RawSockaddrInet4)(unsafe.Pointer(&raw))
		port := (*[2]byte)(unsafe.Pointer(&in.Port))
		return nfd, newTCPAddr4(in.Addr, int(port[0])<<8|int(port[1])), nil
	case unix.AF_INET6:
		in := (*unix.RawSockaddrInet6)(unsafe.Pointer(&raw))
		port := (*[2]byte)(unsafe.Pointer(&in.Port))
		return nfd, newTCPAddr(in.Addr, int(port[0])<<8|int(port[1]), zoneName(in.Scope_id)), nil
	}
	return nfd, sockaddrToAddr(streamSockaddr(&raw, size)), nil
}

// accept4 is accept4(2), retried on EINTR, the peer's address into raw:
// past the scheduler (RawSyscall), as the listening socket is non-blocking
// and the call never waits (see socket_raw_linux.go).
func accept4(fd int, raw *unix.RawSockaddrAny) (nfd int, size uint32, err error) {
	size = uint32(unix.SizeofSockaddrAny)
	for {
		r, _, errno := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(fd),
			uintptr(unsafe.Pointer(raw)), uintptr(unsafe.Pointer(&size)),
			unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return -1, 0, errno
		}
		return int(r), size, nil
	}
}

// localAddr is the socket's own address (getsockname(2)).
func localAddr(fd int) (unix.Sockaddr, error) {
	var raw unix.RawSockaddrAny
	size := uint32(unix.SizeofSockaddrAny)
	_, _, errno := unix.RawSyscall(unix.SYS_GETSOCKNAME, uintptr(fd),
		uintptr(unsafe.Pointer(&raw)), uintptr(unsafe.Pointer(&size)))
	if errno != 0 {
		return nil, errno
	}
	return streamSockaddr(&raw, size), nil
}

// streamSockaddr converts the address of a TCP or UNIX stream socket, size
// bytes of raw. A UNIX name ends at its first NUL and an abstract one's
// leading NUL reads "@", as x/sys has them; an unnamed socket's name is "".
// Any other family (none is expected here) gives nil.
func streamSockaddr(raw *unix.RawSockaddrAny, size uint32) unix.Sockaddr {
	switch raw.Addr.Family {
	case unix.AF_INET:
		in := (*unix.RawSockaddrInet4)(unsafe.Pointer(raw))
		port := (*[2]byte)(unsafe.Pointer(&in.Port))
		return &unix.SockaddrInet4{Port: int(port[0])<<8 | int(port[1]), Addr: in.Addr}
	case unix.AF_INET6:
		in := (*unix.RawSockaddrInet6)(unsafe.Pointer(raw))
		port := (*[2]byte)(unsafe.Pointer(&in.Port))
		return &unix.SockaddrInet6{Port: int(port[0])<<8 | int(port[1]), ZoneId: in.Scope_id, Addr: in.Addr}
	case unix.AF_UNIX:
		un := (*unix.RawSockaddrUnix)(unsafe.Pointer(raw))
		path := unsafe.Slice((*byte)(unsafe.Pointer(&un.Path[0])), len(un.Path))
		path = path[:max(0, min(int(size)-int(unsafe.Offsetof(un.Path)), len(path)))]
		prefix := ""
		if len(path) > 0 && path[0] == 0 {
			prefix, path = "@", path[1:]
		}
		for i, b := range path {
			if b == 0 {
				path = path[:i]
				break
			}
		}
		return &unix.SockaddrUnix{Name: prefix + string(path)}
	}
	return nil
}
