package luatest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TAP returns a reporter in the Test Anything Protocol, version 13: a line
// "ok N - name" or "not ok N - name" per test (a file that failed to load
// is named by its path), a comment "# FILE" before each file's tests, a YAML
// block after each failure with its message, place and output, and the plan
// "1..N" at the end, then the comment "# N passed, M failed".
func TAP(w io.Writer) Reporter {
	t := &tapReporter{w: &errWriter{w: w}}
	io.WriteString(t.w, "TAP version 13\n")
	return t
}

type tapReporter struct {
	w *errWriter
	n int
}

func (t *tapReporter) File(path string, tests int) {
	fmt.Fprintf(t.w, "# %s\n", tapText(path))
}

func (t *tapReporter) Result(r Result) {
	t.n++
	status := "ok"
	if r.Failed {
		status = "not ok"
	}
	name := r.Name
	if name == "" {
		name = r.File
	}
	fmt.Fprintf(t.w, "%s %d - %s\n", status, t.n, tapText(name))
	if !r.Failed {
		return
	}
	io.WriteString(t.w, "  ---\n")
	writeYAMLField(t.w, "message", r.Message)
	writeYAMLField(t.w, "at", r.Where())
	if r.Output != "" {
		writeYAMLField(t.w, "output", r.Output)
	}
	io.WriteString(t.w, "  ...\n")
}

func (t *tapReporter) End(s Summary) error {
	fmt.Fprintf(t.w, "1..%d\n", t.n)
	if t.n == 0 {
		io.WriteString(t.w, "# no tests to run\n")
	}
	fmt.Fprintf(t.w, "# %d passed, %d failed\n", s.Passed, s.Failed)
	return t.w.err
}

// tapText makes text fit on a TAP line: newlines become spaces, and "#"
// (which would start a directive) and "\" are escaped, as TAP 14 says.
func tapText(s string) string {
	s = strings.NewReplacer("\\", "\\\\", "#", "\\#", "\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	return s
}

// writeYAMLField writes key: value into a TAP YAML block, whose lines are
// indented by two spaces. Lines of text that a literal block scalar can hold
// are written as one ("message: |", then the lines indented by four), for
// people to read; anything else (one line included), double-quoted with
// escapes. The block is "|", not "|-", and every line of it keeps the
// indentation, empty ones too: TAP's YAMLish readers (Perl's, prove's) know
// no more. (A reader gets the text back with a final newline.)
func writeYAMLField(w io.Writer, key, value string) {
	value = strings.TrimRight(value, "\n")
	if strings.Contains(value, "\n") && literalSafe(value) {
		fmt.Fprintf(w, "  %s: |\n", key)
		for _, line := range strings.Split(value, "\n") {
			io.WriteString(w, "    "+line+"\n")
		}
		return
	}
	fmt.Fprintf(w, "  %s: %s\n", key, yamlQuote(value))
}

// literalSafe reports whether s can be a YAML literal block scalar with
// indentation detected from its first line: printable UTF-8 (tabs allowed)
// with no carriage return, a first line that neither is empty nor starts with
// a space, and no line made of spaces only (they would blur the
// indentation).
func literalSafe(s string) bool {
	if s == "" || s[0] == ' ' || s[0] == '\n' || !utf8.ValidString(s) {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if line != "" && strings.TrimLeft(line, " ") == "" {
			return false
		}
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && !unicode.IsPrint(r) && r != ' ' {
			return false
		}
	}
	return true
}

// yamlQuote writes s as a YAML double-quoted scalar. Go's escapes are
// YAML's too, but for a byte that is not UTF-8, which Go writes as \xNN
// (for YAML a character, not a byte): such bytes are written as U+FFFD.
func yamlQuote(s string) string {
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}
