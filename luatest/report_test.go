package luatest

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/internal/testfiles"
)

// reportFiles are test files whose report shows each kind of result.
var reportFiles = map[string]string{
	"a_test.lua": `test("passes", function() print("quiet") end)
test("fails # with a hash", function()
  print("log <&> line")
  assert(false, "boom")
end)
test("diff", function()
  expect_output(function() print("b") end, "a\n")
end)`,
	"b_test.lua": "local = 1\n",
}

func TestTAP(t *testing.T) {
	dir := testfiles.Write(t, reportFiles)
	t.Chdir(dir)
	var out strings.Builder
	rn := Runner{Reporter: TAP(&out)}
	if _, err := rn.Run("."); err != nil {
		t.Fatal(err)
	}
	want := `TAP version 13
# a_test.lua
ok 1 - passes
not ok 2 - fails \# with a hash
  ---
  message: "a_test.lua:4: boom"
  at: "a_test.lua:2"
  output: "log <&> line"
  ...
not ok 3 - diff
  ---
  message: |
    a_test.lua:7: output differs (- expected, + got):
    - a
    + b
  at: "a_test.lua:6"
  ...
not ok 4 - b_test.lua
  ---
  message: "b_test.lua:1: '<name>' expected near '='"
  at: "b_test.lua"
  ...
1..4
# 1 passed, 3 failed
`
	if got := out.String(); got != want {
		t.Errorf("TAP report:\n%s\nwant:\n%s", got, want)
	}
}

func TestTAPNoTests(t *testing.T) {
	var out strings.Builder
	r := TAP(&out)
	r.File("a_test.lua", 0)
	if err := r.End(Summary{}); err != nil {
		t.Fatal(err)
	}
	if want := "TAP version 13\n# a_test.lua\n1..0\n# no tests to run\n# 0 passed, 0 failed\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// TestYAMLField: what a TAP YAML block cannot hold as a literal block is
// double-quoted, with escapes a YAML parser reads back.
func TestYAMLField(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"one line", "a: b", `  k: "a: b"` + "\n"},
		{"lines", "a\n\n  b\n", "  k: |\n    a\n    \n      b\n"},
		{"first line indented", "  a\nb", `  k: "  a\nb"` + "\n"},
		{"control characters", "a\x01\nb", `  k: "a\x01\nb"` + "\n"},
		{"not UTF-8", "a\xff\nb", `  k: "a�\nb"` + "\n"},
		{"a line of spaces", "a\n   \nb", `  k: "a\n   \nb"` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			writeYAMLField(&b, "k", tt.value)
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

// TestJUnit: the report is well-formed XML that reads back as the results,
// whatever characters the messages and outputs hold.
func TestJUnit(t *testing.T) {
	dir := testfiles.Write(t, reportFiles)
	t.Chdir(dir)
	var out strings.Builder
	rn := Runner{Reporter: JUnit(&out)}
	if _, err := rn.Run("."); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal([]byte(out.String()), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.HasPrefix(out.String(), xml.Header) {
		t.Errorf("no XML header:\n%s", out.String())
	}
	if doc.Tests != 4 || doc.Failures != 2 || doc.Errors != 1 || len(doc.Suites) != 2 {
		t.Fatalf("counts %d tests, %d failures, %d errors, %d suites; want 4, 2, 1, 2\n%s", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites), out.String())
	}
	a, b := doc.Suites[0], doc.Suites[1]
	if a.Name != "a_test.lua" || a.Tests != 3 || a.Failures != 2 || b.Name != "b_test.lua" || b.Errors != 1 {
		t.Errorf("suites %+v, %+v", a, b)
	}
	pass, fail, diff := a.Cases[0], a.Cases[1], a.Cases[2]
	if pass.Name != "passes" || pass.Failure != nil || pass.SystemOut == nil || pass.SystemOut.Text != "quiet\n" {
		t.Errorf("passing case %+v", pass)
	}
	if fail.Name != "fails # with a hash" || fail.Classname != "a_test.lua" || fail.Line != 2 ||
		fail.Failure == nil || fail.Failure.Message != "a_test.lua:4: boom" || fail.SystemOut.Text != "log <&> line\n" {
		t.Errorf("failing case %+v", fail)
	}
	if diff.Failure == nil || diff.Failure.Message != "a_test.lua:7: output differs (- expected, + got):" ||
		diff.Failure.Text != "a_test.lua:7: output differs (- expected, + got):\n- a\n+ b" {
		t.Errorf("diff case %+v", diff.Failure)
	}
	if c := b.Cases[0]; c.Name != "b_test.lua" || c.Error == nil || !strings.Contains(c.Error.Message, "expected near '='") {
		t.Errorf("load failure %+v", c)
	}
}

// TestJUnitEscapes: text XML cannot hold as it is (markup, "]]>", control
// characters, bytes that are not UTF-8) round-trips through encoding/xml,
// the characters XML forbids as U+FFFD.
func TestJUnitEscapes(t *testing.T) {
	const nasty = "<a href=\"x\">&amp;</a> ]]> end\n\ttab \x01\x1b[31m \xff é ✓"
	const read = "<a href=\"x\">&amp;</a> ]]> end\n\ttab \uFFFD\uFFFD[31m \uFFFD é ✓"
	var out strings.Builder
	r := JUnit(&out)
	r.File(nasty, 1)
	r.Result(Result{File: nasty, Line: 1, Name: nasty, Failed: true, Message: nasty, Output: nasty, Duration: 1500 * time.Millisecond})
	if err := r.End(Summary{Failed: 1}); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal([]byte(out.String()), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := doc.Suites[0]
	c := s.Cases[0]
	firstLine, _, _ := strings.Cut(read, "\n")
	for _, f := range []struct{ what, got, want string }{
		{"suite name", s.Name, read},
		{"case name", c.Name, read},
		{"classname", c.Classname, read},
		{"failure message", c.Failure.Message, firstLine},
		{"failure text", c.Failure.Text, read},
		{"system-out", c.SystemOut.Text, read},
		{"time", c.Time, "1.500"},
		{"suite time", s.Time, "1.500"},
	} {
		if f.got != f.want {
			t.Errorf("%s: read back %q, want %q", f.what, f.got, f.want)
		}
	}
}

func TestNewReporter(t *testing.T) {
	for _, f := range Formats {
		if _, err := NewReporter(f, &strings.Builder{}, false); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := NewReporter("xml", &strings.Builder{}, false); err == nil || err.Error() != "unknown format 'xml' (want human, tap or junit)" {
		t.Errorf("xml: %v", err)
	}
}
