package reactor

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// nonblockPair is a connected pair of non-blocking UNIX stream sockets,
// closed at the test's end.
func nonblockPair(t *testing.T) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

// TestRawIO: the reads and writes made past the scheduler return what
// x/sys's do: counts, EAGAIN on an empty or full socket, EPIPE once the
// peer has shut down, and writev's pieces in order (empty ones skipped, at most
// writevMax of them in one call).
func TestRawIO(t *testing.T) {
	a, b := nonblockPair(t)
	buf := make([]byte, 1<<16)
	if _, err := readNonblock(a, buf); err != unix.EAGAIN {
		t.Fatalf("read of an empty socket: %v, want EAGAIN", err)
	}
	if n, err := writeNonblock(b, []byte("abc")); n != 3 || err != nil {
		t.Fatalf("write: %d, %v", n, err)
	}
	if n, err := readNonblock(a, buf); n != 3 || err != nil || string(buf[:n]) != "abc" {
		t.Fatalf("read: %d %q, %v", n, buf[:n], err)
	}
	if n, err := writeNonblockFd(b, [][]byte{[]byte("ab"), nil, []byte("cd")}); n != 4 || err != nil {
		t.Fatalf("writev: %d, %v", n, err)
	}
	if n, _ := readNonblock(a, buf); string(buf[:n]) != "abcd" {
		t.Fatalf("read after writev: %q", buf[:n])
	}
	many := make([][]byte, writevMax+10)
	var want bytes.Buffer
	for i := range many {
		many[i] = []byte{byte('A' + i%26)}
		if i < writevMax {
			want.Write(many[i])
		}
	}
	if n, err := writeNonblockFd(b, many); n != writevMax || err != nil {
		t.Fatalf("writev of %d pieces: %d, %v; want the first %d", len(many), n, err, writevMax)
	}
	if n, _ := readNonblock(a, buf); !bytes.Equal(buf[:n], want.Bytes()) {
		t.Fatalf("read after the long writev: %q, want %q", buf[:n], want.Bytes())
	}
	if n, err := writeNonblockFd(b, [][]byte{nil, {}}); n != 0 || err != nil {
		t.Fatalf("writev of empty pieces: %d, %v", n, err)
	}
	// Fill the socket: the write that finds it full is EAGAIN.
	for {
		if _, err := writeNonblock(b, buf); err != nil {
			if err != unix.EAGAIN {
				t.Fatalf("write to a full socket: %v, want EAGAIN", err)
			}
			break
		}
	}
	if err := unix.Shutdown(a, unix.SHUT_RDWR); err != nil { // the descriptor stays ours to close
		t.Fatal(err)
	}
	if _, err := writeNonblock(b, []byte("x")); !errors.Is(err, unix.EPIPE) {
		t.Fatalf("write after the peer shut down: %v, want EPIPE", err)
	}
	if _, err := readNonblock(-1, buf); !errors.Is(err, unix.EBADF) {
		t.Fatalf("read of a bad descriptor: %v, want EBADF", err)
	}
}
