---@meta utils

---Running programs without blocking, as twisted.internet.utils.
---
---```lua
---local reactor, utils = require("reactor"), require("utils")
---utils.get_process_output("/bin/echo", {"hello"}):add_callback(function(out)
---  assert(out == "hello\n")
---end):add_both(function(result)
---  reactor.stop()
---  return result -- a failure goes on, to be reported
---end)
---reactor.run()
---```
---@class utils
---The base class of UnexpectedErrorOutput.
---@field IOError ErrorClass
---What output on stderr fails the Deferred with, without errortoo (`text`, `process_ended`).
---@field UnexpectedErrorOutput ErrorClass
local utils = {}

---A Deferred of the program's stdout; args leave argv[0] out.
---@param executable string
---@param args? string[]
---@param opts? {env?: table<string, string>, path?: string, errortoo?: boolean}
---@return Deferred
function utils.get_process_output(executable, args, opts) end

---A Deferred of the exit code (nil if killed by a signal).
---@param executable string
---@param args? string[]
---@param opts? {env?: table<string, string>, path?: string}
---@return Deferred
function utils.get_process_value(executable, args, opts) end

---A Deferred of `{out, err, code}` (with `signal = N` and code nil when killed).
---@param executable string
---@param args? string[]
---@param opts? {env?: table<string, string>, path?: string}
---@return Deferred
function utils.get_process_output_and_value(executable, args, opts) end

return utils
