package reactor

import (
	"sync/atomic"
	"time"
)

// A Clock tells the reactor what time it is, as a monotonic duration since an
// arbitrary origin. Only differences between readings mean anything.
type Clock interface {
	Now() time.Duration
}

// MonotonicClock reads the system's monotonic clock; wall-clock jumps (NTP,
// the user changing the date) do not move it.
type MonotonicClock struct{ origin time.Time }

// NewMonotonicClock returns a clock whose origin is now.
func NewMonotonicClock() *MonotonicClock { return &MonotonicClock{origin: time.Now()} }

// Now returns the time elapsed since the clock was made.
func (c *MonotonicClock) Now() time.Duration { return time.Since(c.origin) }

// VirtualClock is a clock that only moves when told to. A reactor running on
// it does not wait for timers: when nothing but timers is pending, the loop
// moves the clock to the earliest one. Runs become instant and their order and
// output repeatable. It is safe for concurrent use.
type VirtualClock struct{ now atomic.Int64 }

// NewVirtualClock returns a virtual clock reading zero.
func NewVirtualClock() *VirtualClock { return &VirtualClock{} }

// Now returns the clock's current reading.
func (c *VirtualClock) Now() time.Duration { return time.Duration(c.now.Load()) }

// Advance moves the clock forward by d; a negative d is ignored, because a
// monotonic clock never goes back. Concurrent Advances add up.
func (c *VirtualClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	for {
		old := c.now.Load()
		if c.now.CompareAndSwap(old, int64(addSaturating(time.Duration(old), d))) {
			return
		}
	}
}

// AdvanceTo moves the clock to t if t is later than its reading.
func (c *VirtualClock) AdvanceTo(t time.Duration) {
	for {
		old := c.now.Load()
		if int64(t) <= old || c.now.CompareAndSwap(old, int64(t)) {
			return
		}
	}
}

// maxTime is the far future: timers asked for beyond it are clamped to it
// rather than wrapping around into the past.
const maxTime = time.Duration(1<<63 - 1)

// addSaturating returns t+d, clamped to [0, maxTime] instead of overflowing.
func addSaturating(t, d time.Duration) time.Duration {
	if d > 0 && t > maxTime-d {
		return maxTime
	}
	if s := t + d; s >= 0 {
		return s
	}
	return 0
}
