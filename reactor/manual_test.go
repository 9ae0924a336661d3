package reactor

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// manualRecord returns a function that appends "name@time" to *log when it runs.
func manualRecord(m *ManualClock, log *[]string, name string) func() {
	return func() { *log = append(*log, fmt.Sprintf("%s@%v", name, m.Now())) }
}

func TestManualClockAdvance(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name  string
		setup func(m *ManualClock, log *[]string)
		steps []time.Duration
		want  []string
	}{
		{
			name: "nothing runs before its time",
			setup: func(m *ManualClock, log *[]string) {
				m.CallLater(2*time.Second, manualRecord(m, log, "a"))
			},
			steps: []time.Duration{time.Second, time.Second - 1},
			want:  nil,
		},
		{
			name: "a call runs when its time is reached, seeing the new time",
			setup: func(m *ManualClock, log *[]string) {
				m.CallLater(1*time.Second, manualRecord(m, log, "a"))
				m.CallLater(2*time.Second, manualRecord(m, log, "b"))
			},
			steps: []time.Duration{1500 * ms, 1500 * ms},
			want:  []string{"a@1.5s", "b@3s"},
		},
		{
			name: "earliest first, then FIFO for equal times",
			setup: func(m *ManualClock, log *[]string) {
				m.CallLater(2*time.Second, manualRecord(m, log, "late"))
				m.CallLater(time.Second, manualRecord(m, log, "first"))
				m.CallLater(time.Second, manualRecord(m, log, "second"))
				m.CallLater(time.Second, manualRecord(m, log, "third"))
			},
			steps: []time.Duration{5 * time.Second},
			want:  []string{"first@5s", "second@5s", "third@5s", "late@5s"},
		},
		{
			name: "a due call scheduled during Advance runs in the same Advance",
			setup: func(m *ManualClock, log *[]string) {
				m.CallLater(time.Second, func() {
					*log = append(*log, "outer")
					m.CallLater(0, manualRecord(m, log, "zero"))
					m.CallLater(time.Second, manualRecord(m, log, "later"))
				})
			},
			steps: []time.Duration{time.Second},
			want:  []string{"outer", "zero@1s"},
		},
		{
			name: "negative steps do not move the clock back",
			setup: func(m *ManualClock, log *[]string) {
				m.CallLater(time.Second, manualRecord(m, log, "a"))
			},
			steps: []time.Duration{-5 * time.Second, time.Second},
			want:  []string{"a@1s"},
		},
		{
			name: "a cancelled call never runs",
			setup: func(m *ManualClock, log *[]string) {
				c := m.CallLater(time.Second, manualRecord(m, log, "a"))
				m.CallLater(time.Second, manualRecord(m, log, "b"))
				if err := c.Cancel(); err != nil {
					panic(err)
				}
			},
			steps: []time.Duration{time.Second},
			want:  []string{"b@1s"},
		},
		{
			// Twisted's test_callLaterResetInsideCallKeepsCallsOrdered.
			name: "reset from inside a call reorders",
			setup: func(m *ManualClock, log *[]string) {
				b := m.CallLater(2*time.Second, manualRecord(m, log, "b"))
				m.CallLater(time.Second, func() { b.Reset(3 * time.Second) })
				m.CallLater(3*time.Second, manualRecord(m, log, "c"))
			},
			steps: slices.Repeat([]time.Duration{500 * ms}, 10),
			want:  []string{"c@3s", "b@4s"},
		},
		{
			name: "a call may advance the clock itself",
			setup: func(m *ManualClock, log *[]string) {
				m.CallLater(time.Second, func() {
					m.CallLater(time.Second, manualRecord(m, log, "inner"))
					m.Advance(time.Second)
					*log = append(*log, fmt.Sprintf("back@%v", m.Now()))
				})
			},
			steps: []time.Duration{time.Second},
			want:  []string{"inner@2s", "back@2s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewManualClock()
			var log []string
			tt.setup(m, &log)
			m.Pump(tt.steps)
			if !slices.Equal(log, tt.want) {
				t.Errorf("ran %q, want %q", log, tt.want)
			}
		})
	}
}

func TestManualClockDelayedCalls(t *testing.T) {
	m := NewManualClock()
	c := m.CallLater(time.Second, func() {})
	if err := c.Delay(time.Second); err != nil || c.Time() != 2*time.Second {
		t.Fatalf("after Delay: time %v, err %v; want 2s, nil", c.Time(), err)
	}
	m.Advance(time.Second)
	if err := c.Reset(3 * time.Second); err != nil || c.Time() != 4*time.Second {
		t.Fatalf("Reset counts from the manual clock: time %v, err %v; want 4s, nil", c.Time(), err)
	}
	if m.Pending() != 1 {
		t.Fatalf("Pending = %d, want 1", m.Pending())
	}
	m.Advance(3 * time.Second)
	if c.Active() || m.Pending() != 0 {
		t.Fatalf("after its time: active %v, pending %d; want false, 0", c.Active(), m.Pending())
	}
	if err := c.Cancel(); !errors.Is(err, ErrAlreadyCalled) {
		t.Fatalf("Cancel after the call = %v, want ErrAlreadyCalled", err)
	}

	var inside error
	self := m.CallLater(0, nil)
	self.run = Func(func() { inside = self.Cancel() })
	m.Advance(0)
	if !errors.Is(inside, ErrAlreadyCalled) {
		t.Fatalf("Cancel inside the call = %v, want ErrAlreadyCalled", inside)
	}
}

// manualLoop runs a LoopingCall on a manual clock and notes when it ran
// and with which count.
type manualLoop struct {
	m     *ManualClock
	lc    *LoopingCall
	calls []string
	body  func(count int) error // optional extra behaviour
}

func newManualLoop() *manualLoop {
	r := &manualLoop{m: NewManualClock()}
	r.lc = NewLoopingCall(r.m, func(count int) error {
		r.calls = append(r.calls, fmt.Sprintf("%v/%d", r.m.Now(), count))
		if r.body != nil {
			return r.body(count)
		}
		return nil
	})
	return r
}

func TestLoopingCallRestartOnManualClock(t *testing.T) {
	const ms = time.Millisecond
	r := newManualLoop()
	if err := r.lc.Start(time.Second, true); err != nil {
		t.Fatal(err)
	}
	r.m.Advance(1500 * ms)
	if err := r.lc.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := r.lc.Stop(); !errors.Is(err, ErrLoopNotRunning) {
		t.Fatalf("second Stop = %v, want ErrLoopNotRunning", err)
	}
	r.m.Advance(time.Second)
	// Started again at 2.5s, the schedule is anchored there.
	if err := r.lc.Start(time.Second, false); err != nil {
		t.Fatal(err)
	}
	if err := r.lc.Start(time.Second, false); !errors.Is(err, ErrLoopRunning) {
		t.Fatalf("Start while running = %v, want ErrLoopRunning", err)
	}
	r.m.Pump([]time.Duration{500 * ms, 500 * ms, time.Second})
	want := []string{"0s/1", "1.5s/1", "3.5s/1", "4.5s/1"}
	if !slices.Equal(r.calls, want) {
		t.Errorf("calls %q, want %q", r.calls, want)
	}
}
