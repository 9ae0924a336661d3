package luatest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/loopscript/loopscript/host"
)

// DefaultTimeout is the real time a Runner allows to load a file or run one
// test when its Timeout is zero.
const DefaultTimeout = 10 * time.Second

// ErrNoTestFiles is returned by Run when its paths hold no test file.
var ErrNoTestFiles = errors.New("no *_test.lua files")

// Runner runs the tests of *_test.lua files. The zero value runs them on
// hosts with default options and reports in the human format to standard
// output. Runners on several goroutines (each with a Reporter of its own)
// run at once without disturbing each other: a run changes no process-wide
// state, not even the current folder, and each test gets hosts of its own.
//
// Besides the standard library, the host's modules and its plugins, a test
// file sees these globals:
//
//   - test(name, fn) declares a test, at the top level of the file.
//   - assert_eq(got, want [, message]) fails unless got == want, showing
//     both: "assert_eq failed: got 3, want 4".
//   - expect_output(fn_or_script, text [, {times = true}]) runs a function,
//     or the script at a path relative to the test file's folder, and fails
//     with a line diff unless what it printed is text. With times, each line
//     is prefixed with the virtual time it was printed at: "[   1.000] 4 ...".
//   - flush_errors() returns the messages of the errors callbacks raised so
//     far, and forgets them, for a test that expects a callback to fail.
//   - before_each(fn) and after_each(fn), at the top level, run fn before
//     (after) each test of the file, in the order declared.
//   - assert_failure(d, class_or_name, ...) is trial's assertFailure: a
//     Deferred that fires with d's error value when d fails with one of
//     the classes, and fails otherwise.
//
// A test, a before_each or an after_each may return a Deferred: the runner
// runs the test's reactor (on virtual time) until it fires, within
// Timeout, and a failed one fails the test with its traceback (see
// phases.go).
type Runner struct {
	// Options are those of every test's host: plugins, sandbox, limits. The
	// runner sets Stdout (print is captured), Clock (a new virtual clock for
	// each test) and OnError (to fail the test) itself. Under a Sandbox, the
	// test file's folder comes first in AllowedDirs.
	Options host.Options
	// Setup, if set, runs on each new host before the test file loads: for
	// what the options cannot say, such as a plugin that keeps the host to
	// call CallFromGoroutine. An error fails the file.
	Setup func(*host.Host) error
	// Filter selects the tests whose name it matches; nil runs them all.
	Filter *regexp.Regexp
	// Timeout is the real time allowed to load a file or to run one test;
	// zero means DefaultTimeout.
	Timeout time.Duration
	// Reporter receives the results; nil means Human(os.Stdout, false).
	Reporter Reporter
}

// Summary is the score of a run.
type Summary struct {
	Passed, Failed int
	// Filter is the Runner's Filter as written, or empty when it had none.
	Filter string
}

// OK reports whether the run succeeded: some test ran and none failed (a
// file that failed to load counts as a failure).
func (s Summary) OK() bool { return s.Failed == 0 && s.Passed > 0 }

// Run runs the test files under paths (see FindFiles). It fails, before
// running anything, if a path cannot be read or if there is no test file;
// afterwards, only if the Reporter fails to write.
func (r *Runner) Run(paths ...string) (Summary, error) {
	files, err := FindFiles(paths)
	if err != nil {
		return Summary{}, err
	}
	if len(files) == 0 {
		return Summary{}, fmt.Errorf("%w in %s", ErrNoTestFiles, strings.Join(paths, " "))
	}
	return r.RunFiles(files)
}

// RunFiles runs the tests of the given files, in order. Its error is the
// Reporter's.
func (r *Runner) RunFiles(files []string) (Summary, error) {
	rn := &run{Runner: r, report: r.Reporter, timeout: r.Timeout}
	if rn.report == nil {
		rn.report = Human(os.Stdout, false)
	}
	if rn.timeout <= 0 {
		rn.timeout = DefaultTimeout
	}
	for _, f := range files {
		rn.file(f)
	}
	if r.Filter != nil {
		rn.sum.Filter = r.Filter.String()
	}
	return rn.sum, rn.report.End(rn.sum)
}

// run is one RunFiles call: the runner's settings and the score so far.
type run struct {
	*Runner
	report  Reporter
	timeout time.Duration
	sum     Summary
}

// file runs the selected tests of one file. The file is loaded once per
// test, on that test's fresh state; the first state, which finds out what the
// file declares, runs the first selected test.
func (rn *run) file(path string) {
	first, err := rn.load(path)
	if err != nil {
		rn.fail(Result{File: path, Message: err.Error()})
		return
	}
	rn.report.File(path, len(first.tests))
	var selected []int
	for i, d := range first.tests {
		if rn.Filter == nil || rn.Filter.MatchString(d.name) {
			selected = append(selected, i)
		}
	}
	if len(selected) == 0 {
		first.close()
		return
	}
	for k, i := range selected {
		s := first
		if k > 0 {
			if s, err = rn.load(path); err != nil {
				rn.fail(Result{File: path, Message: err.Error()})
				return
			}
		}
		if len(s.tests) != len(first.tests) || s.tests[i].name != first.tests[i].name {
			s.close()
			rn.fail(Result{File: path, Message: "the file declared different tests when loaded again"})
			return
		}
		rn.test(s, s.tests[i])
		s.close()
	}
}

// load makes a fresh state for path and runs the file's top level on it,
// which declares its tests.
func (rn *run) load(path string) (*testState, error) {
	s, err := newTestState(path, rn.Options, rn.Setup)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	why, err := s.guard(rn.timeout, func() error { return s.h.RunFile(path) })
	var exit *host.ExitError
	switch {
	case why == timedOut:
		err = fmt.Errorf("%s: loading the file timed out after %v", path, rn.timeout)
	case why == idled:
		err = fmt.Errorf("%s: while loading the file, %s", path, idleMessage)
	case errors.As(err, &exit):
		err = fmt.Errorf("%s: called os.exit(%d) while loading the file", path, exit.Code)
	case err != nil:
		err = errors.New(errorText(err))
	case len(s.errors) > 0:
		err = fmt.Errorf("%s: a callback failed while loading the file:\n%s", path, s.errors[0].Report())
	}
	if err != nil {
		s.close()
		return nil, err
	}
	s.loaded = true
	return s, nil
}

// idleMessage says why a reactor that has become idle fails the test.
const idleMessage = "the reactor is running with nothing scheduled and nothing pending, so it would wait forever: was reactor.stop() called?"

// idleDeferredMessage says why a test waiting for a Deferred fails when its
// reactor becomes idle.
const idleDeferredMessage = "the test waits for a Deferred that will never fire: the reactor has nothing scheduled and nothing pending"

func (rn *run) test(s *testState, d testDecl) {
	res := Result{File: s.path, Line: d.line, Name: d.name}
	start := time.Now()
	var failed []phaseFailure
	var problem string
	why, err := s.guard(rn.timeout, func() error {
		var err error
		failed, problem, err = s.runPhases(d.fn)
		s.h.ReportUnhandled() // a failure left unhandled fails the test, as in trial
		return err
	})
	res.Duration = time.Since(start)
	res.Output = s.log.String()
	var exit *host.ExitError
	switch {
	case why != notInterrupted:
		// Cut short, the test may have been inside expect_output: show all it
		// printed, what that was capturing included.
		res.Output = s.out.all.String()
		switch {
		case why == idled && s.waitedAtInterrupt.Load():
			res.Message = idleDeferredMessage
		case why == idled:
			res.Message = idleMessage
		case s.waitedAtInterrupt.Load():
			res.Message = fmt.Sprintf("timed out after %v waiting for a Deferred to fire", rn.timeout)
		default:
			res.Message = fmt.Sprintf("timed out after %v", rn.timeout)
			if s.stoppedReactor.Load() {
				res.Message += " with the reactor running: was reactor.stop() called?"
			}
		}
	case errors.As(err, &exit):
		res.Output = s.out.all.String()
		res.Message = fmt.Sprintf("called os.exit(%d)", exit.Code)
	case err != nil:
		res.Message = failureText(err)
	case len(failed) > 0 || problem != "":
		var texts []string
		for _, f := range failed {
			texts = append(texts, phaseText(f))
		}
		if problem != "" {
			texts = append(texts, problem)
		}
		res.Message = strings.Join(texts, "\n")
	case len(s.errors) > 0:
		var b strings.Builder
		b.WriteString("unhandled error in a callback (flush_errors() takes the errors a test expects):\n")
		for _, e := range s.errors {
			b.WriteString(e.Report())
		}
		res.Message = strings.TrimSuffix(b.String(), "\n")
	default:
		rn.sum.Passed++
		rn.report.Result(res)
		return
	}
	rn.fail(res)
}

// fail counts and reports a failed test, or a file that could not be
// loaded.
func (rn *run) fail(res Result) {
	res.Failed = true
	rn.sum.Failed++
	rn.report.Result(res)
}

// interruption is why guard cut a call short.
type interruption int32

const (
	notInterrupted interruption = iota
	timedOut                    // the call outlasted the timeout
	idled                       // the reactor ran with nothing that could wake it
)

// guard runs fn, stopping it if it outlasts timeout or if the state's
// reactor becomes idle, and says which stopped it. Runaway Lua code is
// interrupted through the state's context; a reactor waiting for an event
// that never comes is stopped.
func (s *testState) guard(timeout time.Duration, fn func() error) (interruption, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	L := s.h.LState()
	L.SetContext(ctx)
	defer L.RemoveContext()
	s.why.Store(int32(notInterrupted))
	s.stoppedReactor.Store(false)
	s.interrupt = func(why interruption) {
		if !s.why.CompareAndSwap(int32(notInterrupted), int32(why)) {
			return // already interrupted
		}
		s.waitedAtInterrupt.Store(s.waitingDeferred.Load())
		cancel()
		if r := s.reactor.Load(); r != nil && r.Stop() == nil { // Stop is safe from any goroutine
			s.stoppedReactor.Store(true)
		}
	}
	defer func() { s.interrupt = nil }()
	expired := make(chan struct{})
	timer := time.AfterFunc(timeout, func() {
		defer close(expired)
		s.interrupt(timedOut)
	})
	err := fn()
	if !timer.Stop() {
		// The timer's function has started: wait for it, so the report sees
		// whether it stopped the reactor (fn may return before it has said so).
		<-expired
	}
	return interruption(s.why.Load()), err
}

// errorText is an error of a chunk or test as the report shows it: the
// message, then the traceback.
func errorText(err error) string {
	var se *host.ScriptError
	if errors.As(err, &se) && se.Traceback != "" {
		return se.Message + "\n" + se.Traceback
	}
	return err.Error()
}

// failureText is the report of a test's error: the message, which usually
// starts with FILE:LINE, then the traceback, unless all it would add is that
// same line (an assert or error directly in the test function).
func failureText(err error) string {
	var se *host.ScriptError
	if !errors.As(err, &se) {
		return err.Error()
	}
	var luaFrames []string
	for _, l := range strings.Split(se.Traceback, "\n")[1:] {
		if l = strings.TrimSpace(l); !strings.HasPrefix(l, "[C]") {
			luaFrames = append(luaFrames, l)
		}
	}
	if len(luaFrames) == 1 {
		if where, _, ok := strings.Cut(luaFrames[0], " "); ok && strings.HasPrefix(se.Message, where) {
			return se.Message
		}
	}
	return errorText(err)
}
