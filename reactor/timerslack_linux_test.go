package reactor

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

func TestPreciseWakeupsSetsAndRestoresSlack(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	slack := func() int {
		v, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
		if err != nil {
			t.Skipf("PR_GET_TIMERSLACK: %v", err)
		}
		return v
	}
	before := slack()
	restore := preciseWakeups()
	if got := slack(); got != 1 {
		t.Errorf("timer slack inside = %d ns, want 1", got)
	}
	restore()
	if got := slack(); got != before {
		t.Errorf("timer slack after = %d ns, want %d as before", got, before)
	}
}
