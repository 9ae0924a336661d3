package luatest

import (
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

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

	// befores and afters are the functions before_each and after_each
	// declared; driver is driver.lua's table (run, assert_failure).
	befores, afters []lua.LValue
	driver          lua.LValue
	// waitingDeferred is set while the test waits for a Deferred;
	// waitedAtInterrupt is what it was when guard's call was interrupted.
	waitingDeferred   atomic.Bool
	waitedAtInterrupt atomic.Bool

	// reactor is the state's reactor once a script has required it, for the
	// timeout's goroutine to stop.
	reactor atomic.Pointer[reactor.Reactor]
	// interrupt cuts the call guard runs short, for a reason; nil outside
	// guard. The timeout's goroutine and the reactor's idle hook call it.
	interrupt      func(interruption)
	why            atomic.Int32 // the interruption of the call guard runs
	stoppedReactor atomic.Bool  // the interruption stopped a running reactor
}

// testDecl is one test("name", fn) of a file.
type testDecl struct {
	name string
	line int
	fn   lua.LValue
}

// newTestState builds the host of one load of a test file from the
// runner's options, on a new virtual clock, with require looking beside the
// file first.
func newTestState(path string, opts host.Options, setup func(*host.Host) error) (*testState, error) {
	s := &testState{path: path, clock: reactor.NewVirtualClock()}
	s.out.push(&s.log)
	dir := filepath.Dir(path)
	opts.Stdout = &s.out
	opts.Clock = s.clock
	opts.OnError = func(e *host.CallbackError) { s.errors = append(s.errors, e) }
	if opts.Sandbox != nil {
		sb := *opts.Sandbox // the runner's options are shared by every test
		sb.AllowedDirs = append([]string{dir}, sb.AllowedDirs...)
		opts.Sandbox = &sb
	}
	h, err := host.New(opts)
	if err != nil {
		return nil, err
	}
	s.h = h
	if opts.Sandbox == nil {
		s.searchBeside(dir)
	}
	L := h.LState()
	L.SetGlobal("test", L.NewFunction(s.luaTest))
	L.SetGlobal("assert_eq", L.NewFunction(luaAssertEq))
	L.SetGlobal("expect_output", L.NewFunction(s.luaExpectOutput))
	L.SetGlobal("flush_errors", L.NewFunction(s.luaFlushErrors))
	if err := s.loadDriver(); err != nil {
		h.Close()
		return nil, err
	}
	s.watchReactor()
	if setup != nil {
		if err := setup(h); err != nil {
			h.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *testState) close() { s.h.Close() }

// searchBeside puts dir ahead of package.path, so that require finds the
// modules beside the test file wherever the run started. (Changing the
// current folder instead would change it for every goroutine.) A folder
// whose name holds ";" or "?" cannot be written in package.path: there,
// require searches as usual.
func (s *testState) searchBeside(dir string) {
	pkg, ok := s.h.LState().GetGlobal("package").(*lua.LTable)
	if !ok || strings.ContainsAny(dir, ";?") {
		return
	}
	old, _ := pkg.RawGetString("path").(lua.LString)
	pkg.RawSetString("path", lua.LString(dir+"/?.lua;"+dir+"/?/init.lua;"+string(old)))
}

// watchReactor notes the reactor when the file first requires it, and makes
// the reactor report becoming idle. Asking the host for it earlier would
// install the default kind before the file could choose another.
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
			r.SetIdleHook(s.onIdle)
		}
		return 1
	}))
}

// onIdle fails the test whose reactor has nothing left to do: on the
// virtual clock it would otherwise wait, doing nothing, until the timeout.
func (s *testState) onIdle() {
	if s.interrupt != nil {
		s.interrupt(idled)
	}
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
