// Package luabind puts a reactor into a gopher-lua state: the Lua modules
// "reactor", "task", "selectreactor", "pollreactor" and "epollreactor",
// argument checks whose messages read like Lua's own, and the report of an
// error a callback raised (its name, where it was defined, the message and a
// Lua traceback).
//
// A Runtime belongs to one *lua.LState and is used only on the goroutine that
// runs it: gopher-lua states are not safe for concurrent use. The reactor
// itself, the one singleton a script sees, is created by whichever comes
// first: require("reactor"), *reactor.install(), task.looping_call (or
// looping_call_with_count), or Go calling Runtime.Reactor or Install.
package luabind
