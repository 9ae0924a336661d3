package bench

import (
	"os/exec"
	"strings"
	"testing"
)

// TestQuickRun runs the suite's smoke mode on loopscript alone: every
// workload at a small size, once. It fails if a workload script no longer
// runs or no longer prints its result line; it asserts no timing (the full
// suite, go run tests/bench/run.go, is for that).
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds loopscript and runs every workload (about 20 s)")
	}
	cmd := exec.Command("go", "run", "run.go", "-quick", "-peers", "loopscript")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("quick run failed: %v\n%s", err, out)
	}
	for _, want := range []string{"| W1 startup |", "| W2 timers 100000 |", "| W3 chain |", "| W4 idle |",
		"| W5 lateness [select] |", "| W6 errors 10000 |", "| W7 looping [poll] |",
		"| W8 poetry 2.7 KiB |", "| W8 poetry 99.7 KiB |", "| W9 idle 1000 |", "| W10 echo |"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no row %q in the report:\n%s", want, out)
		}
	}
}
