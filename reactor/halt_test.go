package reactor

import (
	"slices"
	"testing"
	"time"
)

// After Halt, nothing more runs: not the timers due in the same iteration,
// not posted work, not the startup triggers still to come, not the shutdown
// triggers; Run returns nil and the reactor is stopped.
func TestHalt(t *testing.T) {
	tests := []struct {
		name string
		halt func(r *Reactor, log *[]string)
		want []string
	}{
		{"from a timer", func(r *Reactor, log *[]string) {
			r.CallLater(time.Second, func() { *log = append(*log, "t1"); r.Halt() })
			r.CallLater(time.Second, func() { *log = append(*log, "t2 (same time)") })
			r.CallLater(2*time.Second, func() { *log = append(*log, "t3") })
		}, []string{"startup", "t1"}},
		{"from a startup trigger", func(r *Reactor, log *[]string) {
			addTrigger(t, r, During, Startup, func() { *log = append(*log, "during startup"); r.Halt() })
			addTrigger(t, r, After, Startup, func() { *log = append(*log, "after startup") })
			r.CallLater(0, func() { *log = append(*log, "timer") })
		}, []string{"startup", "during startup"}},
		{"from a shutdown trigger", func(r *Reactor, log *[]string) {
			r.CallLater(0, func() { r.Stop() })
			addTrigger(t, r, Before, Shutdown, func() { *log = append(*log, "before shutdown"); r.Halt() })
			addTrigger(t, r, During, Shutdown, func() { *log = append(*log, "during shutdown") })
		}, []string{"startup", "shutdown", "before shutdown"}},
		{"with posted work", func(r *Reactor, log *[]string) {
			r.CallLater(0, func() {
				r.CallFromGoroutine(func() { *log = append(*log, "posted") })
				r.Halt()
			})
		}, []string{"startup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, _ := newVirtualReactor(t)
			var log []string
			addTrigger(t, r, Before, Startup, func() { log = append(log, "startup") })
			addTrigger(t, r, Before, Shutdown, func() { log = append(log, "shutdown") })
			tt.halt(r, &log)
			if err := r.Run(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !slices.Equal(log, tt.want) {
				t.Errorf("ran %q, want %q", log, tt.want)
			}
			if r.Running() || !r.Halted() {
				t.Errorf("Running %v, Halted %v after Run", r.Running(), r.Halted())
			}
			if err := r.CallFromGoroutine(func() {}); err != ErrNotRunning {
				t.Errorf("CallFromGoroutine after a halt: %v", err)
			}
		})
	}
}

// Halt from another goroutine ends a reactor waiting for a far timer, and
// Halt before Run makes Run return at once.
func TestHaltFromOutside(t *testing.T) {
	r, _ := newTestReactor(t, Config{})
	fired := false
	r.CallLater(time.Hour, func() { fired = true })
	done := startRun(r)
	r.CallFromGoroutine(r.Halt)
	select {
	case err := <-done:
		if err != nil || fired {
			t.Fatalf("Run = %v, timer fired %v", err, fired)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after Halt")
	}

	before, _ := newTestReactor(t, Config{})
	before.CallLater(0, func() { t.Error("a timer ran after a Halt before Run") })
	before.Halt()
	if err := before.Run(); err != nil {
		t.Fatalf("Run after Halt: %v", err)
	}
}
