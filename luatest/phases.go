package luatest

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/loopscript/loopscript/host"
	lua "github.com/yuin/gopher-lua"
)

// A test runs in phases: the before_each functions, the test, the
// after_each functions. Any of them may return a Deferred; the driver
// (driver.lua) waits for it on the test's reactor before the next phase
// runs. This file declares the phases and turns the driver's findings into
// the test's result.

//go:embed driver.lua
var driverSource string

// driverChunk is the driver's chunk name, whose frames tracebacks leave out.
const driverChunk = "luatest/driver.lua"

// phaseFailure is a phase that failed: its error's message and traceback.
type phaseFailure struct {
	phase, message, traceback string
	fn                        lua.LValue // the phase's function
}

// loadDriver compiles the driver on the state and installs the globals
// that belong to it: before_each, after_each and assert_failure.
func (s *testState) loadDriver() error {
	L := s.h.LState()
	fn, err := L.Load(strings.NewReader(driverSource), "="+driverChunk)
	if err != nil {
		return err
	}
	core := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"call":    driverCall,
		"waiting": s.driverWaiting,
	})
	L.Push(fn)
	L.Push(core)
	if err := L.PCall(1, 1, nil); err != nil {
		return err
	}
	s.driver = L.Get(-1)
	L.Pop(1)
	L.SetGlobal("before_each", L.NewFunction(s.luaEach("before_each", &s.befores)))
	L.SetGlobal("after_each", L.NewFunction(s.luaEach("after_each", &s.afters)))
	L.SetGlobal("assert_failure", L.GetField(s.driver, "assert_failure"))
	return nil
}

// call(fn) calls fn() and returns its first result. A Go function calls
// the phase, so that its frame reads "in function <FILE:LINE>", as the
// test's own call does everywhere else.
func driverCall(L *lua.LState) int {
	L.Push(L.Get(1))
	L.Call(0, 1)
	return 1
}

// waiting(b) says whether the test waits for a Deferred.
func (s *testState) driverWaiting(L *lua.LState) int {
	s.waitingDeferred.Store(L.ToBool(1))
	return 0
}

// luaEach is before_each(fn) or after_each(fn): fn runs before (after)
// each test of the file, in the order declared.
func (s *testState) luaEach(name string, list *[]lua.LValue) lua.LGFunction {
	return func(L *lua.LState) int {
		fn := L.Get(1)
		if !host.IsCallable(L, fn) {
			L.RaiseError("bad argument #1 to '%s' (function expected, got %s)", name, typeOf(L, 1))
		}
		if s.loaded {
			L.RaiseError("%s() is called at the top level of a test file, not inside a test", name)
		}
		*list = append(*list, fn)
		return 0
	}
}

// runPhases runs the phases of the test fn through the driver and returns
// the phases that failed and, when the driver could not wait for a
// Deferred, why. An error that escapes the driver (os.exit, the test's
// interruption) is err.
func (s *testState) runPhases(fn lua.LValue) (failed []phaseFailure, problem string, err error) {
	L := s.h.LState()
	list := func(fns []lua.LValue) *lua.LTable {
		t := L.CreateTable(len(fns), 0)
		for _, f := range fns {
			t.Append(f)
		}
		return t
	}
	var failures lua.LValue = lua.LNil
	entry := L.NewFunction(func(L *lua.LState) int {
		L.Push(L.GetField(s.driver, "run"))
		L.Push(list(s.befores))
		L.Push(fn)
		L.Push(list(s.afters))
		L.Call(3, 2)
		failures = L.Get(-2)
		if msg, ok := L.Get(-1).(lua.LString); ok {
			problem = string(msg)
		}
		return 0
	})
	if err := s.h.Call(entry); err != nil {
		return nil, "", err
	}
	if t, ok := failures.(*lua.LTable); ok {
		for i := 1; i <= t.Len(); i++ {
			f := t.RawGetInt(i)
			failed = append(failed, phaseFailure{
				phase:     lua.LVAsString(L.GetField(f, "phase")),
				message:   lua.LVAsString(L.GetField(f, "message")),
				traceback: lua.LVAsString(L.GetField(f, "traceback")),
				fn:        L.GetField(f, "fn"),
			})
		}
	}
	return failed, problem, nil
}

// phaseText is the report of a failed phase: as a test's error is shown,
// after the name of the phase when it is not the test.
func phaseText(f phaseFailure) string {
	text := failureText(&host.ScriptError{Message: f.message, Traceback: withoutDriverFrames(f.traceback, f.fn)})
	if f.phase != "test" {
		text = f.phase + ": " + text
	}
	return text
}

// withoutDriverFrames cuts a traceback at the driver's first frame: what is
// left runs from the error down to the phase's own function (the frames
// below are the driver's and the runner's). The phase's frame is named by
// where it was defined, "in function <FILE:LINE>", as when the runner calls
// a test directly (called through the driver, gopher-lua names it after the
// driver's variable).
func withoutDriverFrames(tb string, fn lua.LValue) string {
	lines := strings.Split(tb, "\n")
	for i, line := range lines {
		if !strings.HasPrefix(line, "\t="+driverChunk+":") {
			continue
		}
		lines = lines[:i]
		for len(lines) > 1 && strings.HasPrefix(lines[len(lines)-1], "\t[C]:") {
			lines = lines[:len(lines)-1]
		}
		last := len(lines) - 1
		if f, ok := fn.(*lua.LFunction); ok && f.Proto != nil && last > 0 && strings.HasSuffix(lines[last], " in function 'fn'") {
			lines[last] = strings.TrimSuffix(lines[last], "'fn'") + fmt.Sprintf("<%s:%d>", f.Proto.SourceName, f.Proto.LineDefined)
		}
		break
	}
	if len(lines) <= 1 {
		return ""
	}
	return strings.Join(lines, "\n")
}
