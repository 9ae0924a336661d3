package reactor

import (
	"net"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Hostile conditions at a listening port, checked against the reactor's
// own counts: a port out of descriptors with no spare left, and connection
// churn.

// exhaustDescriptors lowers the process's descriptor limit and fills every
// free slot; the returned function frees them and restores the limit.
func exhaustDescriptors(t *testing.T) (release func()) {
	t.Helper()
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	lowered := old
	lowered.Cur = min(old.Cur, 512)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lowered); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	fillers := []int{fd}
	for {
		dup, err := unix.Dup(fd)
		if err != nil {
			break
		}
		fillers = append(fillers, dup)
	}
	return func() {
		for _, fd := range fillers {
			unix.Close(fd)
		}
		fillers = nil
		unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	}
}

// A port out of descriptors whose spare is gone pauses accepting, for a
// pause that grows up to a second instead of spinning; when one of its
// connections closes it accepts again at once, not at the pause's end.
func TestAcceptPauseEndsWhenAConnectionCloses(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("descriptor exhaustion is tuned on Linux")
	}
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		var servers []*testProto
		port := endpoints[0].listen(t, r, echoServer(&servers, func() {}))
		addr := port.Addr().(*net.TCPAddr)
		dest := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: addr.Port}
		// The sockets are made first: there is no descriptor to spare
		// once the shortage begins.
		socket := func() int {
			fd, err := newSocket(unix.AF_INET, unix.SOCK_STREAM)
			if err != nil {
				t.Fatal(err)
			}
			return fd
		}
		connect := func(fd int) {
			unix.Connect(fd, dest) // EINPROGRESS: the kernel completes it
		}
		first := socket()
		waiting := []int{socket(), socket()}
		defer func() {
			for _, fd := range append(waiting, first) {
				if fd >= 0 {
					unix.Close(fd)
				}
			}
		}()
		connect(first)
		var release func()
		defer func() {
			if release != nil {
				release()
			}
		}()

		var closedAt time.Duration
		step := "the first connection"
		var check func()
		check = func() {
			switch step {
			case "the first connection":
				if len(servers) == 0 {
					break
				}
				// Out of descriptors, and no spare to refuse with.
				unix.Close(port.spare)
				port.spare = -1
				release = exhaustDescriptors(t)
				for _, fd := range waiting {
					connect(fd)
				}
				step = "a long pause"
			case "a long pause":
				// A pause of a second has just begun: close the first
				// connection now, from the client's side.
				if port.resume == nil || port.backoff < maxAcceptPause {
					break
				}
				unix.Close(first)
				first = -1
				closedAt = r.Now()
				step = "the next accept"
			case "the next accept":
				if len(servers) < 2 {
					break
				}
				waited := r.Now() - closedAt
				t.Logf("accepted %v after a connection closed, in a pause of 640 ms", waited)
				if waited > maxAcceptPause/2 {
					t.Errorf("the port accepted %v after a connection closed, want at once", waited)
				}
				r.Stop()
				return
			}
			r.CallLater(2*time.Millisecond, check)
		}
		r.CallWhenRunning(check)
		run(t, r)
		release()
		release = nil

		// Each report counts the failures it left out since the last.
		failures := port.unreported
		for _, err := range log.list() {
			failures++
			if m := leftOut.FindStringSubmatch(err.Error()); m != nil {
				n, _ := strconv.Atoi(m[1])
				failures += n
			}
		}
		// The pauses of 10, 20, ... 640 ms and some of a second: about
		// ten failed accepts, where a loop spinning would make thousands.
		t.Logf("%d accepts failed during the shortage", failures)
		if failures < 5 || failures > 40 {
			t.Errorf("%d accepts failed during the shortage, want about ten: %v", failures, log.list())
		}
	})
}

var leftOut = regexp.MustCompile(`\((\d+) more accept failures since the last report\)`)

// churnCycles is TestConnectionChurnLeavesNothing's count:
// LOOPSCRIPT_CHURN=100000 for the full run.
func churnCycles(t *testing.T) int {
	s := os.Getenv("LOOPSCRIPT_CHURN")
	if s == "" {
		return 500
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("LOOPSCRIPT_CHURN=%q: want a number of cycles", s)
	}
	return n
}

// Connect, echo, close, many times over: afterwards the process holds the
// descriptors it held before, and the reactor no timer, no watched
// descriptor and no open transport beyond the port.
func TestConnectionChurnLeavesNothing(t *testing.T) {
	cycles := churnCycles(t)
	if openFds() < 0 {
		t.Skip("no /proc/self/fd")
	}
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		var servers []*testProto
		done, serversLost := 0, 0
		var port *Port
		var before int
		// Counted inside the loop, once both sides of every connection
		// are lost: at the stop the reactor closes the port too.
		var timers, fds int
		var readers []ReadDescriptor
		var writers []WriteDescriptor
		var open int
		stopWhenDone := func() {
			if done < cycles || serversLost < cycles {
				return
			}
			r.CallLater(0, func() {
				timers, readers, writers, open, fds = r.Pending(), r.Readers(), r.Writers(), len(r.openIO.set), openFds()
				r.Stop()
			})
		}
		port = endpoints[0].listen(t, r, echoServer(&servers, func() { serversLost++; stopWhenDone() }))
		before = openFds()
		portNum := port.Addr().(*net.TCPAddr).Port
		var cycle func()
		cycle = func() {
			cp := &testProto{
				onMade: func(p *testProto) { p.t.Write([]byte("ping")) },
				onData: func(p *testProto, _ []byte) {
					if p.data.Len() == 4 {
						p.t.LoseConnection()
					}
				},
			}
			client := &testClient{proto: cp}
			client.onLost = func(error) {
				if done++; done < cycles {
					cycle()
				}
				stopWhenDone()
			}
			client.onFailed = func(err error) {
				t.Errorf("cycle %d: %v", done, err)
				r.Stop()
			}
			if _, err := r.ConnectTCP("127.0.0.1", portNum, 0, client); err != nil {
				t.Fatal(err)
			}
		}
		r.CallWhenRunning(cycle)
		// The run limit grows with the count (the full size takes minutes
		// on a loaded machine).
		limit := runLimit + time.Duration(cycles)*5*time.Millisecond
		r.CallLater(limit, func() {
			t.Errorf("the churn still ran after %v", limit)
			r.Stop()
		})
		start := time.Now()
		if err := r.Run(); err != nil {
			t.Fatalf("Run: %v", err)
		}
		t.Logf("%d connect/echo/close cycles in %v; descriptors %d before, %d after", done, time.Since(start).Round(time.Millisecond), before, fds)
		if done != cycles || len(servers) != cycles || serversLost != cycles {
			t.Fatalf("%d cycles done, %d served, %d server sides lost; want %d", done, len(servers), serversLost, cycles)
		}
		if errs := log.list(); len(errs) > 0 {
			t.Fatalf("errors reported: %v", errs)
		}
		if timers != 1 {
			t.Errorf("%d timers pending, want the churn's run limit only", timers)
		}
		if len(readers) != 1 || readers[0] != ReadDescriptor(port) {
			t.Errorf("readers left: %v, want the port only", readers)
		}
		if len(writers) != 0 {
			t.Errorf("writers left: %v", writers)
		}
		if open != 1 {
			t.Errorf("%d transports and ports open, want the port only", open)
		}
		if fds != before {
			t.Errorf("%d descriptors open after the churn, %d before", fds, before)
		}
	})
}
