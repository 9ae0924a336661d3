// Package host is loopscript's embedding API: a Go program builds a Host with
// Options, adds its own Lua modules as Plugins, and runs scripts on a reactor.
// Errors come back as Go values; errors raised inside callbacks are reported
// (to Options.OnError or standard error) and the loop goes on.
//
// The life of a Host:
//
//  1. New(opts) creates the Lua state and makes the loopscript modules
//     (reactor, task, selectreactor, pollreactor, epollreactor) and the
//     plugins requirable. Nothing is global but the standard library.
//  2. AddPlugin adds more modules; Install may pick the reactor kind.
//  3. RunFile, RunString or RunReader run a chunk on the calling goroutine.
//     A script that calls reactor.run() returns when the reactor stops.
//  4. Close releases the Lua state and the reactor's descriptors.
//
// A Host is not safe for concurrent use, with one exception:
// CallFromGoroutine, the one way for other goroutines to reach the Lua state.
package host
