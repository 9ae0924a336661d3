package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// testRunner runs the tests of *_test.lua files and keeps the score. Each
// test runs on a Lua state of its own (a fresh host, with its own reactor on
// a virtual clock), so tests cannot disturb each other and a test may run the
// reactor, which then finishes at once.
type testRunner struct {
	out     io.Writer      // the report
	verbose bool           // list every test, not only the failures
	filter  *regexp.Regexp // runs only the tests whose name matches; nil runs all
	timeout time.Duration  // wall time allowed to load a file or run one test

	passed, failed int
}

// testDecl is one test("name", fn) of a file.
type testDecl struct {
	name string
	line int
	fn   lua.LValue
}

// runFile runs the selected tests of one file. The file is loaded once per
// test, on that test's fresh state; the first state, which finds out what the
// file declares, runs the first selected test.
func (tr *testRunner) runFile(path string) {
	first, err := tr.load(path)
	if err != nil {
		tr.fail(path, "", err.Error(), "")
		return
	}
	var selected []int
	for i, d := range first.tests {
		if tr.filter == nil || tr.filter.MatchString(d.name) {
			selected = append(selected, i)
		}
	}
	if len(first.tests) == 0 && tr.verbose {
		fmt.Fprintf(tr.out, "---- %s: no tests\n", path)
	}
	if len(selected) == 0 {
		first.close()
		return
	}
	for k, i := range selected {
		s := first
		if k > 0 {
			if s, err = tr.load(path); err != nil {
				tr.fail(path, "", err.Error(), "")
				return
			}
		}
		if len(s.tests) != len(first.tests) || s.tests[i].name != first.tests[i].name {
			s.close()
			tr.fail(path, "", "the file declared different tests when loaded again", "")
			return
		}
		tr.runTest(s, s.tests[i])
		s.close()
	}
}

// load makes a fresh state for path and runs the file's top level on it,
// which declares its tests.
func (tr *testRunner) load(path string) (*testState, error) {
	s, err := newTestState(path)
	if err != nil {
		return nil, err
	}
	var runErr error
	if tr.withTimeout(s, func() { runErr = s.h.RunFile(path) }) {
		s.close()
		return nil, fmt.Errorf("%s: loading the file timed out after %v", path, tr.timeout)
	}
	if runErr != nil {
		s.close()
		return nil, errors.New(errorText(runErr))
	}
	if len(s.errors) > 0 {
		s.close()
		return nil, fmt.Errorf("%s: a callback failed while loading the file:\n%s", path, s.errors[0].Report())
	}
	s.loaded = true
	return s, nil
}

func (tr *testRunner) runTest(s *testState, d testDecl) {
	where := fmt.Sprintf("%s:%d", s.path, d.line)
	var err error
	if tr.withTimeout(s, func() { err = s.h.Call(d.fn) }) {
		msg := fmt.Sprintf("timed out after %v", tr.timeout)
		if s.stoppedReactor.Load() {
			msg += " with the reactor running: was reactor.stop() called? (a reactor with nothing scheduled waits forever)"
		}
		tr.fail(where, d.name, msg, s.log.String())
		return
	}
	var msg string
	switch {
	case err != nil:
		msg = s.failureText(err)
	case len(s.errors) > 0:
		var b strings.Builder
		b.WriteString("unhandled error in a callback (flush_errors() takes the errors a test expects):\n")
		for _, e := range s.errors {
			b.WriteString(e.Report())
		}
		msg = strings.TrimSuffix(b.String(), "\n")
	default:
		tr.passed++
		if tr.verbose {
			fmt.Fprintf(tr.out, "ok   %s: %s\n", where, d.name)
			writeIndented(tr.out, "output:\n"+s.log.String(), s.log.Len() > 0)
		}
		return
	}
	tr.fail(where, d.name, msg, s.log.String())
}

// fail reports a failed test (or a file that could not be loaded, when name
// is empty) with its message and what it printed.
func (tr *testRunner) fail(where, name, msg, output string) {
	tr.failed++
	if name != "" {
		fmt.Fprintf(tr.out, "FAIL %s: %s\n", where, name)
	} else {
		fmt.Fprintf(tr.out, "FAIL %s\n", where)
	}
	writeIndented(tr.out, msg, true)
	writeIndented(tr.out, "output:\n"+output, output != "")
}

// writeIndented writes text indented by four spaces, if show.
func writeIndented(w io.Writer, text string, show bool) {
	if !show {
		return
	}
	text = strings.TrimSuffix(text, "\n")
	io.WriteString(w, "    "+strings.ReplaceAll(text, "\n", "\n    ")+"\n")
}

// summary writes the last line, "N passed, M failed".
func (tr *testRunner) summary() {
	fmt.Fprintf(tr.out, "%d passed, %d failed\n", tr.passed, tr.failed)
}

// withTimeout runs fn, stopping it if it outlasts the runner's timeout, and
// reports whether it did. Runaway Lua code is interrupted through the
// state's context; a reactor waiting for an event that never comes (nothing
// scheduled, a forgotten reactor.stop()) is stopped.
func (tr *testRunner) withTimeout(s *testState, fn func()) (timedOut bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.h.LState().SetContext(ctx)
	defer s.h.LState().RemoveContext()
	expired := make(chan struct{})
	timer := time.AfterFunc(tr.timeout, func() {
		defer close(expired)
		cancel()
		if r := s.reactor.Load(); r != nil && r.Stop() == nil { // Stop is safe from any goroutine
			s.stoppedReactor.Store(true)
		}
	})
	fn()
	if timer.Stop() {
		return false
	}
	// The timer's function has started: wait for it, so the report sees
	// whether it stopped the reactor (fn may return before it has said so).
	<-expired
	return true
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
func (s *testState) failureText(err error) string {
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

// testState is one Lua state running a test file: its host, on a virtual
// clock, with print captured and the test globals installed.
type testState struct {
	path   string
	h      *host.Host
	clock  *reactor.VirtualClock
	out    outputStack     // where print goes: the log, or an expect_output buffer
	log    strings.Builder // what the test printed outside expect_output
	errors []*host.CallbackError
	tests  []testDecl
	loaded bool // the top level has run: test() may no longer declare

	// reactor is the state's reactor once a script has required it, for the
	// timeout's goroutine to stop.
	reactor        atomic.Pointer[reactor.Reactor]
	stoppedReactor atomic.Bool // the timeout stopped a running reactor
}

func newTestState(path string) (*testState, error) {
	s := &testState{path: path, clock: reactor.NewVirtualClock()}
	s.out.push(&s.log)
	h, err := host.New(host.Options{
		Stdout:  &s.out,
		Clock:   s.clock,
		OnError: func(e *host.CallbackError) { s.errors = append(s.errors, e) },
	})
	if err != nil {
		return nil, err
	}
	s.h = h
	L := h.LState()
	L.SetGlobal("test", L.NewFunction(s.luaTest))
	L.SetGlobal("expect_output", L.NewFunction(s.luaExpectOutput))
	L.SetGlobal("flush_errors", L.NewFunction(s.luaFlushErrors))
	s.watchReactor()
	return s, nil
}

func (s *testState) close() { s.h.Close() }

// watchReactor notes the reactor when the file first requires it. Asking
// the host for it earlier would install the default kind before the file
// could choose another.
func (s *testState) watchReactor() {
	L := s.h.LState()
	preload := L.GetField(L.GetField(L.Get(lua.GlobalsIndex), "package"), "preload")
	load := L.GetField(preload, "reactor")
	L.SetField(preload, "reactor", L.NewFunction(func(L *lua.LState) int {
		L.Push(load)
		L.Push(L.Get(1))
		L.Call(1, 1)
		if r, err := s.h.Reactor(); err == nil {
			s.reactor.Store(r)
		}
		return 1
	}))
}

// test(name, fn) declares a test.
func (s *testState) luaTest(L *lua.LState) int {
	name, ok := L.Get(1).(lua.LString)
	if !ok {
		L.RaiseError("bad argument #1 to 'test' (string expected, got %s)", typeOf(L, 1))
	}
	fn := L.Get(2)
	if !host.IsCallable(L, fn) {
		L.RaiseError("bad argument #2 to 'test' (function expected, got %s)", typeOf(L, 2))
	}
	if s.loaded {
		L.RaiseError("test() declares a test at the top level of a test file, not inside a test")
	}
	for _, d := range s.tests {
		if d.name == string(name) {
			L.RaiseError("test '%s' is already declared at line %d", name, d.line)
		}
	}
	s.tests = append(s.tests, testDecl{name: string(name), line: callerLine(L), fn: fn})
	return 0
}

// expect_output(fn_or_script, expected [, {times = true}]) runs a function,
// or the script at a path relative to the test file's folder, and compares
// what it printed with expected. A final newline is optional on both sides.
// With times, each line printed is prefixed with the virtual time it was
// printed at: "[   1.000] 4 ...".
func (s *testState) luaExpectOutput(L *lua.LState) int {
	target := L.Get(1)
	script, isPath := target.(lua.LString)
	if !isPath && !host.IsCallable(L, target) {
		L.RaiseError("bad argument #1 to 'expect_output' (function or script path expected, got %s)", typeOf(L, 1))
	}
	want, ok := L.Get(2).(lua.LString)
	if !ok {
		L.RaiseError("bad argument #2 to 'expect_output' (string expected, got %s)", typeOf(L, 2))
	}
	times := false
	switch opts := L.Get(3).(type) {
	case *lua.LTable:
		times = lua.LVAsBool(opts.RawGetString("times"))
	case *lua.LNilType:
	default:
		L.RaiseError("bad argument #3 to 'expect_output' (table expected, got %s)", typeOf(L, 3))
	}

	var got strings.Builder
	var w io.Writer = &got
	if times {
		w = &timeStamper{w: &got, clock: s.clock, atLineStart: true}
	}
	s.out.push(w)
	func() {
		defer s.out.pop() // also when fn raises an error, which goes on up
		if isPath {
			s.runScript(L, string(script))
		} else {
			L.Push(target)
			L.Call(0, 0)
		}
	}()

	if strings.TrimSuffix(got.String(), "\n") != strings.TrimSuffix(string(want), "\n") {
		L.RaiseError("output differs (- expected, + got):\n%s", strings.TrimSuffix(lineDiff(string(want), got.String()), "\n"))
	}
	return 0
}

// runScript runs a script for expect_output on this state, with arg set as
// for a script run by loopscript.
func (s *testState) runScript(L *lua.LState, script string) {
	path := script
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(s.path), path)
	}
	oldArg := L.GetGlobal("arg")
	s.h.SetArg([]string{"loopscript", path}, 1)
	err := s.h.RunFile(path)
	L.SetGlobal("arg", oldArg)
	if err != nil {
		L.RaiseError("script %s failed: %s", path, errorText(err))
	}
}

// flush_errors() -> the messages of the errors callbacks raised so far,
// which are then forgotten: a test that expects a callback to fail takes the
// error this way instead of failing.
func (s *testState) luaFlushErrors(L *lua.LState) int {
	t := L.CreateTable(len(s.errors), 0)
	for _, e := range s.errors {
		t.Append(lua.LString(e.Message))
	}
	s.errors = nil
	L.Push(t)
	return 1
}

func typeOf(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// callerLine is the line of the Lua code calling the current Go function.
func callerLine(L *lua.LState) int {
	dbg, ok := L.GetStack(1)
	if !ok {
		return 0
	}
	if _, err := L.GetInfo("l", dbg, lua.LNil); err != nil {
		return 0
	}
	return dbg.CurrentLine
}
