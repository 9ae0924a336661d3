---@meta log

---Logging as Twisted's twisted.python.log: UTC-stamped lines.
---
---```lua
---local log = require("log")
---log.start_logging(io.stdout)
---log.msg("listening on port", 8000)
---```
---@class log
local log = {}

---Logs its arguments, separated by spaces (dropped before start_logging).
---@param ... any
function log.msg(...) end

---Logs an error (a Failure, an error value or text) with an optional why.
---@param err any
---@param why? string
function log.err(err, why) end

---Starts logging to file (io.stdout or anything with :write); logs `Log opened.`
---@param file file*|{write: function}
function log.start_logging(file) end

return log
