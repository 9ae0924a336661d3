-- stdio-echo.lua: standard input and output on the reactor, as Twisted's
-- stdio.StandardIO. Each line read from stdin comes back on stdout with its
-- number, written by the transport without blocking the loop. The end of
-- stdin (Ctrl-D at a terminal, the end of a pipe or a file) ends the
-- connection: everything written reaches stdout first (Twisted 22.4 would
-- drop what is still buffered), then connection_lost prints a summary.
--   printf 'a\nb\n' | loopscript scripts/stdio-echo.lua
--   loopscript scripts/stdio-echo.lua </dev/null
local reactor = require("reactor")
local protocol = require("protocol")
local stdio = require("stdio")

local Echo = protocol.Protocol:extend()

function Echo:connection_made()
  self.pending, self.lines = "", 0
  self.transport:write("echo: type lines, end with Ctrl-D\n")
end

-- data_received gets chunks as they come, not lines: a line may arrive in
-- pieces, and one chunk may hold many lines.
function Echo:data_received(data)
  self.pending = self.pending .. data
  local start = 1
  while true do
    local nl = self.pending:find("\n", start, true)
    if not nl then
      break
    end
    self.lines = self.lines + 1
    self.transport:write(self.lines .. ": " .. self.pending:sub(start, nl))
    start = nl + 1
  end
  self.pending = self.pending:sub(start)
end

function Echo:connection_lost(reason)
  -- The transport is closed now: print writes what is left, after all the
  -- transport wrote.
  if self.pending ~= "" then
    print("unfinished last line: " .. self.pending)
  end
  print(self.lines .. " lines; stdin closed: " .. reason:get_error_message())
  reactor.stop()
end

stdio.StandardIO(Echo())
reactor.run()
