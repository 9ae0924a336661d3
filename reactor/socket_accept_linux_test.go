//go:build linux && !386 && !s390x

package reactor

import (
	"net"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

// acceptConn and localAddr parse the kernel's addresses themselves (x/sys
// would ask getsockopt for each): they must give what x/sys gives for TCP
// over IPv4 and IPv6 and for named and abstract UNIX sockets, and "" for an
// unnamed UNIX peer.
func TestAcceptAddresses(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		family   int
		listenAt unix.Sockaddr
		bindTo   unix.Sockaddr // the client's address, nil for none
		wantPeer func(client int) unix.Sockaddr
	}{
		{"ipv4", unix.AF_INET, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}, nil, xsysName},
		{"ipv6", unix.AF_INET6, &unix.SockaddrInet6{Addr: [16]byte{15: 1}}, nil, xsysName},
		{"unix named", unix.AF_UNIX, &unix.SockaddrUnix{Name: filepath.Join(dir, "l")},
			&unix.SockaddrUnix{Name: filepath.Join(dir, "c")}, xsysName},
		{"unix abstract", unix.AF_UNIX, &unix.SockaddrUnix{Name: "@loopscript-test-l"},
			&unix.SockaddrUnix{Name: "@loopscript-test-c"}, xsysName},
		{"unix unnamed", unix.AF_UNIX, &unix.SockaddrUnix{Name: filepath.Join(dir, "u")}, nil,
			func(int) unix.Sockaddr { return &unix.SockaddrUnix{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lfd := mustSocket(t, tt.family)
			if err := unix.Bind(lfd, tt.listenAt); err != nil {
				if tt.family == unix.AF_INET6 {
					t.Skipf("no IPv6 loopback: %v", err)
				}
				t.Fatal(err)
			}
			if err := unix.Listen(lfd, 1); err != nil {
				t.Fatal(err)
			}
			listening, err := unix.Getsockname(lfd)
			if err != nil {
				t.Fatal(err)
			}
			got, err := localAddr(lfd)
			if err != nil || !reflect.DeepEqual(got, listening) {
				t.Errorf("localAddr(listener) = %#v, %v; x/sys says %#v", got, err, listening)
			}
			cfd := mustSocket(t, tt.family)
			if tt.bindTo != nil {
				if err := unix.Bind(cfd, tt.bindTo); err != nil {
					t.Fatal(err)
				}
			}
			// A non-blocking connect to a listening loopback socket is
			// queued at once (or reports EINPROGRESS, then completes).
			if err := unix.Connect(cfd, listening); err != nil && err != unix.EINPROGRESS {
				t.Fatal(err)
			}
			var nfd int
			var peer unix.Sockaddr
			for {
				nfd, peer, err = acceptConn(lfd)
				if err != unix.EAGAIN {
					break
				}
				pollIn(t, lfd)
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { unix.Close(nfd) })
			if want := tt.wantPeer(cfd); !reflect.DeepEqual(peer, want) {
				t.Errorf("acceptConn's peer = %#v, want %#v", peer, want)
			}
			if fl, err := unix.FcntlInt(uintptr(nfd), unix.F_GETFL, 0); err != nil || fl&unix.O_NONBLOCK == 0 {
				t.Errorf("accepted socket not non-blocking: flags %#x, %v", fl, err)
			}
			if fl, err := unix.FcntlInt(uintptr(nfd), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
				t.Errorf("accepted socket not close-on-exec: flags %#x, %v", fl, err)
			}
		})
	}
}

// xsysName is the client's own address as x/sys reads it.
func xsysName(client int) unix.Sockaddr {
	sa, err := unix.Getsockname(client)
	if err != nil {
		panic(err)
	}
	return sa
}

func mustSocket(t *testing.T, family int) int {
	t.Helper()
	fd, err := newSocket(family, unix.SOCK_STREAM)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

func pollIn(t *testing.T, fd int) {
	t.Helper()
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	if _, err := unix.Poll(fds, 5000); err != nil && err != unix.EINTR {
		t.Fatal(err)
	}
}

// TestAcceptPeer: acceptPeer gives the peer as sockaddrToAddr makes it from
// x/sys's reading of the client's name (the IPv4 address in its 16-byte
// form), and accepting costs one allocation, the address (there were three:
// a unix.Sockaddr, the net.TCPAddr and its IP).
func TestAcceptPeer(t *testing.T) {
	for _, tt := range []struct {
		name     string
		family   int
		listenAt unix.Sockaddr
	}{
		{"ipv4", unix.AF_INET, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}},
		{"ipv6", unix.AF_INET6, &unix.SockaddrInet6{Addr: [16]byte{15: 1}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const clients = 51 // AllocsPerRun's warm-up and 50 runs
			lfd := mustSocket(t, tt.family)
			if err := unix.Bind(lfd, tt.listenAt); err != nil {
				if tt.family == unix.AF_INET6 {
					t.Skipf("no IPv6 loopback: %v", err)
				}
				t.Fatal(err)
			}
			if err := unix.Listen(lfd, clients); err != nil {
				t.Fatal(err)
			}
			listening, err := unix.Getsockname(lfd)
			if err != nil {
				t.Fatal(err)
			}
			var want []net.Addr
			for range clients {
				cfd := mustSocket(t, tt.family)
				if err := unix.Connect(cfd, listening); err != nil && err != unix.EINPROGRESS {
					t.Fatal(err)
				}
				want = append(want, sockaddrToAddr(xsysName(cfd)))
			}
			got := make([]net.Addr, 0, clients)
			allocs := testing.AllocsPerRun(clients-1, func() {
				for {
					nfd, peer, err := acceptPeer(lfd)
					if err == unix.EAGAIN {
						pollIn(t, lfd)
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					unix.Close(nfd)
					got = append(got, peer)
					return
				}
			})
			// The peers come in the order they connected.
			if !reflect.DeepEqual(got, want) {
				t.Errorf("acceptPeer's peers = %v, want %v", got, want)
			}
			if allocs > 1 {
				t.Errorf("an accept allocates %.1f times, want 1 (the address)", allocs)
			}
		})
	}
}
