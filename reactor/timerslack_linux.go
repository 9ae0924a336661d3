package reactor

import "golang.org/x/sys/unix"

// preciseWakeups sets the calling thread's timer slack to 1 ns and returns a
// function that restores it. Linux lets a timed sleep end up to the thread's
// timer slack late (50 µs by default) so that it can group wake-ups; for a
// loop whose job is running timers on time, that slack was most of a 2 ms
// timer's median lateness. It applies to the loop's thread only (Run locks
// the loop to its thread), not to the rest of the process.
func preciseWakeups() (restore func()) {
	old, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil || unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0) != nil {
		return func() {}
	}
	return func() { unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(old), 0, 0, 0) }
}
