package luabind

import (
	"path/filepath"
	"testing"
)

// stop_listening returns a Deferred that has fired, with nil, by the time
// it returns: the port is closed and the factory stopped inside the call.
// A second call returns another fired Deferred. Before, it returned
// nothing, so every case here failed on "Deferred expected".
func TestStopListeningReturnsAFiredDeferred(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	const check = `
-- report says what stop_listening returned and what the port looked like
-- when its Deferred's callback ran.
function report(port, d, what)
  if getmetatable(d) == nil or type(d.called) ~= "boolean" then print(what, "Deferred expected, got " .. type(d)) return end
  d:add_callback(function(v) print(what, "fired", tostring(v), tostring(port):find("not listening") ~= nil or tostring(port):find("stopped") ~= nil) end)
end
F = protocol.ServerFactory:extend()
function F:stop_factory() print("stop_factory") end
`
	runAsyncCases(t, []asyncCase{
		{name: "tcp", code: check + `
local port = reactor.listen_tcp(0, F(), {interface = "127.0.0.1"})
report(port, port:stop_listening(), "first")
report(port, port:stop_listening(), "second")`, want: "stop_factory\nfirst\tfired\tnil\ttrue\nsecond\tfired\tnil\ttrue\n"},
		{name: "unix", code: check + `
local port = reactor.listen_unix(` + luaQuote(sock) + `, F())
report(port, port:stop_listening(), "first")
report(port, port:stop_listening(), "second")`, want: "stop_factory\nfirst\tfired\tnil\ttrue\nsecond\tfired\tnil\ttrue\n"},
		{name: "udp", code: check + `
local P = protocol.DatagramProtocol:extend()
function P:stop_protocol() print("stop_protocol") end
local port = reactor.listen_udp(0, P(), {interface = "127.0.0.1"})
report(port, port:stop_listening(), "first")
report(port, port:stop_listening(), "second")
report(port, port:lose_connection(), "lose_connection")`, want: "stop_protocol\nfirst\tfired\tnil\ttrue\nsecond\tfired\tnil\ttrue\nlose_connection\tfired\tnil\ttrue\n"},
		{name: "do_stop's error still reaches the caller", code: `
local f = protocol.ServerFactory()
function f:stop_factory() error("in stop", 0) end
local port = reactor.listen_tcp(0, f, {interface = "127.0.0.1"})
print(pcall(port.stop_listening, port))
print(port:stop_listening().called)`, want: "false\tin stop\ntrue\n"},
		{name: "a script chains on it", code: `
local port = reactor.listen_tcp(0, protocol.ServerFactory(), {interface = "127.0.0.1"})
local d = port:stop_listening():add_callback(function() return "after close" end)
d:add_callback(print)`, want: "after close\n"},
	})
}
