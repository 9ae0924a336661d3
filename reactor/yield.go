package reactor

import (
	"runtime"
	"time"
)

// The loop's goroutine waits in the poller through plain system calls and
// otherwise never passes through the Go scheduler. To the runtime's sysmon
// thread that looks like a goroutine running for ever: after 10 ms it starts
// taking the goroutine's P away at every blocking system call and handing it
// to an idle thread, which finds nothing to do. That costs two thread
// wake-ups and three futex calls per loop iteration, and half the CPU of a
// loop that wakes every millisecond (4.6 context switches per iteration
// instead of 1.8, measured). Yielding to the scheduler now and then shows
// sysmon that the goroutine does get rescheduled.
const (
	// yieldEvery is how often the loop yields at most; well under sysmon's
	// 10 ms.
	yieldEvery = 5 * time.Millisecond
	// yieldMinWait is the shortest wait before which the loop yields: the
	// yield costs tens of microseconds, which the wait must absorb so that no
	// timer runs later for it.
	yieldMinWait = 500 * time.Microsecond
)

// yieldBefore yields the loop's goroutine to the Go scheduler before a wait
// of timeout (negative: for ever), if the wait is long enough and the last
// yield was yieldEvery ago, and reports whether it did. It goes by the
// iteration's clock reading (r.seen) rather than take one more: that is at
// most one iteration's callbacks old, and the loop yields at most every
// yieldEvery of those readings all the same.
func (r *Reactor) yieldBefore(timeout time.Duration) bool {
	if timeout >= 0 && timeout < yieldMinWait {
		return false
	}
	if r.seen-r.lastYield < yieldEvery {
		return false
	}
	runtime.Gosched()
	r.lastYield = r.seen
	return true
}
