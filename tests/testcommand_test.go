package tests

import (
	"encoding/xml"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/internal/testfiles"
)

// runTestIn runs "loopscript test ARGS..." from dir.
func runTestIn(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return startWith(t, func(cmd *exec.Cmd) { cmd.Dir = dir }, append([]string{"test"}, args...)...).wait(30 * time.Second)
}

// TestLoopscriptTestRequiresBesideTheFile: a test requiring a module beside
// it passes from the parent folder as from its own.
func TestLoopscriptTestRequiresBesideTheFile(t *testing.T) {
	t.Parallel()
	dir := testfiles.Write(t, map[string]string{
		"sub/counter.lua":      "return {start = 3}\n",
		"sub/counter_test.lua": `test("starts at 3", function() assert_eq(require("counter").start, 3) end)`,
	})
	for _, tc := range []struct {
		name, dir string
		args      []string
	}{
		{"from the parent folder", dir, []string{"sub"}},
		{"from its own folder", filepath.Join(dir, "sub"), []string{"."}},
		{"by absolute path", t.TempDir(), []string{filepath.Join(dir, "sub", "counter_test.lua")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runTestIn(t, tc.dir, tc.args...)
			expect(t, r, 0, []check{is("1 passed, 0 failed\n")}, nil)
		})
	}
}

// TestLoopscriptTestOSExit: os.exit in a test, or in a file's top level,
// fails that test or file, and the run goes on to its summary and an exit
// status that counts it.
func TestLoopscriptTestOSExit(t *testing.T) {
	t.Parallel()
	dir := testfiles.Write(t, map[string]string{
		"a_test.lua": `test("exits", function() print("bye") os.exit(0) end)
test("after", function() end)`,
		"b_test.lua": "os.exit(3)\ntest('never declared', function() end)\n",
		"c_test.lua": `test("still runs", function() end)`,
	})
	r := runTestIn(t, dir)
	expect(t, r, 1, []check{
		contains(
			"FAIL a_test.lua:1: exits\n    called os.exit(0)\n    output:\n    bye\n",
			"FAIL b_test.lua\n    b_test.lua: called os.exit(3) while loading the file\n",
		),
		lastLineMatches(`^2 passed, 2 failed$`),
	}, nil)
}

// TestLoopscriptTestFormats: --format tap and --format junit report the
// same run for machines; the exit status stays that of the run.
func TestLoopscriptTestFormats(t *testing.T) {
	t.Parallel()
	dir := testfiles.Write(t, map[string]string{
		"a_test.lua": `test("passes", function() end)
test("fails", function() assert_eq("1", 1, "types") end)
test("diff", function() expect_output(function() print("x") end, "y") end)`,
	})
	t.Run("tap", func(t *testing.T) {
		r := runTestIn(t, dir, "--format", "tap")
		expect(t, r, 1, []check{
			firstLine("TAP version 13"),
			contains("ok 1 - passes\n", "not ok 2 - fails\n  ---\n  message: \"a_test.lua:2: assert_eq failed: types: got \\\"1\\\", want 1\"\n", "not ok 3 - diff\n  ---\n  message: |\n    a_test.lua:3: output differs (- expected, + got):\n    - y\n    + x\n", "\n1..3\n"),
			lastLineMatches(`^# 1 passed, 2 failed$`),
		}, nil)
		if _, err := exec.LookPath("prove"); err != nil {
			return // prove, TAP's reference consumer, is not on every machine
		}
		cmd := exec.Command("prove", "--exec", loopscript+" test --format tap", "a_test.lua")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err == nil || !regexp.MustCompile(`Failed 2/3 subtests`).Match(out) || strings.Contains(string(out), "Parse errors") {
			t.Errorf("prove: %v\n%s", err, out)
		}
	})
	t.Run("junit", func(t *testing.T) {
		r := runTestIn(t, dir, "--format", "junit")
		expect(t, r, 1, []check{firstLine(`<?xml version="1.0" encoding="UTF-8"?>`)}, nil)
		var doc struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Suites   []struct {
				Name  string `xml:"name,attr"`
				Cases []struct {
					Name    string `xml:"name,attr"`
					Failure *struct {
						Message string `xml:"message,attr"`
					} `xml:"failure"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if doc.Tests != 3 || doc.Failures != 2 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 3 {
			t.Fatalf("report:\n%s", r.stdout)
		}
		c := doc.Suites[0].Cases[1]
		if c.Name != "fails" || c.Failure == nil || c.Failure.Message != `a_test.lua:2: assert_eq failed: types: got "1", want 1` {
			t.Errorf("failed case read back as %+v\n%s", c, r.stdout)
		}
		if strings.Contains(r.stdout, "passed,") {
			t.Errorf("the summary line is in the XML:\n%s", r.stdout)
		}
	})
}
