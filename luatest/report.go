package luatest

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Result is the outcome of one test, or of a file that failed to load.
type Result struct {
	File string // the test file, as the runner was given it
	Line int    // where test() declared the test; 0 for a file that failed to load
	Name string // the test's name; empty for a file that failed to load
	// Failed is false for a test that passed.
	Failed bool
	// Message says why it failed: the error, usually FILE:LINE: message,
	// and the traceback when the error came from further down.
	Message string
	// Output is what the test printed outside expect_output; for a test cut
	// short (a timeout, an idle reactor, os.exit), all it printed.
	Output string
	// Duration is the real time the test took.
	Duration time.Duration
}

// Where is FILE:LINE of the test, or FILE for a file that failed to load.
func (r Result) Where() string {
	if r.Line == 0 {
		return r.File
	}
	return fmt.Sprintf("%s:%d", r.File, r.Line)
}

// A Reporter writes the results of a run as they come. A Runner calls File
// when a file has loaded (with the number of tests it declares, before the
// Runner's Filter picks among them), Result when a test ends or a file fails
// to load, and End once, with the score.
type Reporter interface {
	File(path string, tests int)
	Result(Result)
	End(Summary) error
}

// Formats are the names NewReporter knows.
var Formats = []string{"human", "tap", "junit"}

// NewReporter returns the reporter of a format, writing to w: "human" (with
// verbose, every test is listed), "tap" or "junit".
func NewReporter(format string, w io.Writer, verbose bool) (Reporter, error) {
	switch format {
	case "human", "":
		return Human(w, verbose), nil
	case "tap":
		return TAP(w), nil
	case "junit":
		return JUnit(w), nil
	}
	return nil, fmt.Errorf("unknown format '%s' (want human, tap or junit)", format)
}

// Human returns loopscript's own reporter: a FAIL block for each failure,
// with the message and what the test printed, indented, then the line
// "N passed, M failed". With verbose, passing tests are listed too ("ok"),
// with what they printed.
func Human(w io.Writer, verbose bool) Reporter {
	return &humanReporter{w: &errWriter{w: w}, verbose: verbose}
}

type humanReporter struct {
	w       *errWriter
	verbose bool
}

func (h *humanReporter) File(path string, tests int) {
	if tests == 0 && h.verbose {
		fmt.Fprintf(h.w, "---- %s: no tests\n", path)
	}
}

func (h *humanReporter) Result(r Result) {
	switch {
	case r.Failed && r.Name == "":
		fmt.Fprintf(h.w, "FAIL %s\n", r.Where())
	case r.Failed:
		fmt.Fprintf(h.w, "FAIL %s: %s\n", r.Where(), r.Name)
	case h.verbose:
		fmt.Fprintf(h.w, "ok   %s: %s\n", r.Where(), r.Name)
	default:
		return
	}
	writeIndented(h.w, r.Message, r.Failed)
	writeIndented(h.w, "output:\n"+r.Output, r.Output != "")
}

func (h *humanReporter) End(s Summary) error {
	if s.Passed+s.Failed == 0 {
		if s.Filter != "" {
			fmt.Fprintf(h.w, "no tests to run (--run %s matched none)\n", s.Filter)
		} else {
			fmt.Fprintln(h.w, "no tests to run")
		}
	}
	fmt.Fprintf(h.w, "%d passed, %d failed\n", s.Passed, s.Failed)
	return h.w.err
}

// writeIndented writes text indented by four spaces, if show.
func writeIndented(w io.Writer, text string, show bool) {
	if !show {
		return
	}
	text = strings.TrimSuffix(text, "\n")
	io.WriteString(w, "    "+strings.ReplaceAll(text, "\n", "\n    ")+"\n")
}

// errWriter keeps the first error of its writes, for End to return: a
// reporter writes as results come and has no one to tell before.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
