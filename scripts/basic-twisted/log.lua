-- Some logging basics (Twisted's basic-twisted/log.py): log.msg is dropped
-- until start_logging installs a log file; then messages and errors are
-- written there with a timestamp, and an error's traceback is shown for a
-- caught error and for a Deferred's failure.
local log = require("log")
local defer = require("defer")

log.msg("This will not be logged, we have not installed a logger.")

log.start_logging(io.stdout)

log.msg("This will be logged.")
log.err("This will be logged as an error.")

local function bad_callback(result)
	return xxx.yyy -- xxx is not defined
end

-- Lua has no current exception to log: catch the error as a Failure, with
-- the traceback of where it was raised.
local ok, failure = xpcall(bad_callback, function(e)
	return defer.Failure(e, debug.traceback("", 2):gsub("^\n", ""))
end)
if not ok then
	log.err("The next function call will log the traceback as an error.")
	log.err(failure)
end

local d = defer.Deferred()

local function on_error(failure)
	log.err("The next function call will log the failure as an error.")
	log.err(failure)
end

d:add_callback(bad_callback)
d:add_errback(on_error)

d:callback(true)

log.msg("End of example.")
