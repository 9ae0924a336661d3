-- The Get Poetry Now! client, version 1.0 (twisted-client-1/get-poetry.py):
-- the reactor's low level. Each poem comes through a plain non-blocking
-- socket (require("socket"), luasocket's names) wrapped in a table with
-- fileno, do_read and connection_lost, handed to reactor.add_reader. do_read
-- returns CONNECTION_DONE at the end of the poem; the last socket to finish
-- stops the reactor. Not how to write a client (see get-poetry.lua): a
-- lesson in what the reactor does underneath.
--
--   loopscript scripts/get-poetry-1.lua 10000 10001 localhost:10002
local optparse = dofile((arg[0]:match("^.*/") or "") .. "lib/optparse.lua")
local protocol = require("protocol")
local socket = require("socket")

local parser = optparse.new{
  usage = [[
usage: %prog [options] [hostname]:port ...

This is the Get Poetry Now! client, loopscript version 1.0.
Run it like this:

  loopscript get-poetry-1.lua port1 port2 port3 ...

From the base directory of the loopscript repository you could run

  loopscript scripts/get-poetry-1.lua 10001 10002 10003

to grab poetry from servers on ports 10001, 10002, and 10003.

Of course, there need to be servers listening on those ports
for that to work.
]],
}

-- "[host:]port", the host 127.0.0.1 when it is left out.
local function parse_address(text)
  local host, port = text:match("^(.*):(.*)$")
  if not host then
    host, port = "127.0.0.1", text
  elseif host == "" then
    host = "127.0.0.1"
  end
  if not port:match("^%d+$") then
    parser:error("Ports must be integers.")
  end
  return {host = host, port = tonumber(port)}
end

local _, positional = parser:parse(arg)
if #positional == 0 then
  parser:print_help()
end
local addresses = {}
for i, text in ipairs(positional) do
  addresses[i] = parse_address(text)
end

local reactor = require("reactor")

local PoetrySocket = protocol.Class:extend{poem = ""}

function PoetrySocket:init(task_num, address)
  self.task_num = task_num
  self.address = address
  self.sock = socket.tcp()
  -- Connecting blocks, as in the original; only then does the socket go
  -- non-blocking for the reactor.
  local ok, err = self.sock:connect(address.host, address.port)
  if not ok then
    error(string.format("Task %d: cannot connect to %s: %s", task_num, self:format_addr(), err), 0)
  end
  self.sock:settimeout(0)
  self.chunks = {}
  reactor.add_reader(self) -- tell the reactor to watch this socket for reading
end

function PoetrySocket:fileno()
  return self.sock:getfd()
end

function PoetrySocket:connection_lost(reason)
  self.sock:close()
  reactor.remove_reader(self) -- stop watching it (already done: harmless)
  -- Any poetry sockets left?
  for _, reader in ipairs(reactor.get_readers()) do
    if PoetrySocket:is_instance(reader) then
      return
    end
  end
  reactor.stop() -- no more poetry
end

-- do_read takes what the socket has now; a nil return keeps the reader,
-- a reason ends it.
function PoetrySocket:do_read()
  local got, closed = {}, false
  while true do
    local data, err, partial = self.sock:receive(1024)
    data = data or partial
    if data and #data > 0 then
      got[#got + 1] = data
    end
    if err == "timeout" then
      break
    elseif err == "closed" then
      closed = true
      break
    elseif err then
      return protocol.CONNECTION_LOST
    end
  end
  local chunk = table.concat(got)
  if #chunk > 0 then
    print(string.format("Task %d: got %d bytes of poetry from %s", self.task_num, #chunk, self:format_addr()))
    self.chunks[#self.chunks + 1] = chunk
  end
  if closed then
    print(string.format("Task %d finished", self.task_num))
    self.poem = table.concat(self.chunks)
    return protocol.CONNECTION_DONE
  end
end

function PoetrySocket:log_prefix()
  return "poetry"
end

function PoetrySocket:format_addr()
  return string.format("%s:%d", self.address.host, self.address.port)
end

-- The poem's length in characters, as the original counts its decoded
-- text: UTF-8 continuation bytes (0x80-0xBF) are not characters. (Not
-- select(2, text:gsub(".", "")): gopher-lua's gsub copies the whole string
-- for each match, seconds for a 100 KiB poem.)
local function characters(text)
  local continuation = 0
  for run in text:gmatch("[\128-\191]+") do
    continuation = continuation + #run
  end
  return #text - continuation
end

-- Python's str(timedelta): H:MM:SS, then .ffffff unless it is zero.
local function format_elapsed(seconds)
  local us = math.floor(seconds * 1e6 + 0.5)
  local s = math.floor(us / 1e6)
  local text = string.format("%d:%02d:%02d", math.floor(s / 3600), math.floor(s / 60) % 60, s % 60)
  if us % 1e6 ~= 0 then
    text = text .. string.format(".%06d", us % 1e6)
  end
  return text
end

local start = reactor.seconds()
local sockets = {}
for i, address in ipairs(addresses) do
  sockets[i] = PoetrySocket(i, address)
end

reactor.run()

local elapsed = reactor.seconds() - start
for i, sock in ipairs(sockets) do
  print(string.format("Task %d: %d characters of poetry", i, characters(sock.poem)))
end
print(string.format("Got %d poems in %s", #addresses, format_elapsed(elapsed)))
