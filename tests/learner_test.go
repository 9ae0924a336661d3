package tests

import (
	"fmt"
	"strings"
	"testing"
)

// TestThreeCountersTrace: the three counters are local functions nested in
// start_counter, which has returned when they run; the trace names them
// count, as the source does, instead of "?".
func TestThreeCountersTrace(t *testing.T) {
	line := lineOf(t, "scripts/three-counters.lua", "local function count")
	r := run(t, "--clock", "virtual", "--trace", "scripts/three-counters.lua")
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	suffix := fmt.Sprintf(" count  scripts/three-counters.lua:%d", line)
	// 4 + 3 + 2 counts, one "done" call per counter.
	if r.code != 0 || len(lines) != 12 {
		t.Fatalf("status %d, %d trace lines, want 0 and 12:\n%s", r.code, len(lines), r.stderr)
	}
	for i, l := range lines {
		if !strings.HasSuffix(l, suffix) {
			t.Errorf("trace line %d %q does not end in %q", i+1, l, suffix)
		}
	}
}
