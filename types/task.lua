---@meta task

---Timed work: LoopingCalls, delayed Deferreds and a manual clock for tests.
---
---```lua
---local reactor, task = require("reactor"), require("task")
---local ticks = 0
---local loop = task.looping_call(function()
---  ticks = ticks + 1
---  if ticks == 3 then reactor.stop() end
---end)
---loop:start(0.01) -- the first call happens now, inside start
---reactor.run()
---assert(ticks == 3)
---
----- A manual clock stands still until advanced: no waiting in tests.
---local clock = task.clock()
---local fired = false
---clock:call_later(60, function() fired = true end)
---clock:advance(60)
---assert(fired)
---```
---@class task
local task = {}

---A stopped LoopingCall that will call `fn(...)`.
---@param fn Callable
---@param ... any passed on to fn
---@return LoopingCall
function task.looping_call(fn, ...) end

---A stopped LoopingCall calling `fn(count)`, count being the number of
---intervals since its previous call (1 when on time, never 0).
---@param fn fun(count: integer)
---@return LoopingCall
function task.looping_call_with_count(fn) end

---A Deferred that fires with `fn(...)`'s result after `seconds` (on the
---reactor, or on `clock` when given first); cancelling it first stops the call.
---@param clock_or_seconds Clock|number
---@param seconds_or_fn number|Callable
---@param ... any fn and its arguments
---@return Deferred
function task.defer_later(clock_or_seconds, seconds_or_fn, ...) end

---A manual clock, as Twisted's task.Clock: its time stands still until advanced.
---@return Clock
function task.clock() end

---A call repeated every interval, anchored to its start time.
---@class LoopingCall
---`true` while started (read live).
---@field running boolean
---The interval in seconds; nil before the first start (read live).
---@field interval number?
local LoopingCall = {}

---Calls every `interval` seconds (0: every iteration); with `now` (default
---true) the first call happens inside `start`.
---@param interval number
---@param now? boolean
---@return LoopingCall self
function LoopingCall:start(interval, now) end

---No more calls; a stopped LoopingCall can be started again.
function LoopingCall:stop() end

---A manual clock for tests, from `task.clock()`.
---@class Clock
local Clock = {}

---Schedules `fn(...)` on this clock.
---@param seconds number
---@param fn Callable
---@param ... any passed on to fn
---@return DelayedCall
function Clock:call_later(seconds, fn, ...) end

---The clock's time, starting at 0.
---@return number
function Clock:seconds() end

---Moves the clock forward, then runs every call now due, earliest first.
---@param seconds number
function Clock:advance(seconds) end

---`advance(d1)`, then `advance(d2)`, ...
---@param steps number[]
function Clock:pump(steps) end

---How many calls are waiting.
---@return integer
function Clock:pending() end

---A LoopingCall driven by this clock.
---@param fn Callable
---@param ... any passed on to fn
---@return LoopingCall
function Clock:looping_call(fn, ...) end

---A LoopingCall with count driven by this clock.
---@param fn fun(count: integer)
---@return LoopingCall
function Clock:looping_call_with_count(fn) end

return task
