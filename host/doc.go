// Package host is loopscript's embedding API: a Go program builds a Host with
// Options, adds its own Lua modules (Module, or the older Plugin), and runs
// scripts on a reactor. Errors come back as Go values; errors raised inside
// callbacks are reported (to Options.OnError or standard error) and the loop
// goes on.
//
// The life of a Host:
//
//  1. New(opts) creates the Lua state and makes the loopscript modules
//     (reactor, task, defer, protocol, ...) and opts.Plugins and
//     opts.Modules requirable. Nothing is global but the standard library.
//  2. AddModule (or AddPlugin) adds more modules; Install may pick the
//     reactor kind.
//  3. RunFile, RunString or RunReader run a chunk on the calling goroutine.
//     A script that calls reactor.run() returns when the reactor stops.
//  4. Close closes the modules that were opened, the last opened first,
//     then releases the reactor's descriptors and the Lua state.
//
// What a host does once, whatever the number of chunks it runs: it installs
// one reactor (on the first require("reactor"), Reactor or Install), and that
// reactor runs at most once (a second reactor.run() fails: "reactor not
// restartable"); each module is opened at most once, on its first require,
// and its value is shared by every chunk; each opened module is closed once,
// by Close. Chunks share the globals and package.loaded.
//
// A Host is not safe for concurrent use, with these exceptions:
// CallFromGoroutine (and Env.CallFromGoroutine), the one way for other
// goroutines to reach the Lua state, and the Resolve, ResolveFunc and Reject
// of a Deferred made by Env.NewDeferred.
package host
