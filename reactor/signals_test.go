package reactor

import (
	"os"
	"os/signal"
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
				kill(t, c.sig)
				// Stuck here, as a slow trigger would be, until Exit is called.
				select {
				case code := <-exits:
					tr.add("exit called")
					if code != c.code {
						t.Errorf("Exit(%d), want Exit(%d)", code, c.code)
					}
				case <-time.After(runLimit):
					t.Errorf("no Exit within %v of the second signal", runLimit)
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
