-- spawn.lua: run a command without blocking the reactor, as the tutorial
-- advises instead of os.execute. os.execute would hold the loop until the
-- command ends, and every timer would wait with it; reactor.spawn_process
-- starts the command and returns at once, and a ProcessProtocol receives
-- its output and its exit status as events while a timer keeps ticking.
-- When the command has ended, the script prints its exit code and all it
-- printed, and stops. Run another command with its arguments:
--   loopscript scripts/spawn.lua ls -l /
local reactor = require("reactor")
local protocol = require("protocol")
local task = require("task")

-- The command and its arguments; args[1] is the program's own name
-- (argv[0]), looked up in PATH when it has no slash.
local command = {...}
if #command == 0 then
  command = {"sh", "-c", "echo one; sleep 0.5; echo two; exit 3"}
end

local start = reactor.seconds()
local ticks = 0
local ticker = task.looping_call(function()
  ticks = ticks + 1
  print("tick " .. ticks)
end)

-- Collector gathers what the command prints, showing each line as it
-- arrives, and reports once the command has ended.
local Collector = protocol.ProcessProtocol:extend()

function Collector:init()
  self.output = {}
  self.partial = "" -- the start of a line whose end has not come yet
end

function Collector:connection_made()
  -- The command only reads what we write; it gets nothing here.
  self.transport:close_stdin()
end

function Collector:out_received(data)
  self.output[#self.output + 1] = data
  local text = self.partial .. data
  for line in text:gmatch("([^\n]*)\n") do
    print("the command says: " .. line)
  end
  self.partial = text:match("[^\n]*$")
end

-- out_connection_lost: the command's output has ended; a last line
-- without its newline is shown too.
function Collector:out_connection_lost()
  if self.partial ~= "" then
    print("the command says: " .. self.partial)
  end
end

function Collector:err_received(data)
  io.stderr:write(data)
end

-- process_ended comes last: the command has exited and all its output is in.
function Collector:process_ended(reason)
  ticker:stop()
  local status = reason.value
  local how = status.exit_code and ("exit code " .. status.exit_code) or ("signal " .. status.signal)
  print(string.format("the command ended with %s after %.1f s; the timer ticked %d times meanwhile",
    how, reactor.seconds() - start, ticks))
  local output = table.concat(self.output)
  if output ~= "" and output:sub(-1) ~= "\n" then
    output = output .. "\n"
  end
  io.write("its whole output:\n", output)
  reactor.stop()
end

-- quoted is a word as a shell would need it, for showing the command.
local function quoted(word)
  if word:match("^[%w%-_./=:]+$") then
    return word
  end
  return "'" .. word:gsub("'", "'\\''") .. "'"
end

local shown = {}
for i, word in ipairs(command) do
  shown[i] = quoted(word)
end
print("Start! running: " .. table.concat(shown, " "))
reactor.spawn_process(Collector(), command[1], command)
ticker:start(0.1)
reactor.run()
print("Stop!")
