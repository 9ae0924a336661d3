//go:build !linux || 386 || s390x

package reactor

import "net"

// acceptPeer is acceptConn with the peer's address as Go's.
func acceptPeer(fd int) (int, net.Addr, error) {
	nfd, sa, err := acceptConn(fd)
	if err != nil {
		return -1, nil, err
	}
	return nfd, sockaddrToAddr(sa), nil
}
