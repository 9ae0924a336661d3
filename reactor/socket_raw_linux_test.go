//go:build linux && !386 && !s390x

package reactor

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestRawSocketCalls: the close and setsockopt made past the scheduler
// do what x/sys's do: an option set reads back, a close frees the
// descriptor, and a closed one is EBADF to both.
func TestRawSocketCalls(t *testing.T) {
	for _, tc := range []struct {
		name       string
		level, opt int
	}{
		{"TCP_NODELAY", unix.IPPROTO_TCP, unix.TCP_NODELAY},
		{"SO_KEEPALIVE", unix.SOL_SOCKET, unix.SO_KEEPALIVE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fd, err := newSocket(unix.AF_INET, unix.SOCK_STREAM)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []int{1, 0, 1} {
				if err := setsockoptInt(fd, tc.level, tc.opt, want); err != nil {
					t.Fatalf("set %d: %v", want, err)
				}
				if got, err := unix.GetsockoptInt(fd, tc.level, tc.opt); err != nil || (got != 0) != (want != 0) {
					t.Fatalf("after setting %d, x/sys reads %d, %v", want, got, err)
				}
			}
			if err := closeSocket(fd); err != nil {
				t.Fatalf("close: %v", err)
			}
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != unix.EBADF {
				t.Fatalf("the descriptor is still open after closeSocket: %v", err)
			}
			if err := closeSocket(fd); err != unix.EBADF {
				t.Errorf("a second close: %v, want EBADF", err)
			}
			if err := setsockoptInt(fd, tc.level, tc.opt, 1); err != unix.EBADF {
				t.Errorf("setsockopt on a closed descriptor: %v, want EBADF", err)
			}
		})
	}
}
