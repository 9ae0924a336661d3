//go:build linux

package reactor

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// epollCountingPoller is a countingPoller over an EpollPoller that also
// counts forgetClosing, which costs no epoll_ctl.
type epollCountingPoller struct {
	countingPoller
	forgets int
}

func (c *epollCountingPoller) forgetClosing(fd int) {
	c.forgets++
	c.Poller.(*EpollPoller).forgetClosing(fd)
}

// A spawn costs four epoll_ctl ADDs (the pidfd, stdout, stderr, and stdin
// for the read hack) and no DEL: each descriptor is the only one of its
// open file, so closing it takes it out of the set. Writing to stdin and
// closing it costs one MOD (the read hack traded for writability), not a
// DEL and an ADD each way.
func TestSpawnEpollRegistrations(t *testing.T) {
	const spawns = 5
	tests := []struct {
		name                   string
		args                   []string
		input                  string // written, then stdin closed; "" leaves stdin alone
		adds, modifies, remove int    // per spawn
	}{
		{"true", []string{"/bin/true"}, "", 4, 0, 0},
		{"cat with input", []string{"/bin/cat"}, "some input\n", 4, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep, err := NewEpollPoller()
			if err != nil {
				t.Fatal(err)
			}
			cp := &epollCountingPoller{countingPoller: countingPoller{Poller: ep}}
			r, log := newTestReactor(t, Config{Poller: cp})
			started := 0
			var recorders []*procRecorder
			var before, after [3]int // the reactor's own registrations (its waker) left out
			var lenBefore, lenAfter int
			counts := func() [3]int { return [3]int{cp.adds, cp.modifies, cp.removes} }
			var next func()
			next = func() {
				if started == spawns {
					after, lenAfter = counts(), cp.Len()
					r.Stop()
					return
				}
				started++
				pr := &procRecorder{r: r, keepRunning: true}
				recorders = append(recorders, pr)
				pr.onMade = func(p *Process) {
					if tt.input != "" {
						p.Write([]byte(tt.input))
						p.CloseStdin()
					}
				}
				ended := &endHook{procRecorder: pr, then: func() { r.CallLater(0, next) }}
				if _, err := r.SpawnProcess(ended, tt.args[0], tt.args, ProcessOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			r.CallWhenRunning(func() { before, lenBefore = counts(), cp.Len(); next() })
			runBounded(t, r)
			for _, err := range log.list() {
				t.Errorf("callback error: %v", err)
			}
			for i, pr := range recorders {
				if pr.out.String() != tt.input {
					t.Errorf("spawn %d: stdout %q, want %q", i, pr.out.String(), tt.input)
				}
			}
			if started != spawns {
				t.Fatalf("%d spawns ended, want %d", started, spawns)
			}
			got := [3]int{after[0] - before[0], after[1] - before[1], after[2] - before[2]}
			want := [3]int{tt.adds * spawns, tt.modifies * spawns, tt.remove * spawns}
			if got != want {
				t.Errorf("%d spawns: %d ADD, %d MOD, %d DEL; want %d, %d, %d", spawns, got[0], got[1], got[2], want[0], want[1], want[2])
			}
			if lenAfter != lenBefore {
				t.Errorf("the poller counts %d descriptors after the spawns, %d before", lenAfter, lenBefore)
			}
		})
	}
}

// The parent's ends of stdout and stderr are made non-blocking in the
// same pipe2 call, and its end of stdin at the first write, which most
// children never get (one fcntl per spawn saved: two in all, where there
// were three); the child's stdio must be blocking, as every program
// expects (a non-blocking stdin makes cat fail with EAGAIN).
func TestSpawnPipeBlockingModes(t *testing.T) {
	r, log := newTestReactor(t, Config{})
	pr := &procRecorder{r: r}
	var made, written [3]int // the parent's ends' flags at ConnectionMade, and after a write
	flagsOf := func(p *Process, into *[3]int) {
		for i, fd := range []int{p.stdin.fd, p.stdout.fd, p.stderr.fd} {
			flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
			if err != nil {
				t.Errorf("F_GETFL on the parent's end %d: %v", i, err)
			}
			into[i] = flags
		}
	}
	pr.onMade = func(p *Process) {
		flagsOf(p, &made)
		p.Write([]byte("unread\n"))
		flagsOf(p, &written)
	}
	script := "for fd in 0 1 2; do grep '^flags:' /proc/self/fdinfo/$fd; done"
	if _, err := r.SpawnProcess(pr, "/bin/sh", []string{"sh", "-c", script}, ProcessOptions{}); err != nil {
		t.Fatal(err)
	}
	runBounded(t, r)
	for _, err := range log.list() {
		t.Errorf("callback error: %v", err)
	}
	tests := []struct {
		what        string
		flags       int
		nonblocking bool
	}{
		{"stdin before a write", made[0], false},
		{"stdin after a write", written[0], true},
		{"stdout", made[1], true},
		{"stderr", made[2], true},
	}
	for _, tt := range tests {
		if got := tt.flags&unix.O_NONBLOCK != 0; got != tt.nonblocking {
			t.Errorf("the parent's end of %s: non-blocking %v, want %v (flags %#o)", tt.what, got, tt.nonblocking, tt.flags)
		}
	}
	lines := strings.Fields(strings.ReplaceAll(pr.out.String(), "flags:", ""))
	if len(lines) != 3 {
		t.Fatalf("child's fdinfo flags %q (stderr %q), want three", pr.out.String(), pr.errOut.String())
	}
	for fd, field := range lines {
		flags, err := strconv.ParseInt(field, 8, 64)
		if err != nil {
			t.Fatalf("child's fd %d flags %q: %v", fd, field, err)
		}
		if flags&unix.O_NONBLOCK != 0 {
			t.Errorf("the child's fd %d is non-blocking (flags %#o)", fd, flags)
		}
	}
}
