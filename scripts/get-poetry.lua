-- The Get Poetry Now! client, version 2.0 (twisted-client-2/get-poetry.py):
-- a Protocol and a ClientFactory. One factory connects to every server at
-- once; it numbers each connection as it is made (build_protocol), the
-- protocol collects the poem and tells the factory when its connection is
-- lost, a failed connection counts as done, and the last one stops the
-- reactor.
--
--   loopscript scripts/get-poetry.lua 10000 10001 localhost:10002
local optparse = dofile((arg[0]:match("^.*/") or "") .. "lib/optparse.lua")
local protocol = require("protocol")

local parser = optparse.new{
  usage = [[
usage: %prog [options] [hostname]:port ...

This is the Get Poetry Now! client, loopscript version 2.0.
Run it like this:

  loopscript get-poetry.lua port1 port2 port3 ...

From the base directory of the loopscript repository you could run

  loopscript scripts/get-poetry.lua 10001 10002 10003

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

local PoetryProtocol = protocol.Protocol:extend{task_num = 0}

function PoetryProtocol:init()
  self.chunks = {}
end

function PoetryProtocol:data_received(data)
  self.chunks[#self.chunks + 1] = data
  print(string.format("Task %d: got %d bytes of poetry from %s",
    self.task_num, #data, tostring(self.transport:get_peer())))
end

function PoetryProtocol:connection_lost(reason)
  self:poem_received(table.concat(self.chunks))
end

function PoetryProtocol:poem_received(poem)
  self.factory:poem_finished(self.task_num, poem)
end

local PoetryClientFactory = protocol.ClientFactory:extend{protocol = PoetryProtocol}

function PoetryClientFactory:init(poetry_count)
  self.task_num = 1
  self.poetry_count = poetry_count
  self.poems = {} -- task number -> poem
  self.finished = {} -- task numbers, in the order their poems ended
end

function PoetryClientFactory:build_protocol(address)
  local proto = protocol.ClientFactory.build_protocol(self, address)
  proto.task_num = self.task_num
  self.task_num = self.task_num + 1
  return proto
end

-- poem_finished is called once per server: with the poem, or with nothing
-- when the connection failed.
function PoetryClientFactory:poem_finished(task_num, poem)
  if task_num ~= nil then
    self.poems[task_num] = poem
    self.finished[#self.finished + 1] = task_num
  end
  self.poetry_count = self.poetry_count - 1
  if self.poetry_count == 0 then
    self:report()
    reactor.stop()
  end
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

function PoetryClientFactory:report()
  for _, i in ipairs(self.finished) do
    print(string.format("Task %d: %d characters of poetry", i, characters(self.poems[i])))
  end
end

function PoetryClientFactory:client_connection_failed(connector, reason)
  print("Failed to connect to: " .. tostring(connector:get_destination()))
  self:poem_finished()
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
local factory = PoetryClientFactory(#addresses)
for _, address in ipairs(addresses) do
  reactor.connect_tcp(address.host, address.port, factory)
end

reactor.run()

print(string.format("Got %d poems in %s", #addresses, format_elapsed(reactor.seconds() - start)))
