//go:build linux

package reactor

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// straceChildEnv tells a test run under strace by countSyscalls that it is
// the child: it does the work, and the parent checks the counts.
const straceChildEnv = "LOOPSCRIPT_STRACE_CHILD"

// underStrace reports whether this process is countSyscalls' child.
func underStrace() bool { return os.Getenv(straceChildEnv) != "" }

// countSyscalls runs the test named test again, in a child process under
// `strace -f -c`, and returns the number of calls of each system call the
// whole child made (the Go runtime's and the test's own included, so
// compare per unit of work, with room). It skips the test when strace is
// missing or cannot trace (no ptrace in the container).
func countSyscalls(t *testing.T, test string) map[string]int {
	t.Helper()
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed: the system calls cannot be counted")
	}
	out := filepath.Join(t.TempDir(), "strace.txt")
	cmd := exec.Command(strace, "-f", "-c", "-o", out, os.Args[0],
		"-test.run=^"+test+"$", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), straceChildEnv+"=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(b), "ptrace") || strings.Contains(string(b), "Operation not permitted") {
			t.Skipf("strace cannot trace here: %s", b)
		}
		t.Fatalf("the child under strace failed: %v\n%s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// strace -c prints "% time  seconds  usecs/call  calls  errors syscall",
	// the errors column empty when there are none.
	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		calls, err := strconv.Atoi(fields[3])
		name := fields[len(fields)-1]
		if err != nil || name == "total" {
			continue
		}
		counts[name] = calls
	}
	if len(counts) == 0 {
		t.Fatalf("no system calls counted in %s", out)
	}
	return counts
}

// rawFetch connects to addr with a blocking socket of its own (no Go
// netpoller, so none of its epoll_ctl or getsockopt calls) and reads until
// the server closes; it returns the bytes read.
func rawFetch(addr *net.TCPAddr) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	sa := &unix.SockaddrInet4{Port: addr.Port}
	copy(sa.Addr[:], addr.IP.To4())
	if err := unix.Connect(fd, sa); err != nil {
		return 0, err
	}
	buf := make([]byte, 64<<10)
	total := 0
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return total, err
		}
		if n == 0 {
			return total, nil
		}
		total += n
	}
}

// TestWriteAndCloseSyscalls pins what a write-and-close server (W12's
// poetry) costs per connection in system calls: one accept4 (and one
// ending in EAGAIN), one write, one close; no epoll_ctl (reading starts
// after ConnectionMade, which closed the connection) and no getsockopt
// (x/sys's accept4 asked SO_PROTOCOL for each IPv4 peer). Before: two
// epoll_ctl and one getsockopt per connection.
func TestWriteAndCloseSyscalls(t *testing.T) {
	const conns = 100
	const poem = 4 << 10 // fits a fresh socket's send buffer: one write
	if !underStrace() {
		counts := countSyscalls(t, "TestWriteAndCloseSyscalls")
		t.Logf("%d connections: %v", conns, counts)
		for _, c := range []struct {
			call string
			most int
		}{
			{"accept4", 2*conns + 10},
			{"write", conns + 10},
			{"epoll_ctl", 10},
			{"getsockopt", 5},
		} {
			if got := counts[c.call]; got > c.most {
				t.Errorf("%d %s calls for %d connections, want at most %d", got, c.call, conns, c.most)
			}
		}
		if counts["accept4"] < conns {
			t.Errorf("%d accept4 calls for %d connections: strace did not see the server", counts["accept4"], conns)
		}
		return
	}
	r, log := newTestReactor(t, Config{})
	data := strings.Repeat("x", poem)
	port, err := r.ListenTCP(0, "127.0.0.1", 0, func(net.Addr) Protocol {
		return &testProto{onMade: func(p *testProto) {
			p.t.WriteString(data)
			p.t.LoseConnection()
		}}
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		var err error
		for range conns {
			var n int
			n, err = rawFetch(port.Addr().(*net.TCPAddr))
			if err == nil && n != poem {
				err = fmt.Errorf("read %d bytes, want %d", n, poem)
			}
			if err != nil {
				break
			}
		}
		done <- err
		r.Stop()
	}()
	run(t, r)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if errs := log.list(); len(errs) > 0 {
		t.Errorf("errors reported: %v", errs)
	}
}
