package host_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// recorder is a Module that writes its opens and closes to a shared log.
type recorder struct {
	name     string
	log      *[]string
	openErr  error
	closeErr error
}

func (m *recorder) Open(env *host.Env) (lua.LValue, error) {
	*m.log = append(*m.log, "open "+env.Name())
	if m.openErr != nil {
		return nil, m.openErr
	}
	return lua.LString("value of " + m.name), nil
}

func (m *recorder) Close() error {
	*m.log = append(*m.log, "close "+m.name)
	return m.closeErr
}

var _ host.ModuleCloser = (*recorder)(nil)

func TestModuleLifecycle(t *testing.T) {
	var log []string
	errA, errC := errors.New("a failed"), errors.New("c failed")
	var out bytes.Buffer
	h, err := host.New(host.Options{Stdout: &out, Modules: map[string]host.Module{
		"a": &recorder{name: "a", log: &log, closeErr: errA},
		"b": &recorder{name: "b", log: &log},
		"c": &recorder{name: "c", log: &log, closeErr: errC},
		"d": &recorder{name: "d", log: &log},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 0 {
		t.Fatalf("modules opened before any require: %q", log)
	}
	err = h.RunString("main.lua", `
		print(require("c"))
		print(require("a"))
		print(require("a"))
		package.loaded.a = nil -- a module is still opened once per host
		print(require("a"))
		print(require("d"))`)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.RunString("second.lua", `print(require("c"))`); err != nil {
		t.Fatal(err)
	}
	wantOut := "value of c\nvalue of a\nvalue of a\nvalue of a\nvalue of d\nvalue of c\n"
	if out.String() != wantOut {
		t.Errorf("output %q, want %q", out.String(), wantOut)
	}
	wantOpen := []string{"open c", "open a", "open d"}
	if !slices.Equal(log, wantOpen) {
		t.Fatalf("log before Close %q, want %q", log, wantOpen)
	}
	closeErr := h.Close()
	want := append(wantOpen, "close d", "close a", "close c") // b never opened, never closed
	if !slices.Equal(log, want) {
		t.Errorf("log %q, want %q", log, want)
	}
	if !errors.Is(closeErr, errA) || !errors.Is(closeErr, errC) {
		t.Errorf("Close returned %v, want both module errors", closeErr)
	}
	if got := closeErr.Error(); got != "module a: a failed\nmodule c: c failed" {
		t.Errorf("Close error %q", got)
	}
	if err := h.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if len(log) != len(want) {
		t.Errorf("second Close closed again: %q", log)
	}
}

func TestModuleOpenError(t *testing.T) {
	var log []string
	var out bytes.Buffer
	h, err := host.New(host.Options{Stdout: &out, Modules: map[string]host.Module{
		"db": &recorder{name: "db", log: &log, openErr: errors.New("no database at /tmp/x")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	err = h.RunString("main.lua", `
		print(pcall(require, "db"))
		print(pcall(require, "db"))
		package.loaded.db = nil
		print(pcall(require, "db"))`)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	wantEnds := []string{
		"error loading module 'db': no database at /tmp/x",
		"loop or previous error loading module 'db'",
		"error loading module 'db': no database at /tmp/x",
	}
	if len(lines) != len(wantEnds) {
		t.Fatalf("output %q", lines)
	}
	for i, line := range lines {
		if !strings.HasPrefix(line, "false\t") || !strings.HasSuffix(line, wantEnds[i]) {
			t.Errorf("require #%d of a failing module printed %q, want it to end %q", i+1, line, wantEnds[i])
		}
	}
	if err := h.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// Open failed both times it was called, and is never closed.
	if want := []string{"open db", "open db"}; !slices.Equal(log, want) {
		t.Errorf("log %q, want %q", log, want)
	}

	h2, _ := host.New(host.Options{Modules: map[string]host.Module{
		"db": &recorder{name: "db", log: &log, openErr: errors.New("no database")},
	}})
	defer h2.Close()
	err = h2.RunString("main.lua", `local db = require("db")`)
	var se *host.ScriptError
	if !errors.As(err, &se) || !strings.HasSuffix(se.Message, "error loading module 'db': no database") {
		t.Errorf("RunString returned %v, want the ScriptError of the require", err)
	}
}

func TestAddModuleRefuses(t *testing.T) {
	h, _ := host.New(host.Options{})
	defer h.Close()
	ok := host.ModuleFunc(func(*host.Env) (lua.LValue, error) { return lua.LTrue, nil })
	for _, tc := range []struct {
		name string
		m    host.Module
		want error
	}{
		{"reactor", ok, host.ErrPluginExists},
		{"task", ok, host.ErrPluginExists},
		{"1bad", ok, host.ErrPluginName},
		{"", ok, host.ErrPluginName},
	} {
		if err := h.AddModule(tc.name, tc.m); !errors.Is(err, tc.want) {
			t.Errorf("AddModule(%q) = %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := h.AddModule("mine", ok); err != nil {
		t.Fatal(err)
	}
	if err := h.AddModule("mine", ok); !errors.Is(err, host.ErrPluginExists) {
		t.Errorf("second AddModule(mine) = %v", err)
	}
	if err := h.AddModule("nothing", nil); err == nil {
		t.Errorf("AddModule of a nil module succeeded")
	}
}

// goDeferreds is a Module whose functions return Deferreds fired from other
// goroutines, and report whether the reactor is idle.
type goDeferreds struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	refires  []error
	idleSeen []bool
}

func (m *goDeferreds) Open(env *host.Env) (lua.LValue, error) {
	L := env.LState()
	r, err := env.Reactor()
	if err != nil {
		return nil, err
	}
	fire := func(fire func(d *host.Deferred) error) *lua.LFunction {
		return L.NewFunction(func(L *lua.LState) int {
			d, err := env.NewDeferred()
			if err != nil {
				L.RaiseError("%v", err)
			}
			m.idleSeen = append(m.idleSeen, r.Idle())
			m.wg.Add(1)
			go func() {
				defer m.wg.Done()
				if err := fire(d); err != nil {
					panic(err)
				}
				again := d.Resolve(lua.LString("again"))
				m.mu.Lock()
				m.refires = append(m.refires, again)
				m.mu.Unlock()
			}()
			L.Push(d.Value)
			return 1
		})
	}
	mod := L.NewTable()
	mod.RawSetString("resolve", fire(func(d *host.Deferred) error { return d.Resolve(lua.LString("from Go")) }))
	mod.RawSetString("reject", fire(func(d *host.Deferred) error { return d.Reject(errors.New("Go failed")) }))
	mod.RawSetString("table", fire(func(d *host.Deferred) error {
		return d.ResolveFunc(func(L *lua.LState) lua.LValue {
			t := L.NewTable()
			t.RawSetString("n", lua.LNumber(3))
			return t
		})
	}))
	return mod, nil
}

func TestDeferredFiredFromGoroutine(t *testing.T) {
	var out, errOut bytes.Buffer
	m := &goDeferreds{}
	h, err := host.New(host.Options{Stdout: &out, Stderr: &errOut, Clock: reactor.NewVirtualClock(),
		Modules: map[string]host.Module{"gofire": m}})
	if err != nil {
		t.Fatal(err)
	}
	err = h.RunString("main.lua", `
		local reactor = require("reactor")
		local defer = require("defer")
		local gofire = require("gofire")
		local left = 3
		local function done() left = left - 1 if left == 0 then reactor.stop() end end
		gofire.resolve():add_callback(function(v) print("resolved", v) end):add_both(done)
		gofire.reject():add_errback(function(f) print("rejected", f:get_error_message()) end):add_both(done)
		gofire.table():add_callback(function(t) print("table", t.n) end):add_both(done)
		reactor.run()`)
	if err != nil {
		t.Fatal(err)
	}
	m.wg.Wait()
	h.Close()
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	slices.Sort(got)
	want := []string{"rejected\tGo failed", "resolved\tfrom Go", "table\t3"}
	if !slices.Equal(got, want) {
		t.Errorf("output %q, want %q", got, want)
	}
	for i, err := range m.refires {
		if !errors.Is(err, host.ErrAlreadyFired) {
			t.Errorf("fire #%d a second time: %v, want ErrAlreadyFired", i, err)
		}
	}
	// Each unfired Deferred is pending work: the reactor, with nothing else
	// scheduled, is not idle while Go holds it.
	for i, idle := range m.idleSeen {
		if idle {
			t.Errorf("reactor idle with Go Deferred #%d unfired", i)
		}
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr: %s", errOut.String())
	}
}
