package bench

import (
	"os/exec"
	"strings"
	"testing"
)

// TestQuickRun runs the suite's smoke mode on loopscript alone: every
// workload at a small size, once, the I/O ones under netload. It fails if a
// workload script no longer runs or no longer prints its result line, or if
// netload or the runner break; it asserts no timing (the full suite, go run
// tests/bench/run.go, is for that).
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds loopscript and runs every workload (about 30 s)")
	}
	cmd := exec.Command("go", "run", "run.go", "-quick", "-peers", "loopscript")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("quick run failed: %v\n%s", err, out)
	}
	for _, want := range []string{"| W1 startup |", "| W2 timers 100000 |", "| W3 chain |", "| W4 idle |",
		"| W5 lateness [select] |", "| W6 errors 10000 |", "| W7 looping [poll] |",
		"| W8 echo [epoll] |", "| W8 echo [poll] |", "| W9 bulk |", "| W10 idle 1000 [epoll] |",
		"| W10 idle 1000 [poll] |", "| W10 past FD_SETSIZE [select] |", "| W11 processes |",
		"| W12 poetry |", "| W13 deferreds |"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no row %q in the report:\n%s", want, out)
		}
	}
}
