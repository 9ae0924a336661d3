package reactor

import (
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// guardSignals subscribes the test itself to SIGINT and SIGTERM for its
// duration, so a signal the reactor is not (or no longer) handling never
// takes the default action of killing the test binary. The returned channel
// sees every signal delivered.
func guardSignals(t *testing.T) <-chan os.Signal {
	t.Helper()
	ch := make(chan os.Signal, 16)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	t.Cleanup(func() { signal.Stop(ch) })
	return ch
}

func kill(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Errorf("kill(%v): %v", sig, err)
	}
}

// exitRecorder stands in for os.Exit.
type exitRecorder chan int

func (e exitRecorder) exit(code int) { e <- code }

// expectExit sends sig to the process and expects Exit(want) from it. It
// reports whether Exit was called at all.
func expectExit(t *testing.T, exits exitRecorder, sig syscall.Signal, want int) bool {
	t.Helper()
	kill(t, sig)
	select {
	case code := <-exits:
		if code != want {
			t.Errorf("Exit(%d), want Exit(%d)", code, want)
		}
		return true
	case <-time.After(runLimit):
		t.Errorf("no Exit within %v of %v", runLimit, sig)
		return false
	}
}

// waitReleased waits until w has let the signals go.
func waitReleased(t *testing.T, w *SignalWatch) {
	t.Helper()
	select {
	case <-w.released:
	case <-time.After(runLimit):
		t.Fatalf("the signals were not let go within %v", runLimit)
	}
}

// TestSignalStopsGracefully: the first SIGINT or SIGTERM is a Stop: the
// shutdown triggers run and Run returns; nothing exits.
func TestSignalStopsGracefully(t *testing.T) {
	guardSignals(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			exits := make(exitRecorder, 4)
			// The loop blocks in the poller (no timers, real clock): only the
			// signal, through the waker, can end it.
			r, log := newTestReactor(t, Config{HandleSignals: true, Exit: exits.exit})
			tr := &trace{}
			r.CallWhenRunning(func() { tr.add("running"); kill(t, sig) })
			addTrigger(t, r, Before, Shutdown, tr.step("before shutdown"))
			addTrigger(t, r, After, Shutdown, tr.step("after shutdown"))
			mustRun(t, r)
			noErrors(t, log)
			tr.expect(t, "running", "before shutdown", "after shutdown")
			select {
			case code := <-exits:
				t.Errorf("one signal called Exit(%d)", code)
			default:
			}
		})
	}
}

// TestSecondSignalExits: a second signal while shutting down calls Exit with
// 128+signal at once, even though a shutdown trigger is still running.
func TestSecondSignalExits(t *testing.T) {
	guardSignals(t)
	cases := []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}}
	for _, c := range cases {
		t.Run(c.sig.String(), func(t *testing.T) {
			exits := make(exitRecorder, 4)
			vc := NewVirtualClock()
			r, log := newTestReactor(t, Config{Clock: vc, HandleSignals: true, Exit: exits.exit})
			tr := &trace{}
			r.CallWhenRunning(func() { kill(t, c.sig) })
			addTrigger(t, r, Before, Shutdown, func() {
				tr.add("shutdown trigger starts")
				// Stuck here, as a slow trigger would be, until Exit is called.
				if expectExit(t, exits, c.sig, c.code) {
					tr.add("exit called")
				}
			})
			addTrigger(t, r, After, Shutdown, tr.step("after shutdown"))
			mustRun(t, r)
			noErrors(t, log)
			// Exit is stubbed, so shutdown goes on to the end.
			tr.expect(t, "shutdown trigger starts", "exit called", "after shutdown")
		})
	}
}

// TestSignalOutsideRunExits: before Run starts and after it has returned
// there is no loop to stop gracefully, so a signal exits at once, as it
// would with no handler; once the reactor has let go of the signals (which
// it does without making Run wait), they are left alone again.
func TestSignalOutsideRunExits(t *testing.T) {
	delivered := guardSignals(t)
	t.Run("before Run", func(t *testing.T) {
		exits := make(exitRecorder, 4)
		r, _ := newTestReactor(t, Config{HandleSignals: true, Exit: exits.exit})
		r.signals.waitArmed()
		expectExit(t, exits, syscall.SIGTERM, 143)
	})
	t.Run("after Run", func(t *testing.T) {
		exits := make(exitRecorder, 4)
		r, log := newTestReactor(t, Config{Clock: NewVirtualClock(), HandleSignals: true, Exit: exits.exit})
		r.CallWhenRunning(func() { r.Stop() })
		mustRun(t, r)
		noErrors(t, log)
		waitReleased(t, r.signals)
		for len(delivered) > 0 {
			<-delivered
		}
		kill(t, syscall.SIGINT)
		select {
		case <-delivered:
		case <-time.After(runLimit):
			t.Fatal("SIGINT was not delivered")
		}
		select {
		case code := <-exits:
			t.Errorf("a signal after the reactor let go called Exit(%d)", code)
		case <-time.After(50 * time.Millisecond):
		}
	})
	t.Run("Close without Run", func(t *testing.T) {
		r, _ := newTestReactor(t, Config{HandleSignals: true})
		r.Close()
		waitReleased(t, r.signals)
	})
}

// TestSignalWatchHandedOver: a watch made before the reactor (as loopscript
// makes one before loading the script) exits on a signal while it has no
// reactor, stops the reactor it is handed to gracefully, and is let go by
// it; one that never reaches a reactor is let go by Close.
func TestSignalWatchHandedOver(t *testing.T) {
	guardSignals(t)
	t.Run("before a reactor", func(t *testing.T) {
		exits := make(exitRecorder, 4)
		w := WatchSignals(exits.exit)
		defer w.Close()
		w.waitArmed()
		expectExit(t, exits, syscall.SIGINT, 130)
	})
	t.Run("handed to a reactor", func(t *testing.T) {
		exits := make(exitRecorder, 4)
		w := WatchSignals(exits.exit)
		r, log := newTestReactor(t, Config{Signals: w})
		tr := &trace{}
		r.CallWhenRunning(func() { tr.add("running"); kill(t, syscall.SIGTERM) })
		addTrigger(t, r, Before, Shutdown, tr.step("before shutdown"))
		mustRun(t, r)
		noErrors(t, log)
		tr.expect(t, "running", "before shutdown")
		if len(exits) != 0 {
			t.Errorf("a signal the reactor took as a Stop called Exit(%d)", <-exits)
		}
		waitReleased(t, w)
	})
	t.Run("never handed over", func(t *testing.T) {
		w := WatchSignals(nil)
		w.Close()
		w.Close()
		waitReleased(t, w)
	})
}

// TestSignalsIgnoredWithoutHandleSignals: without HandleSignals the reactor
// leaves signals alone.
func TestSignalsIgnoredWithoutHandleSignals(t *testing.T) {
	delivered := guardSignals(t)
	exits := make(exitRecorder, 4)
	r, log := newTestReactor(t, Config{Clock: NewVirtualClock(), Exit: exits.exit})
	r.CallWhenRunning(func() {
		kill(t, syscall.SIGINT)
		select {
		case <-delivered:
		case <-time.After(runLimit):
			t.Error("SIGINT was not delivered")
		}
		// Had the reactor seen the signal, it would be stopping by now.
		time.Sleep(50 * time.Millisecond)
		if err := r.Stop(); err != nil {
			t.Errorf("Stop after an unhandled SIGINT: %v", err)
		}
	})
	mustRun(t, r)
	noErrors(t, log)
	if len(exits) != 0 {
		t.Errorf("Exit called")
	}
}

// TestStopGrace: a graceful stop that has not taken effect within
// StopGrace (a callback is stuck) exits with 128+signal after one line on
// Stderr naming what Busy says holds the loop; one that takes effect in
// time, or has no bound, exits nothing.
func TestStopGrace(t *testing.T) {
	guardSignals(t)
	const grace = 200 * time.Millisecond
	cases := []struct {
		name     string
		sig      syscall.Signal
		grace    time.Duration
		busy     func() string
		stuck    bool // the callback spins until Exit (or a deadline)
		wantCode int  // 0: no Exit
		wantMsg  string
	}{
		{name: "stuck, SIGTERM", sig: syscall.SIGTERM, grace: grace, stuck: true,
			busy:     func() string { return "callback spin" },
			wantCode: 143, wantMsg: ": SIGTERM: callback spin did not return within 200ms; exiting\n"},
		{name: "stuck, SIGINT, nothing known", sig: syscall.SIGINT, grace: grace, stuck: true,
			wantCode: 130, wantMsg: ": SIGINT: the reactor did not stop within 200ms; exiting\n"},
		{name: "stuck, no bound", sig: syscall.SIGTERM, grace: -1, stuck: true,
			busy: func() string { return "callback spin" }},
		{name: "stops in time", sig: syscall.SIGTERM, grace: grace,
			busy: func() string { return "callback spin" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			exits := make(exitRecorder, 4)
			var stderr syncWriter
			r, log := newTestReactor(t, Config{HandleSignals: true, Exit: exits.exit,
				StopGrace: c.grace, Busy: c.busy, Stderr: &stderr})
			code := 0
			r.CallWhenRunning(func() {
				kill(t, c.sig)
				if !c.stuck {
					return
				}
				// A Go callback that never returns by itself: it spins
				// (the loop cannot run) until Exit, or for 4 graces.
				deadline := time.Now().Add(4 * grace)
				if c.wantCode != 0 {
					deadline = time.Now().Add(runLimit)
				}
				for time.Now().Before(deadline) && code == 0 {
					select {
					case code = <-exits:
					default:
					}
				}
			})
			mustRun(t, r)
			noErrors(t, log)
			waitReleased(t, r.signals)
			time.Sleep(2 * grace) // a timer left running would fire by now
			if code == 0 && len(exits) > 0 {
				code = <-exits
			}
			if code != c.wantCode {
				t.Errorf("Exit(%d), want %d (0: none)", code, c.wantCode)
			}
			got := stderr.String()
			if c.wantMsg == "" && got != "" || c.wantMsg != "" && (!strings.HasSuffix(got, c.wantMsg) || strings.Count(got, "\n") != 1) {
				t.Errorf("stderr %q, want one line ending in %q", got, c.wantMsg)
			}
		})
	}
}

// syncWriter is a strings.Builder safe for the signal goroutine and the
// test.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
