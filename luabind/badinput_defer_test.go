package luabind

import "testing"

// Bad input at the defer module and Deferred methods. A NaN reads "-nan"
// in messages made in Lua, as tostring(0/0) does in gopher-lua and lua5.1.
func TestBadInputDefer(t *testing.T) {
	runBadInputCases(t, []badInputCase{
		{name: "add_timeout's clock", code: `
local defer, task = require("defer"), require("task")
local d = defer.Deferred()
try(d.add_timeout, d, 1, 5)
try(d.add_timeout, d, 1, "reactor")
try(d.add_timeout, d, 1, {})
try(d.add_timeout, d, 1, {call_later = 5})
try(d.add_timeout, d, 1, setmetatable({}, {__index = function() error("strict") end}))
try(d.add_timeout, d, 0/0)
try(d.add_timeout, 1)
local clock = task.clock()
try(function() return d:add_timeout(1, clock) == d end)
clock:advance(2)
print(d.result.type)
try(function() d:add_timeout(1, reactor) end)`, want: `bad argument #2 to 'add_timeout' (clock expected (the reactor or a task.clock()), got number)
bad argument #2 to 'add_timeout' (clock expected (the reactor or a task.clock()), got string)
bad argument #2 to 'add_timeout' (clock expected (the reactor or a task.clock()), got table)
bad argument #2 to 'add_timeout' (clock expected (the reactor or a task.clock()), got table)
bad argument #2 to 'add_timeout' (clock expected (the reactor or a task.clock()), got table)
bad argument #1 to 'add_timeout' (non-negative finite number expected, got -nan)
bad argument #1 to 'add_timeout' (Deferred expected, got number; use d:add_timeout, not d.add_timeout)
ok true
TimeoutError
ok
`},
		{name: "Deferred methods with wrong self and arguments", code: `
local defer = require("defer")
local d = defer.Deferred()
try(d.add_callback, print)
try(d.add_callback, d, 5)
try(d.add_callbacks, d, print, "x")
try(d.callback)
try(d.errback, d)
try(d.chain_deferred, d, {})
try(d.chain_deferred, d, d)
try(defer.DeferredList, {d, 5})
try(defer.DeferredList, {}, {consume = true})
try(defer.gather_results, "x")
try(defer.fail)
try(defer.maybe_deferred, 5)
try(defer.Deferred, 5)
d:callback(1)
try(d.callback, d, 2)
try(d.errback, d, "x")
try(d.cancel, d)
try(defer.succeed(1).unpause)`, want: `bad argument #1 to 'add_callback' (Deferred expected, got function; use d:add_callback, not d.add_callback)
bad argument #1 to 'add_callback' (function expected, got number)
bad argument #2 to 'add_callbacks' (function or nil expected, got string)
bad argument #1 to 'callback' (Deferred expected, got nil; use d:callback, not d.callback)
bad argument #1 to 'errback' (error value expected, got no value)
bad argument #1 to 'chain_deferred' (Deferred expected, got table)
ok <Deferred at ADDR waiting on Deferred at ADDR>
bad argument #1 to 'DeferredList' (list of Deferreds expected, item 2 is a number)
bad argument #2 to 'DeferredList' (unknown option 'consume')
bad argument #1 to 'gather_results' (table expected, got string)
bad argument #1 to 'fail' (error value expected, got no value)
bad argument #1 to 'maybe_deferred' (function expected, got number)
bad argument #1 to 'Deferred' (function expected, got number)
AlreadyCalledError
AlreadyCalledError
ok
bad argument #1 to 'unpause' (Deferred expected, got nil; use d:unpause, not d.unpause)
`},
	})
}
