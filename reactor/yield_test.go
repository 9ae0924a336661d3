package reactor

import (
	"testing"
	"time"
)

func TestYieldBefore(t *testing.T) {
	clock := NewVirtualClock()
	r, err := New(Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	clock.Advance(time.Second)
	for _, step := range []struct {
		advance time.Duration
		timeout time.Duration
		want    bool
	}{
		{0, 100 * time.Microsecond, false}, // too short a wait to absorb a yield
		{0, -1, true},                      // waiting for ever
		{time.Millisecond, time.Second, false},
		{4 * time.Millisecond, 0, false},
		{0, yieldMinWait, true}, // yieldEvery has passed
		{yieldEvery, 10 * time.Millisecond, true},
	} {
		clock.Advance(step.advance)
		r.runDueTimers() // as the loop does before it waits: it reads the clock
		if got := r.yieldBefore(step.timeout); got != step.want {
			t.Errorf("at %v, wait %v: yielded = %v, want %v", clock.Now(), step.timeout, got, step.want)
		}
	}
}
