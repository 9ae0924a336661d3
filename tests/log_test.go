package tests

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// logStamp is the time at the head of a log line.
var logStamp = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0000 `)

// logBlocks splits a log into its events: a line with a time, and the
// tab-indented lines that continue it. Times read "TIME ".
func logBlocks(out string) [][]string {
	var blocks [][]string
	for _, line := range strings.Split(strings.TrimSuffix(logStamp.ReplaceAllString(out, "TIME "), "\n"), "\n") {
		if strings.HasPrefix(line, "\t") && len(blocks) > 0 {
			blocks[len(blocks)-1] = append(blocks[len(blocks)-1], line)
			continue
		}
		blocks = append(blocks, []string{line})
	}
	return blocks
}

// scripts/basic-twisted/log.lua prints what Twisted's basic-twisted/log.py
// prints: the same events in the same order, each line with a UTC time,
// and the two tracebacks as tab-indented blocks (a Lua traceback for
// Python's, pointing at the lines of the script that raised and caught).
func TestLogScript(t *testing.T) {
	t.Parallel()
	const script = "scripts/basic-twisted/log.lua"
	badLine := lineOf(t, script, "return xxx.yyy")
	xpcallLine := lineOf(t, script, "local ok, failure = xpcall")
	fireLine := lineOf(t, script, "d:callback(true)")
	r := run(t, script)
	expect(t, r, 0, []check{contains("Log opened.")}, nil)
	if !logStamp.MatchString(r.stdout) {
		t.Fatalf("no timestamped line in:\n%s", r.stdout)
	}
	message := "attempt to index global 'xxx' (a nil value)"
	// The Unhandled Error blocks, whole: the Lua traceback of the error.
	want := [][]string{
		{"TIME [-] Log opened."},
		{"TIME [-] This will be logged."},
		{"TIME [-] 'This will be logged as an error.'"},
		{"TIME [-] 'The next function call will log the traceback as an error.'"},
		{"TIME [-] Unhandled Error", "\tTraceback (most recent call last):", "\tstack traceback:",
			"\t\t" + script + ":" + strconv.Itoa(badLine) + ": in function 'bad_callback'",
			"\t\t[C]: in function 'xpcall'",
			"\t\t" + script + ":" + strconv.Itoa(xpcallLine) + ": in main chunk",
			"\tFailure: string: " + script + ":" + strconv.Itoa(badLine) + ": " + message, "\t"},
		{"TIME [-] 'The next function call will log the failure as an error.'"},
		{"TIME [-] Unhandled Error", "\tTraceback (most recent call last):", "\tstack traceback:",
			"\t\t" + script + ":" + strconv.Itoa(badLine) + ": in function 'callback'",
			"\t\t" + script + ":" + strconv.Itoa(fireLine) + ": in main chunk",
			"\tFailure: string: " + script + ":" + strconv.Itoa(badLine) + ": " + message, "\t"},
		{"TIME [-] End of example."},
	}
	got := logBlocks(r.stdout)
	if !equalBlocks(got, want) {
		t.Errorf("stdout:\n%s\nwant the events:\n%q", r.stdout, want)
	}

	// Side by side with Twisted: the same events in the same order; the
	// first line of each the same, and a traceback where Twisted has one.
	py := twistedPython(t)
	dir := twistedIntro(t)
	cmd := exec.Command(py, filepath.Join(dir, "basic-twisted", "log.py"))
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Twisted's log.py: %v", err)
	}
	theirs := logBlocks(string(out))
	if len(theirs) != len(got) {
		t.Fatalf("Twisted logs %d events, we log %d:\n%s\nTwisted:\n%s", len(theirs), len(got), r.stdout, out)
	}
	for i := range theirs {
		if theirs[i][0] != got[i][0] {
			t.Errorf("event %d: %q, Twisted's %q", i+1, got[i][0], theirs[i][0])
		}
		if (len(theirs[i]) > 1) != (len(got[i]) > 1) || len(got[i]) > 1 && got[i][1] != theirs[i][1] {
			t.Errorf("event %d continues %q, Twisted's %q", i+1, got[i][1:], theirs[i][1:])
		}
	}
}

func equalBlocks(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\n") != strings.Join(b[i], "\n") {
			return false
		}
	}
	return true
}
