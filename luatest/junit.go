package luatest

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// JUnit returns a reporter that writes, at the end of the run, a JUnit XML
// document: <testsuites>, a <testsuite> per file, a <testcase> per test
// (classname: the file) with a <failure> when it failed and its output in
// <system-out>. A file that failed to load is a testcase named by its path,
// with an <error>. Characters XML cannot hold become U+FFFD.
func JUnit(w io.Writer) Reporter { return &junitReporter{w: w} }

type junitReporter struct {
	w      io.Writer
	suites []*junitSuite
}

// The document's elements. The xml tags say how encoding/xml reads them
// back (the tests do); writing is junitWriter's, by hand: linking
// encoding/xml for this report cost every start of loopscript, a script
// that runs no tests included, 0.05 ms of package initialisation.
type junitSuites struct {
	Tests    int           `xml:"tests,attr"`
	Failures int           `xml:"failures,attr"`
	Errors   int           `xml:"errors,attr"`
	Time     string        `xml:"time,attr"`
	Suites   []*junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`

	duration time.Duration
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	SystemOut *junitText    `xml:"system-out"`
}

// junitProblem is a <failure> or an <error>: the first line of the message
// in its attribute, all of it in its text.
type junitProblem struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",cdata"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

func (j *junitReporter) suite(path string) *junitSuite {
	if n := len(j.suites); n > 0 && j.suites[n-1].Name == path {
		return j.suites[n-1]
	}
	s := &junitSuite{Name: path}
	j.suites = append(j.suites, s)
	return s
}

func (j *junitReporter) File(path string, tests int) { j.suite(path) }

func (j *junitReporter) Result(r Result) {
	s := j.suite(r.File)
	c := junitCase{Name: r.Name, Classname: r.File, File: r.File, Line: r.Line, Time: seconds(r.Duration)}
	if r.Failed {
		msg := xmlText(r.Message)
		first, _, _ := strings.Cut(msg, "\n")
		problem := &junitProblem{Message: first, Text: msg}
		if r.Name == "" {
			c.Name = r.File
			c.Error = problem
			s.Errors++
		} else {
			c.Failure = problem
			s.Failures++
		}
	}
	if r.Output != "" {
		c.SystemOut = &junitText{Text: xmlText(r.Output)}
	}
	s.Tests++
	s.duration += r.Duration
	s.Cases = append(s.Cases, c)
}

func (j *junitReporter) End(Summary) error {
	doc := junitSuites{Suites: j.suites}
	var total time.Duration
	for _, s := range j.suites {
		s.Time = seconds(s.duration)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		total += s.duration
	}
	doc.Time = seconds(total)
	var w junitWriter
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.suites(&doc)
	w.WriteByte('\n')
	_, err := io.WriteString(j.w, w.String())
	return err
}

// seconds is a duration as JUnit writes it: seconds, to the millisecond.
func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// xmlText replaces what XML 1.0 cannot hold (most control characters, bytes
// that are not UTF-8) with U+FFFD. junitWriter does it for attributes, not
// inside CDATA, which keeps multi-line text readable.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if xmlChar(r) {
			return r
		}
		return '\uFFFD'
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
