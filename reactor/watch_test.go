package reactor

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// testWatcher is a reader and writer whose callbacks a test supplies. It
// counts its calls and records its ConnectionLost reasons.
type testWatcher struct {
	name    string
	fd      int
	onRead  func(w *testWatcher) error
	onWrite func(w *testWatcher) error
	reads   int
	writes  int
	lost    []error
}

func (w *testWatcher) Fd() int                     { return w.fd }
func (w *testWatcher) ConnectionLost(reason error) { w.lost = append(w.lost, reason) }

func (w *testWatcher) DoRead() error {
	w.reads++
	if w.onRead == nil {
		return nil
	}
	return w.onRead(w)
}

func (w *testWatcher) DoWrite() error {
	w.writes++
	if w.onWrite == nil {
		return nil
	}
	return w.onWrite(w)
}

// readAll drains a non-blocking descriptor: what it read, and io.EOF at end
// of file, nil when it would block, or the read's error.
func readAll(fd int) (string, error) {
	var got []byte
	buf := make([]byte, 512)
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return string(got), nil
		case err != nil:
			return string(got), err
		case n == 0:
			return string(got), io.EOF
		}
		got = append(got, buf[:n]...)
	}
}

// eachReactor runs f with a fresh reactor on every poller. The reactor stops
// itself after runLimit, failing the test, so no case can hang.
func eachReactor(t *testing.T, f func(t *testing.T, r *Reactor, log *errorLog)) {
	t.Helper()
	for _, name := range PollerNames {
		t.Run(name, func(t *testing.T) {
			p, err := NewPoller(name)
			if err != nil {
				t.Fatalf("NewPoller(%q): %v", name, err)
			}
			r, log := newTestReactor(t, Config{Poller: p})
			f(t, r, log)
		})
	}
}

// run runs r until it stops, failing the test if that takes runLimit.
func run(t *testing.T, r *Reactor) {
	t.Helper()
	limit := r.CallLater(runLimit, func() {
		t.Error("the reactor was still running after the run limit")
		r.Stop()
	})
	if err := waitRun(t, startRun(r)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	limit.Cancel() // so that Idle speaks of the watchers only
}

func mustAddReader(t *testing.T, r *Reactor, rd ReadDescriptor) {
	t.Helper()
	if err := r.AddReader(rd); err != nil {
		t.Fatalf("AddReader: %v", err)
	}
}

func mustAddWriter(t *testing.T, r *Reactor, wr WriteDescriptor) {
	t.Helper()
	if err := r.AddWriter(wr); err != nil {
		t.Fatalf("AddWriter: %v", err)
	}
}

func TestWatchPipeReadableAfterWriteFromGoroutine(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		pp := newPollerPipe(t)
		var got string
		rd := &testWatcher{fd: pp.r, onRead: func(w *testWatcher) error {
			s, err := readAll(w.fd)
			got += s
			if err != nil {
				return err
			}
			if got == "ping" {
				r.RemoveReader(w)
				r.Stop()
			}
			return nil
		}}
		mustAddReader(t, r, rd)
		r.CallWhenRunning(func() {
			go unix.Write(pp.w, []byte("ping"))
		})
		run(t, r)
		if got != "ping" || len(rd.lost) != 0 || len(log.list()) != 0 {
			t.Fatalf("read %q, lost %v, errors %v; want \"ping\" and nothing lost", got, rd.lost, log.list())
		}
	})
}

func TestWatchWritableWithRoom(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		pp := newPollerPipe(t)
		wr := &testWatcher{fd: pp.w, onWrite: func(w *testWatcher) error {
			if _, err := unix.Write(w.fd, []byte("x")); err != nil {
				return err
			}
			r.RemoveWriter(w)
			r.Stop()
			return nil
		}}
		mustAddWriter(t, r, wr)
		run(t, r)
		if s, _ := readAll(pp.r); wr.writes != 1 || s != "x" {
			t.Fatalf("DoWrite ran %d times, pipe holds %q; want once and \"x\"", wr.writes, s)
		}
	})
}

// Two descriptors are ready in the same iteration; whichever watcher runs
// first removes the other (as reader, or as writer), which must then get no
// event, although the poller has reported it.
func TestWatchRemovedInIterationGetsNoEvent(t *testing.T) {
	for _, role := range []string{"reader", "writer"} {
		t.Run(role, func(t *testing.T) {
			eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
				a, b := newPollerPipe(t), newPollerPipe(t)
				var ws [2]*testWatcher
				first := func(w *testWatcher) error {
					other := ws[0]
					if w == ws[0] {
						other = ws[1]
					}
					r.RemoveReader(other)
					r.RemoveWriter(other)
					r.RemoveReader(w)
					r.RemoveWriter(w)
					r.CallLater(0, func() { r.Stop() })
					return nil
				}
				if role == "reader" {
					a.write(t)
					b.write(t)
					ws[0] = &testWatcher{name: "a", fd: a.r, onRead: first}
					ws[1] = &testWatcher{name: "b", fd: b.r, onRead: first}
					mustAddReader(t, r, ws[0])
					mustAddReader(t, r, ws[1])
				} else {
					ws[0] = &testWatcher{name: "a", fd: a.w, onWrite: first}
					ws[1] = &testWatcher{name: "b", fd: b.w, onWrite: first}
					mustAddWriter(t, r, ws[0])
					mustAddWriter(t, r, ws[1])
				}
				run(t, r)
				calls := ws[0].reads + ws[0].writes + ws[1].reads + ws[1].writes
				if calls != 1 {
					t.Fatalf("%d calls (a %d+%d, b %d+%d), want 1: the removed watcher got an event",
						calls, ws[0].reads, ws[0].writes, ws[1].reads, ws[1].writes)
				}
			})
		})
	}
}

// Interest changes from inside callbacks: a reader that turns itself into a
// writer, a writer that adds a reader for what it wrote.
func TestWatchAddRemoveFromCallbacks(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		in, mid := newPollerPipe(t), newPollerPipe(t)
		var steps []string
		final := &testWatcher{fd: mid.r, onRead: func(w *testWatcher) error {
			s, err := readAll(w.fd)
			steps = append(steps, "read mid "+s)
			r.RemoveReader(w)
			r.Stop()
			return err
		}}
		// One object, both reader and writer of different descriptors is not
		// possible: the fd is the key. So the relay reads in, then watches
		// mid's write end through a second watcher.
		var relay *testWatcher
		writer := &testWatcher{fd: mid.w, onWrite: func(w *testWatcher) error {
			steps = append(steps, "write mid")
			if _, err := unix.Write(w.fd, []byte("relayed")); err != nil {
				return err
			}
			r.RemoveWriter(w)
			return r.AddReader(final)
		}}
		relay = &testWatcher{fd: in.r, onRead: func(w *testWatcher) error {
			s, err := readAll(w.fd)
			steps = append(steps, "read in "+s)
			r.RemoveReader(w)
			if err := r.AddWriter(writer); err != nil {
				return err
			}
			return err
		}}
		mustAddReader(t, r, relay)
		in.write(t)
		run(t, r)
		want := []string{"read in x", "write mid", "read mid relayed"}
		if strings.Join(steps, "; ") != strings.Join(want, "; ") {
			t.Fatalf("steps %q, want %q", steps, want)
		}
		if len(r.Readers())+len(r.Writers()) != 0 || !r.Idle() {
			t.Fatalf("after the chain: readers %v, writers %v, idle %v", r.Readers(), r.Writers(), r.Idle())
		}
	})
}

// Two readers are ready; whichever runs first closes the other's descriptor,
// removes it, and opens a new, empty pipe that gets the same number, with a
// new reader. Readiness the poller saw for the old descriptor must not reach
// the new reader.
func TestWatchFdReusedInIteration(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		a, b := newPollerPipe(t), newPollerPipe(t)
		a.write(t)
		b.write(t)
		pipes := map[*testWatcher]*pollerPipe{}
		var ws [2]*testWatcher
		var reused *testWatcher
		var fresh *pollerPipe
		notReused := -1
		first := func(w *testWatcher) error {
			if reused != nil {
				return nil
			}
			other := ws[0]
			if w == ws[0] {
				other = ws[1]
			}
			old := other.fd
			r.RemoveReader(other)
			pipes[other].closeR()
			fresh = newPollerPipe(t)
			if fresh.r != old {
				notReused = old // t.Skip would end the loop's goroutine
			}
			reused = &testWatcher{name: "reused", fd: fresh.r}
			if err := r.AddReader(reused); err != nil {
				t.Errorf("AddReader(reused): %v", err)
			}
			r.CallLater(0, func() { r.Stop() })
			return nil
		}
		ws[0] = &testWatcher{fd: a.r, onRead: first}
		ws[1] = &testWatcher{fd: b.r, onRead: first}
		pipes[ws[0]], pipes[ws[1]] = a, b
		mustAddReader(t, r, ws[0])
		mustAddReader(t, r, ws[1])
		run(t, r)
		if reused == nil {
			t.Fatal("no reader ran")
		}
		if notReused >= 0 {
			t.Skipf("the new pipe got fd %d, not the closed %d", fresh.r, notReused)
		}
		if reused.reads != 0 {
			t.Fatalf("the reader of the reused, empty descriptor got %d DoRead calls, want 0", reused.reads)
		}
	})
}

// Regular files and /dev/null never block; epoll refuses them (EPERM) and
// the reactor counts them as always ready. With no timer and nothing else
// watched, the loop must keep calling them rather than block.
func TestWatchAlwaysReady(t *testing.T) {
	file := filepath.Join(t.TempDir(), "regular")
	if err := os.WriteFile(file, []byte("contents"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		write      bool
	}{
		{"regular file read", file, false},
		{"regular file write", file, true},
		{"/dev/null read", os.DevNull, false},
		{"/dev/null write", os.DevNull, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
				f, err := os.OpenFile(c.path, os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				calls := 0
				again := func(w *testWatcher) error {
					if calls++; calls == 3 {
						r.RemoveAll()
						r.Stop()
					}
					return nil
				}
				w := &testWatcher{fd: int(f.Fd()), onRead: again, onWrite: again}
				if c.write {
					mustAddWriter(t, r, w)
				} else {
					mustAddReader(t, r, w)
				}
				if r.Name() == "epoll" && r.alwaysReady != 1 {
					t.Errorf("epoll: %d always-ready watches, want 1 (epoll_ctl should refuse %s)", r.alwaysReady, c.path)
				}
				run(t, r)
				if calls != 3 || r.alwaysReady != 0 {
					t.Fatalf("%d calls, %d always-ready left; want 3 and 0", calls, r.alwaysReady)
				}
			})
		})
	}
}

// select(2) cannot watch a descriptor of 1024 or more: AddReader says so and
// names the way out; poll and epoll watch it.
func TestWatchHighFd(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur <= selectSetSize && lim.Max > selectSetSize {
		raised := lim
		raised.Cur = min(lim.Max, 2*selectSetSize)
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &raised); err == nil {
			t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &lim) })
		}
	}
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		pp := newPollerPipe(t)
		high, err := unix.FcntlInt(uintptr(pp.r), unix.F_DUPFD_CLOEXEC, selectSetSize+100)
		if err != nil {
			t.Skipf("cannot get a descriptor above %d (RLIMIT_NOFILE): %v", selectSetSize, err)
		}
		defer unix.Close(high)
		rd := &testWatcher{fd: high, onRead: func(w *testWatcher) error {
			r.RemoveReader(w)
			r.Stop()
			return nil
		}}
		err = r.AddReader(rd)
		if r.Name() == "select" {
			if !errors.Is(err, ErrFdOutOfRange) {
				t.Fatalf("AddReader(fd %d) = %v, want ErrFdOutOfRange", high, err)
			}
			for _, part := range []string{"FD_SETSIZE", "poll or epoll", "1124"} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not mention %q", err, part)
				}
			}
			if !r.Idle() || len(r.Readers()) != 0 {
				t.Fatalf("after the refusal: idle %v, readers %v; want nothing watched", r.Idle(), r.Readers())
			}
			return
		}
		if err != nil {
			t.Fatalf("AddReader(fd %d): %v", high, err)
		}
		pp.write(t)
		run(t, r)
		if rd.reads != 1 {
			t.Fatalf("DoRead ran %d times, want 1", rd.reads)
		}
	})
}

// A hangup reaches the watcher: a reader sees end of file, a writer-only
// watcher sees EPIPE; the error it returns removes it and comes back in
// ConnectionLost.
func TestWatchHangup(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		reader, writer := newPollerPipe(t), newPollerPipe(t)
		var lost int
		done := func(w *testWatcher) {
			if lost++; lost == 2 {
				r.Stop()
			}
		}
		rd := &testWatcher{name: "reader", fd: reader.r, onRead: func(w *testWatcher) error {
			_, err := readAll(w.fd)
			return err
		}}
		wr := &testWatcher{name: "writer", fd: writer.w, onWrite: func(w *testWatcher) error {
			_, err := unix.Write(w.fd, []byte("x"))
			return err
		}}
		for _, w := range []*testWatcher{rd, wr} {
			w := w
			orig := w.onRead
			if orig == nil {
				orig = w.onWrite
			}
			wrap := func(w *testWatcher) error {
				err := orig(w)
				if err != nil {
					done(w)
				}
				return err
			}
			w.onRead, w.onWrite = wrap, wrap
		}
		mustAddReader(t, r, rd)
		mustAddWriter(t, r, wr)
		reader.closeW()
		writer.closeR()
		run(t, r)
		if len(rd.lost) != 1 || rd.lost[0] != io.EOF {
			t.Errorf("reader: lost %v, want [EOF]", rd.lost)
		}
		if len(wr.lost) != 1 || !errors.Is(wr.lost[0], unix.EPIPE) {
			t.Errorf("writer: lost %v, want [EPIPE]", wr.lost)
		}
		if len(r.Readers())+len(r.Writers()) != 0 {
			t.Errorf("still watched: %v %v", r.Readers(), r.Writers())
		}
	})
}

// A panicking watcher is reported like a timer's panic, removed, and told
// why in ConnectionLost; the loop and the other watchers go on.
func TestWatchPanicIsReported(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		bad, good := newPollerPipe(t), newPollerPipe(t)
		bad.write(t)
		bw := &testWatcher{fd: bad.r, onRead: func(*testWatcher) error { panic("boom") }}
		gw := &testWatcher{fd: good.r, onRead: func(w *testWatcher) error {
			readAll(w.fd)
			r.RemoveReader(w)
			r.Stop()
			return nil
		}}
		mustAddReader(t, r, bw)
		mustAddReader(t, r, gw)
		r.CallLater(0, func() {
			// After the panic's iteration, the loop still runs timers and
			// watchers.
			r.CallLater(0, func() { good.write(t) })
		})
		run(t, r)
		errs := log.list()
		var p *PanicError
		if len(errs) != 1 || !errors.As(errs[0], &p) || p.Value != "boom" || len(p.Stack) == 0 {
			t.Fatalf("errors %v, want one PanicError(boom) with a stack", errs)
		}
		if bw.reads != 1 || len(bw.lost) != 1 || bw.lost[0] != errs[0] {
			t.Fatalf("panicking watcher: %d reads, lost %v; want 1 and the PanicError", bw.reads, bw.lost)
		}
		if gw.reads != 1 {
			t.Fatalf("the other watcher read %d times, want 1", gw.reads)
		}
	})
}

// Watching makes the reactor busy; the listing and RemoveAll see only the
// user's watchers, each once.
func TestWatchIdleAndListing(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		pp := newPollerPipe(t)
		if !r.Idle() {
			t.Fatal("a fresh reactor is not idle")
		}
		both := &testWatcher{fd: pp.r}
		wonly := &testWatcher{fd: pp.w}
		mustAddReader(t, r, both)
		if r.Idle() {
			t.Fatal("idle with a reader watched")
		}
		mustAddWriter(t, r, both)
		mustAddWriter(t, r, wonly)
		mustAddReader(t, r, both) // again: nothing changes
		if len(r.Readers()) != 1 || len(r.Writers()) != 2 {
			t.Fatalf("readers %v, writers %v; want 1 and 2", r.Readers(), r.Writers())
		}
		r.RemoveReader(both)
		r.RemoveWriter(both)
		if r.Idle() {
			t.Fatal("idle with a writer watched")
		}
		mustAddReader(t, r, both)
		all := r.RemoveAll()
		if len(all) != 2 || !r.Idle() || len(r.Readers())+len(r.Writers()) != 0 {
			t.Fatalf("RemoveAll = %v, then idle %v; want both watchers once and idle", all, r.Idle())
		}
		r.RemoveReader(both) // not watched: nothing happens
		if n := r.poller.Len(); n != 1 {
			t.Fatalf("the poller watches %d descriptors, want only the waker", n)
		}
	})
}

// A descriptor closed without RemoveReader makes select(2) fail with EBADF
// and poll(2) report POLLNVAL: either way the watcher (reader and writer
// alike, told once) is dropped with an error and the loop goes on. epoll
// forgets a closed descriptor silently, so it is left out.
func TestWatchClosedBehindTheReactor(t *testing.T) {
	eachReactor(t, func(t *testing.T, r *Reactor, log *errorLog) {
		if r.Name() == "epoll" {
			t.Skip("epoll drops a closed descriptor from its set without an event")
		}
		pp := newPollerPipe(t)
		w := &testWatcher{fd: pp.r, onRead: func(w *testWatcher) error {
			_, err := readAll(w.fd)
			return err
		}}
		lost := make(chan struct{})
		mustAddReader(t, r, w)
		mustAddWriter(t, r, w)
		r.CallLater(0, pp.closeR)
		r.CallLater(0, func() {
			var check func()
			check = func() {
				if len(w.lost) > 0 {
					close(lost)
					r.Stop()
					return
				}
				r.CallLater(0, check)
			}
			check()
		})
		run(t, r)
		select {
		case <-lost:
		default:
			t.Fatal("ConnectionLost never came")
		}
		if len(w.lost) != 1 || !errors.Is(w.lost[0], unix.EBADF) {
			t.Fatalf("lost %v, want one error wrapping EBADF", w.lost)
		}
		if len(r.Readers())+len(r.Writers()) != 0 {
			t.Fatalf("still watched: %v %v", r.Readers(), r.Writers())
		}
	})
}

// BenchmarkPipeEcho measures one round trip through the reactor: a byte
// written on one pipe, read by one watcher, written back on a second pipe,
// read by the other.
func BenchmarkPipeEcho(b *testing.B) {
	for _, name := range PollerNames {
		b.Run(name, func(b *testing.B) {
			p, err := NewPoller(name)
			if err != nil {
				b.Fatal(err)
			}
			r, _ := newTestReactor(b, Config{Poller: p})
			ping, pong := newPollerPipe(b), newPollerPipe(b)
			buf := make([]byte, 1)
			rounds := 0
			echo := &benchWatcher{fd: ping.r, read: func() error {
				if _, err := unix.Read(ping.r, buf); err != nil {
					return err
				}
				_, err := unix.Write(pong.w, buf)
				return err
			}}
			back := &benchWatcher{fd: pong.r, read: func() error {
				if _, err := unix.Read(pong.r, buf); err != nil {
					return err
				}
				if rounds++; rounds == b.N {
					r.Stop()
					return nil
				}
				_, err := unix.Write(ping.w, buf)
				return err
			}}
			if err := r.AddReader(echo); err != nil {
				b.Fatal(err)
			}
			if err := r.AddReader(back); err != nil {
				b.Fatal(err)
			}
			ping.write(b)
			b.ResetTimer()
			if err := r.Run(); err != nil {
				b.Fatal(err)
			}
			if echo.err != nil || back.err != nil {
				b.Fatal(echo.err, back.err)
			}
		})
	}
}

type benchWatcher struct {
	fd   int
	read func() error
	err  error
}

func (w *benchWatcher) Fd() int                     { return w.fd }
func (w *benchWatcher) DoRead() error               { return w.read() }
func (w *benchWatcher) ConnectionLost(reason error) { w.err = reason }
