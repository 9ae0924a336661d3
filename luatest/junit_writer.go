package luatest

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// junitWriter writes the JUnit document as encoding/xml's MarshalIndent
// with a two-space indent writes the junitSuites types, byte for byte:
// attributes in field order, an element without children closed on its
// line, text as CDATA.
type junitWriter struct {
	strings.Builder
}

func (w *junitWriter) suites(doc *junitSuites) {
	w.open(0, "testsuites")
	w.attrInt("tests", doc.Tests)
	w.attrInt("failures", doc.Failures)
	w.attrInt("errors", doc.Errors)
	w.attr("time", doc.Time)
	w.WriteByte('>')
	for _, s := range doc.Suites {
		w.open(1, "testsuite")
		w.attr("name", s.Name)
		w.attrInt("tests", s.Tests)
		w.attrInt("failures", s.Failures)
		w.attrInt("errors", s.Errors)
		w.attr("time", s.Time)
		w.WriteByte('>')
		for i := range s.Cases {
			w.testcase(&s.Cases[i])
		}
		w.close(1, "testsuite", len(s.Cases) > 0)
	}
	w.close(0, "testsuites", len(doc.Suites) > 0)
}

func (w *junitWriter) testcase(c *junitCase) {
	w.open(2, "testcase")
	w.attr("name", c.Name)
	w.attr("classname", c.Classname)
	w.attr("file", c.File)
	if c.Line != 0 {
		w.attrInt("line", c.Line)
	}
	w.attr("time", c.Time)
	w.WriteByte('>')
	children := false
	for _, p := range []struct {
		name    string
		problem *junitProblem
	}{{"failure", c.Failure}, {"error", c.Error}} {
		if p.problem != nil {
			w.open(3, p.name)
			w.attr("message", p.problem.Message)
			w.WriteByte('>')
			w.cdata(p.problem.Text)
			w.close(3, p.name, false)
			children = true
		}
	}
	if c.SystemOut != nil {
		w.open(3, "system-out")
		w.WriteByte('>')
		w.cdata(c.SystemOut.Text)
		w.close(3, "system-out", false)
		children = true
	}
	w.close(2, "testcase", children)
}

// open starts the tag of an element at the given depth, on a line of its
// own (the document's first element on the first line).
func (w *junitWriter) open(depth int, name string) {
	if depth > 0 {
		w.newline(depth)
	}
	w.WriteByte('<')
	w.WriteString(name)
}

// close ends an element: on its own line after children, else at once.
func (w *junitWriter) close(depth int, name string, children bool) {
	if children {
		w.newline(depth)
	}
	w.WriteString("</")
	w.WriteString(name)
	w.WriteByte('>')
}

func (w *junitWriter) newline(depth int) {
	w.WriteByte('\n')
	for range depth {
		w.WriteString("  ")
	}
}

func (w *junitWriter) attrInt(name string, n int) { w.attr(name, strconv.Itoa(n)) }

// attr writes ` name="value"`, the value escaped as encoding/xml escapes
// attributes: markup and quotes, tab, newline and carriage return as
// character references, what XML cannot hold (a byte that is not UTF-8
// included) as U+FFFD.
func (w *junitWriter) attr(name, value string) {
	w.WriteByte(' ')
	w.WriteString(name)
	w.WriteString(`="`)
	for i := 0; i < len(value); {
		r, width := utf8.DecodeRuneInString(value[i:])
		switch r {
		case '"':
			w.WriteString("&#34;")
		case '\'':
			w.WriteString("&#39;")
		case '&':
			w.WriteString("&amp;")
		case '<':
			w.WriteString("&lt;")
		case '>':
			w.WriteString("&gt;")
		case '\t':
			w.WriteString("&#x9;")
		case '\n':
			w.WriteString("&#xA;")
		case '\r':
			w.WriteString("&#xD;")
		default:
			if !xmlChar(r) || r == utf8.RuneError && width == 1 {
				w.WriteRune('\uFFFD')
			} else {
				w.WriteString(value[i : i+width])
			}
		}
		i += width
	}
	w.WriteByte('"')
}

// cdata writes text (already made XML-safe by xmlText) as a CDATA section,
// a "]]>" inside split across two sections; empty text writes nothing.
func (w *junitWriter) cdata(text string) {
	if text == "" {
		return
	}
	w.WriteString("<![CDATA[")
	for {
		before, after, found := strings.Cut(text, "]]>")
		if !found {
			break
		}
		w.WriteString(before)
		w.WriteString("]]]]><![CDATA[>")
		text = after
	}
	w.WriteString(text)
	w.WriteString("]]>")
}

// xmlChar reports whether XML 1.0 can hold r.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
