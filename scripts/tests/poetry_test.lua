-- tests/test_poetry.py of twisted-intro, on loopscript test: a poetry
-- server listens on a free port before each test, and get_poetry fetches
-- the poem from it (the test returns the Deferred, the runner waits for
-- it); a connect to a port where nothing listens fails with a ConnectError
-- (assert_failure). As in the original, the classes under test are copied
-- here to keep the example self-contained.
--
--   loopscript test scripts/tests

local defer = require("defer")
local errors = require("errors")
local protocol = require("protocol")
local reactor = require("reactor")

local PoetryServerProtocol = protocol.Protocol:extend()

function PoetryServerProtocol:connection_made()
  self.transport:write(self.factory.poem)
  self.transport:lose_connection()
end

local PoetryServerFactory = protocol.ServerFactory:extend{protocol = PoetryServerProtocol}

function PoetryServerFactory:init(poem)
  self.poem = poem
end

local PoetryClientProtocol = protocol.Protocol:extend{poem = ""}

function PoetryClientProtocol:data_received(data)
  self.poem = self.poem .. data
end

function PoetryClientProtocol:connection_lost(reason)
  self:poem_received(self.poem)
end

function PoetryClientProtocol:poem_received(poem)
  self.factory:poem_finished(poem)
end

local PoetryClientFactory = protocol.ClientFactory:extend{protocol = PoetryClientProtocol}

function PoetryClientFactory:init()
  self.deferred = defer.Deferred()
end

function PoetryClientFactory:poem_finished(poem)
  if self.deferred ~= nil then
    local d = self.deferred
    self.deferred = nil
    d:callback(poem)
  end
end

function PoetryClientFactory:client_connection_failed(connector, reason)
  if self.deferred ~= nil then
    local d = self.deferred
    self.deferred = nil
    d:errback(reason)
  end
end

local function get_poetry(host, port)
  local factory = PoetryClientFactory()
  reactor.connect_tcp(host, port, factory)
  return factory.deferred
end

-- The ellipsis is the original's non-ASCII character, in UTF-8.
local TEST_POEM = "This is a test.\nThis is only a test.\n\226\128\166"

local port, portnum

before_each(function()
  local factory = PoetryServerFactory(TEST_POEM)
  port = reactor.listen_tcp(0, factory, {interface = "127.0.0.1"})
  portnum = port:get_host().port
end)

after_each(function()
  local p = port
  port = nil
  return p:stop_listening()
end)

test("client: the correct poem is returned by get_poetry", function()
  local d = get_poetry("127.0.0.1", portnum)
  d:add_callback(function(poem)
    assert_eq(poem, TEST_POEM)
  end)
  return d
end)

-- Twisted connects to port 0, which Linux refuses; loopscript's connect_tcp
-- takes ports 1-65535 only, so this connects to a port that was just closed.
test("failure: get_poetry fails with a ConnectError when no server listens", function()
  local closed = reactor.listen_tcp(0, protocol.ServerFactory(), {interface = "127.0.0.1"})
  local closed_port = closed:get_host().port
  closed:stop_listening()
  local d = get_poetry("127.0.0.1", closed_port)
  return assert_failure(d, errors.ConnectError)
end)
