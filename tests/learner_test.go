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

// TestExpectOutputCapturesIOWrite: the test runner's expect_output sees
// io.write and io.stdout:write as it sees print, in program order.
func TestExpectOutputCapturesIOWrite(t *testing.T) {
	path := writeFile(t, "io_test.lua", []byte(`test("io.write is captured", function()
  expect_output(function()
    print("a")
    io.write("b\n")
    io.stdout:write("c", "\n")
    print("d")
  end, "a\nb\nc\nd\n")
end)
`))
	r := run(t, "test", path)
	expect(t, r, 0, []check{lastLineMatches(`^1 passed, 0 failed$`)}, nil)
}

// TestIOWriteAndPrintKeepOrderThroughAPipe: print and io.write share the
// process's standard output unbuffered, so a pipe sees them in order.
func TestIOWriteAndPrintKeepOrderThroughAPipe(t *testing.T) {
	r := run(t, "-e", `print(1) io.write(2, "\n") print(3) io.stdout:write("4\n") io.stderr:write("err\n")`)
	expect(t, r, 0, []check{is("1\n2\n3\n4\n")}, []check{is("err\n")})
}
