package host

import (
	"fmt"
	"maps"
	"slices"

	"github.com/loopscript/loopscript/luabind"
	lua "github.com/yuin/gopher-lua"
)

// A Module is a Lua module written in Go, registered on one host
// (Options.Modules, AddModule; never a global registry). Its lifecycle:
//
//  1. Registering it costs nothing until a script requires it.
//  2. The first require(name) calls Open once, on the loop's goroutine,
//     with an Env for this host; require returns the value Open returns
//     (nil makes it true, as for a Lua module). A later require, even
//     after package.loaded[name] was cleared, returns the same value: a
//     module is opened at most once per host. An error from Open is raised
//     at the require as "error loading module 'name': ERROR", and the
//     module counts as not opened: as in Lua 5.1, a second require fails
//     ("loop or previous error loading module"), but one after the script
//     sets package.loaded[name] = nil calls Open again.
//  3. Host.Close calls Close on each opened module that implements
//     ModuleCloser, the last opened first, after the reactor has stopped
//     and before the Lua state is released; their errors come back from
//     Host.Close joined, each naming its module.
//
// Every module of loopscript's own (reactor, task, socket, stdio, the
// *reactor installers and the modules written in Lua: errors, protocol,
// basic, defer, testing, utils, endpoints, log) is built on the same
// interface.
type Module = luabind.Module

// A ModuleCloser is a Module with something to release when the host
// closes: goroutines, files, connections.
type ModuleCloser = luabind.ModuleCloser

// ModuleFunc makes a function a Module without a Close.
type ModuleFunc = luabind.ModuleFunc

// Env is what a Module's Open is given: its name, the Lua state, the
// reactor, CallFromGoroutine, ReportError (to Options.OnError), HoldPending
// and NewDeferred. Only CallFromGoroutine, a hold's release and a
// Deferred's Resolve, ResolveFunc and Reject may be called from other
// goroutines.
type Env = luabind.Env

// A Deferred is a Lua Deferred made by Go (Env.NewDeferred), fired from any
// goroutine through the loop: Value goes to the script, Resolve or Reject
// fire it. It counts as pending work for the reactor until fired.
type Deferred = luabind.Deferred

// ErrAlreadyFired is returned by a Deferred's Resolve, ResolveFunc or Reject
// after the first of them.
var ErrAlreadyFired = luabind.ErrAlreadyFired

// Interface guards: a Plugin's loader is a Module.
var _ Module = loaderModule(nil)

// AddModule makes m requirable as name (see Module for when it opens and
// closes). A name already taken by a loopscript module, a plugin or
// another module is refused.
func (h *Host) AddModule(name string, m Module) error {
	if !moduleName().MatchString(name) {
		return fmt.Errorf("%w %q", ErrPluginName, name)
	}
	if h.names[name] {
		return fmt.Errorf("%w: %q", ErrPluginExists, name)
	}
	if m == nil {
		return fmt.Errorf("module %q is nil", name)
	}
	h.names[name] = true
	h.rt.AddModule(name, m)
	return nil
}

// addModules adds Options.Modules in the order of their names, so that the
// error New returns for several bad ones is always the same.
func (h *Host) addModules(mods map[string]Module) error {
	for _, name := range slices.Sorted(maps.Keys(mods)) {
		if err := h.AddModule(name, mods[name]); err != nil {
			return err
		}
	}
	return nil
}

// loaderModule is a Plugin's Loader seen as a Module: Open calls it as
// require calls a loader, with the module's name.
type loaderModule lua.LGFunction

func (f loaderModule) Open(env *Env) (lua.LValue, error) {
	L := env.LState()
	L.Push(L.NewFunction(lua.LGFunction(f)))
	L.Push(lua.LString(env.Name()))
	L.Call(1, 1) // a Lua error goes on to the require, as from any loader
	v := L.Get(-1)
	L.Pop(1)
	return v, nil
}
