package reactor

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

var (
	_ Clock = (*MonotonicClock)(nil)
	_ Clock = (*VirtualClock)(nil)
)

func TestMonotonicClock(t *testing.T) {
	c := NewMonotonicClock()
	first := c.Now()
	if first < 0 || first > time.Second {
		t.Errorf("a new clock reads %v, want about 0", first)
	}
	prev := first
	for range 10000 {
		now := c.Now()
		if now < prev {
			t.Fatalf("clock went back from %v to %v", prev, now)
		}
		prev = now
	}
	before := c.Now()
	time.Sleep(5 * time.Millisecond)
	if moved := c.Now() - before; moved < 5*time.Millisecond {
		t.Errorf("clock moved %v over a 5 ms sleep", moved)
	}
}

func TestVirtualClock(t *testing.T) {
	c := NewVirtualClock()
	if c.Now() != 0 {
		t.Fatalf("a new virtual clock reads %v, want 0", c.Now())
	}
	steps := []struct {
		name string
		op   func()
		want time.Duration
	}{
		{"Advance(5s)", func() { c.Advance(5 * time.Second) }, 5 * time.Second},
		{"Advance(0)", func() { c.Advance(0) }, 5 * time.Second},
		{"Advance(-3s) is ignored", func() { c.Advance(-3 * time.Second) }, 5 * time.Second},
		{"AdvanceTo(3s) does not go back", func() { c.AdvanceTo(3 * time.Second) }, 5 * time.Second},
		{"AdvanceTo(-1) does not go back", func() { c.AdvanceTo(-1) }, 5 * time.Second},
		{"AdvanceTo(10s)", func() { c.AdvanceTo(10 * time.Second) }, 10 * time.Second},
		{"AdvanceTo(10s) again", func() { c.AdvanceTo(10 * time.Second) }, 10 * time.Second},
		{"Advance(1ns)", func() { c.Advance(1) }, 10*time.Second + 1},
		{"Advance(MaxInt64) saturates", func() { c.Advance(math.MaxInt64) }, maxTime},
		{"Advance(1) at the end stays", func() { c.Advance(1) }, maxTime},
		{"AdvanceTo(0) at the end stays", func() { c.AdvanceTo(0) }, maxTime},
	}
	for _, s := range steps {
		s.op()
		if got := c.Now(); got != s.want {
			t.Fatalf("after %s: Now() = %v, want %v", s.name, got, s.want)
		}
	}
}

func TestVirtualClockConcurrent(t *testing.T) {
	c := NewVirtualClock()
	const goroutines, steps = 8, 1000
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range steps {
				c.Advance(1)
				c.AdvanceTo(c.Now() - 1) // never moves it
			}
		})
	}
	wg.Wait()
	if got := c.Now(); got != goroutines*steps {
		t.Errorf("after %d concurrent Advance(1): Now() = %d", goroutines*steps, got)
	}

	c = NewVirtualClock()
	for g := range goroutines {
		wg.Go(func() {
			for i := range steps {
				c.AdvanceTo(time.Duration(i*goroutines + g))
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), time.Duration(steps*goroutines-1); got != want {
		t.Errorf("after concurrent AdvanceTo: Now() = %d, want the largest target %d", got, want)
	}
}

// TestVirtualClockMovedInsideCallback: a callback that moves the clock (the
// way a test simulates slow work) does not make later calls run in the
// current iteration, and they run at the moved time, not their own.
func TestVirtualClockMovedInsideCallback(t *testing.T) {
	r, vc, log := newVirtualReactor(t)
	tr := &trace{}
	at := func(name string) func() {
		return func() { tr.add(fmt.Sprintf("%s@%v", name, r.Now())) }
	}
	r.CallLater(time.Second, func() {
		at("slow")()
		iterationMarker(t, r, tr, "next iteration")
		vc.Advance(10 * time.Second)
	})
	r.CallLater(time.Second, at("same time"))
	r.CallLater(5*time.Second, at("overtaken"))
	r.CallLater(20*time.Second, func() { at("last")(); mustStop(t, r) })
	mustRun(t, r)
	noErrors(t, log)
	tr.expect(t, "slow@1s", "same time@11s", "next iteration", "overtaken@11s", "last@20s")
}
