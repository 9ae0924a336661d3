---@meta defer

---Deferreds as Twisted's twisted.internet.defer 22.4 (indices 1-based), and
---inline callbacks: straight-line code that waits.
---
---```lua
---local reactor, defer, task = require("reactor"), require("defer"), require("task")
---local d = defer.Deferred()
---d:add_callback(function(n) return n * 2 end)
---d:add_callback(function(n) assert(n == 42) end)
---d:callback(21)
---
---local main = defer.inline_callbacks(function()
---  local v = defer.await(task.defer_later(0.01, function() return "later" end))
---  assert(v == "later")
---end)
---main():add_both(function(result)
---  reactor.stop()
---  return result -- a failure goes on, to be reported
---end)
---reactor.run()
---```
---@class defer
---The reason object (the same as `errors.Failure`).
---@field Failure FailureClass
---What a cancelled Deferred fails with.
---@field CancelledError ErrorClass
---What a second fire raises.
---@field AlreadyCalledError ErrorClass
---What `add_timeout` makes a Deferred fail with (not `errors.TimeoutError`).
---@field TimeoutError ErrorClass
---A DeferredList's `fire_on_one_errback` failure (`index`, `sub_failure`).
---@field FirstError ErrorClass
local defer = {}

---A new Deferred; `canceller(d)` runs on `d:cancel()`.
---@param canceller? fun(d: Deferred)
---@return Deferred
function defer.Deferred(canceller) end

---A Deferred that has fired with v.
---@param v any
---@return Deferred
function defer.succeed(v) end

---A Deferred that has failed with err.
---@param err any
---@return Deferred
function defer.fail(err) end

---fn(...)'s result (or error) as a Deferred.
---@param fn Callable
---@param ... any
---@return Deferred
function defer.maybe_deferred(fn, ...) end

---A Deferred of `{{true, v} or {false, failure}, ...}` in list order.
---@param list Deferred[]
---@param opts? {fire_on_one_callback?: boolean, fire_on_one_errback?: boolean, consume_errors?: boolean}
---@return Deferred
function defer.DeferredList(list, opts) end

---A Deferred of the values, or a FirstError.
---@param list Deferred[]
---@param opts? {consume_errors?: boolean}
---@return Deferred
function defer.gather_results(list, opts) end

---A new error class, whose instances `C(message)` print as `NAME: message`.
---@param name string
---@param parent? ErrorClass
---@param default_message? string
---@param bare? boolean
---@return ErrorClass
function defer.error_class(name, parent, default_message, bare) end

---Wraps fn: calling the result runs fn in a coroutine up to its first wait
---and returns a Deferred of what fn returns.
---@param fn function
---@return fun(...): Deferred
function defer.inline_callbacks(fn) end

---Inside an inline_callbacks function: d's result, or raises its Failure.
---@param d Deferred|any
---@return any
function defer.await(d) end

---A result to come, with a chain of callbacks and errbacks.
---@class Deferred
---`true` once fired (read live).
---@field called boolean
---The current result (read live).
---@field result any
---The pause counter (read live).
---@field paused integer
local Deferred = {}

---Adds a callback, `fn(result, ...)`; returns d.
---@param fn Callable
---@param ... any
---@return Deferred self
function Deferred:add_callback(fn, ...) end

---Adds an errback, `fn(failure, ...)`; returns d.
---@param fn Callable
---@param ... any
---@return Deferred self
function Deferred:add_errback(fn, ...) end

---Adds fn as callback and errback; returns d.
---@param fn Callable
---@param ... any
---@return Deferred self
function Deferred:add_both(fn, ...) end

---Adds a callback and an errback pair; returns d.
---@param cb Callable?
---@param eb Callable?
---@param opts? {callback_args?: any[], errback_args?: any[]}
---@return Deferred self
function Deferred:add_callbacks(cb, eb, opts) end

---Fires with v (a Failure acts as errback).
---@param v any
function Deferred:callback(v) end

---Fails with err (any value but nil).
---@param err any
function Deferred:errback(err) end

---Increments the pause counter.
function Deferred:pause() end

---Decrements the pause counter, running the chain at 0.
function Deferred:unpause() end

---Runs the canceller, then errbacks with CancelledError unless it fired d.
function Deferred:cancel() end

---d's results go on to d2.
---@param d2 Deferred
---@return Deferred self
function Deferred:chain_deferred(d2) end

---Cancels d after `seconds` (on the reactor, or clock).
---@param seconds number
---@param clock? Clock
---@return Deferred self
function Deferred:add_timeout(seconds, clock) end

return defer
