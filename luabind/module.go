package luabind

import (
	"errors"
	"fmt"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// A Module is a Lua module opened by Go: every module of loopscript's own
// (see Runtime.modules) and a host's plugins are built on it alike. Its
// lifecycle, per Runtime:
//
//  1. Registered under a name (AddModule), it costs nothing until a script
//     requires it.
//  2. The first require(name) calls Open once, on the loop's goroutine;
//     the value Open returns is what require returns (nil makes it true,
//     as for a Lua module). A later require, even after the script cleared
//     package.loaded[name], gets the same value: a module is opened at most
//     once per Runtime. An error from Open is raised at the require as
//     "error loading module 'name': ERROR"; the module counts as not
//     opened, so the next require calls Open again.
//  3. CloseModules (host.Host.Close) calls Close on each opened module that
//     implements ModuleCloser, in reverse order of opening, after the
//     reactor has stopped and before the Lua state is released.
type Module interface {
	Open(env *Env) (lua.LValue, error)
}

// A ModuleCloser is a Module holding something to release when its
// Runtime closes: goroutines, files, connections.
type ModuleCloser interface {
	Module
	Close() error
}

// ModuleFunc makes a function a Module without a Close.
type ModuleFunc func(env *Env) (lua.LValue, error)

// Open calls f.
func (f ModuleFunc) Open(env *Env) (lua.LValue, error) { return f(env) }

// openedModule is a module Open succeeded for, kept for its value and its
// Close.
type openedModule struct {
	name  string
	m     Module
	value lua.LValue
}

// moduleSet is the Runtime's record of the modules opened, in order.
type moduleSet struct {
	opened []openedModule
	byName map[string]int // index in opened
}

// AddModule makes m requirable as name, opened on the first require. The
// caller checks that name is free.
func (rt *Runtime) AddModule(name string, m Module) {
	rt.L.PreloadModule(name, rt.moduleLoader(name, m))
}

// moduleLoader is the package.preload entry of m, which opens it once.
func (rt *Runtime) moduleLoader(name string, m Module) lua.LGFunction {
	return func(L *lua.LState) int {
		if i, ok := rt.mods.byName[name]; ok {
			L.Push(rt.mods.opened[i].value)
			return 1
		}
		v, err := m.Open(&Env{rt: rt, name: name})
		if err != nil {
			L.RaiseError("error loading module '%s': %v", name, err)
		}
		if v == nil {
			v = lua.LNil
		}
		if rt.mods.byName == nil {
			rt.mods.byName = map[string]int{}
		}
		rt.mods.byName[name] = len(rt.mods.opened)
		rt.mods.opened = append(rt.mods.opened, openedModule{name, m, v})
		L.Push(v)
		return 1
	}
}

// CloseModules closes the opened modules, the last opened first, and
// returns their errors joined, each naming its module. A module is closed
// once: a second CloseModules does nothing.
func (rt *Runtime) CloseModules() error {
	var errs []error
	for i := len(rt.mods.opened) - 1; i >= 0; i-- {
		om := rt.mods.opened[i]
		if c, ok := om.m.(ModuleCloser); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("module %s: %w", om.name, err))
			}
		}
	}
	rt.mods.opened, rt.mods.byName = nil, nil
	return errors.Join(errs...)
}

// Env is what a Module's Open is given: its name, the Lua state, the
// reactor and the doors into the loop. Everything but CallFromGoroutine,
// HoldPending's release and a Deferred's Resolve and Reject belongs to the
// loop's goroutine; an Env is valid as long as its Runtime.
type Env struct {
	rt   *Runtime
	name string
}

// Name is the name the module was required by.
func (e *Env) Name() string { return e.name }

// LState is the Lua state the module lives in.
func (e *Env) LState() *lua.LState { return e.rt.L }

// Reactor returns the reactor, installing the default kind if no script has
// asked for one yet.
func (e *Env) Reactor() (*reactor.Reactor, error) { return e.rt.Reactor() }

// CallFromGoroutine hands fn to the loop, which calls it with the Lua state
// at its next iteration, as a callback (its Lua errors are reported, the
// callbacks' limits apply). Safe for concurrent use; it never blocks. It
// fails with reactor.ErrNotRunning before the reactor is installed and once
// it has stopped.
func (e *Env) CallFromGoroutine(fn func(L *lua.LState)) error {
	return e.rt.CallFromGoroutine(fn)
}

// ReportError reports err as an unhandled error of the module, as callbacks'
// errors are (to the host's OnError, or standard error): for a failure no
// Lua code is there to receive. Call it on the loop's goroutine (from
// another, inside CallFromGoroutine).
func (e *Env) ReportError(err error) {
	if err == nil {
		return
	}
	e.rt.report(&CallbackError{Function: "module '" + e.name + "'", Message: err.Error()})
}

// HoldPending declares work that will come back to the loop from elsewhere
// (see reactor.HoldPending): until release is called the reactor is not
// idle, so a test runner's idle check does not end the run meanwhile. It
// installs the reactor if none is. Call release after the work's
// CallFromGoroutine, or once the work will not come.
func (e *Env) HoldPending() (release func(), err error) {
	r, err := e.rt.Reactor()
	if err != nil {
		return nil, err
	}
	return r.HoldPending(), nil
}

// CallFromGoroutine is Env.CallFromGoroutine, for the host.
func (rt *Runtime) CallFromGoroutine(fn func(L *lua.LState)) error {
	r := rt.Installed()
	if r == nil {
		return reactor.ErrNotRunning
	}
	return r.CallFromGoroutine(func() {
		if err := rt.PCallAsCallback(rt.L.NewFunction(func(L *lua.LState) int { fn(L); return 0 })); err != nil {
			rt.ReportError(err)
		}
	})
}
