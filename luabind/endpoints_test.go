package luabind

import (
	"errors"
	"strings"
	"testing"
)

// endpointPrelude: Echo, a server protocol that echoes; Client, which
// sends "ping" and closes on the reply; closed_port(), a port nothing
// listens on.
const endpointPrelude = `
Echo = protocol.Protocol:extend()
function Echo:data_received(d) self.transport:write(d) end
server = protocol.ServerFactory() server.protocol = Echo
Client = protocol.Protocol:extend()
function Client:connection_made() self.transport:write("ping") end
function Client:data_received(d) print("client got", d) self.transport:lose_connection() end
function Client:connection_lost(r) print("client lost", r.type) end
client = protocol.ClientFactory() client.protocol = Client
function closed_port()
  local p = reactor.listen_tcp(0, protocol.ServerFactory(), {interface = "127.0.0.1"})
  local n = p:get_host().port
  p:stop_listening()
  return n
end
`

func TestEndpoints(t *testing.T) {
	refuse := Config{AllowIO: func(q IORequest) error {
		return errors.New("not allowed in the sandbox (" + string(q.Kind) + ")")
	}}
	cases := []asyncCase{
		{name: "listen and connect", code: `
local d = endpoints.TCP4ServerEndpoint(reactor, 0, {interface = "127.0.0.1"}):listen(server):add_callback(function(port)
  print("listening", port:get_host().host)
  return endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port:get_host().port):connect(client):add_callback(function(p)
    print("connected", Client:is_instance(p), p.transport ~= nil)
    local done = defer.Deferred()
    reactor.call_later(0.3, function() done:callback(port) end)
    return done
  end)
end):add_callback(function(port) return port:stop_listening() end)
finish(d)
reactor.run()`, want: "listening\t127.0.0.1\nconnected\ttrue\ttrue\nclient got\tping\nclient lost\tConnectionDone\n"},
		{name: "all interfaces by default", code: `
finish(endpoints.TCP4ServerEndpoint(reactor, 0):listen(server):add_callback(function(port)
  print(port:get_host().host)
  return port:stop_listening()
end))
reactor.run()`, want: "0.0.0.0\n"},
		{name: "refused", code: `
finish(endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", closed_port(), {timeout = 5}):connect(client):add_errback(function(f)
  print(f.type, f:check("ConnectError"))
end))
reactor.run()`, want: "ConnectionRefusedError\tConnectError\n"},
		{name: "listen on a port in use", code: `
local first = reactor.listen_tcp(0, server, {interface = "127.0.0.1"})
finish(endpoints.TCP4ServerEndpoint(reactor, first:get_host().port, {interface = "127.0.0.1", backlog = 5}):listen(server):add_errback(function(f)
  print(f.type, f.value.errno ~= nil)
end))
reactor.run()`, want: "CannotListenError\ttrue\n"},
		{name: "cancel stops connecting", code: `
local f = protocol.ClientFactory()
f.protocol = Client
function f:client_connection_failed() print("the factory is not told") end
local d = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", closed_port()):connect(f)
d:cancel()
d:add_errback(function(f) print(f.type, f:check(defer.CancelledError) == defer.CancelledError, f:get_error_message()) end)
reactor.call_later(0.2, reactor.stop)
reactor.run()`, want: "ConnectingCancelledError\ttrue\tConnecting to 127.0.0.1:" + "PORT was cancelled.\n"},
		{name: "connect_protocol", code: `
local port = reactor.listen_tcp(0, server, {interface = "127.0.0.1"})
local mine = Client()
finish(endpoints.connect_protocol(endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port:get_host().port), mine):add_callback(function(p)
  print(p == mine)
  local done = defer.Deferred()
  reactor.call_later(0.3, function() done:callback() end)
  return done
end))
reactor.run()`, want: "true\nclient got\tping\nclient lost\tConnectionDone\n"},
		{name: "build_protocol returning nil", code: `
local port = reactor.listen_tcp(0, server, {interface = "127.0.0.1"})
local f = protocol.ClientFactory()
function f:build_protocol() return nil end
finish(endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port:get_host().port):connect(f):add_errback(function(f) print(f.type) end))
reactor.run()`, want: "NoProtocol\n"},
		{name: "build_protocol raising", code: `
local port = reactor.listen_tcp(0, server, {interface = "127.0.0.1"})
local f = protocol.ClientFactory()
function f:build_protocol() error("no build", 0) end
finish(endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port:get_host().port):connect(f):add_errback(function(f)
  print(f:get_error_message(), f.traceback ~= nil)
end))
reactor.run()`, want: "no build\ttrue\n"},
		{name: "make_connection raising fails the Deferred", code: `
local port = reactor.listen_tcp(0, server, {interface = "127.0.0.1"})
local P = protocol.Protocol:extend()
function P:connection_made() error("not today", 0) end
local f = protocol.ClientFactory() f.protocol = P
finish(endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port:get_host().port):connect(f):add_errback(function(f)
  print(f:get_error_message())
end))
reactor.run()`, want: "not today\n", reports: "not today"},
		{name: "sandbox refusal fails connect", cfg: refuse, code: `
endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", 9):connect(client):add_errback(function(f) print(f:get_error_message()) end)`,
			want: "connect: not allowed in the sandbox (network)\n"},
		{name: "sandbox refusal fails listen", cfg: refuse, code: `
endpoints.TCP4ServerEndpoint(reactor, 0):listen(server):add_errback(function(f) print(f:get_error_message()) end)`,
			want: "listen: not allowed in the sandbox (network)\n"},
	}
	for i := range cases {
		cases[i].code = endpointPrelude + cases[i].code
	}
	// The cancel case's port is not known in advance.
	for i := range cases {
		if cases[i].name == "cancel stops connecting" {
			cases[i].code = strings.Replace(cases[i].code, `f:get_error_message())`,
				`(f:get_error_message():gsub(":%d+ ", ":PORT ")))`, 1)
		}
	}
	runAsyncCases(t, cases)
}

func TestEndpointArgumentErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`endpoints.TCP4ClientEndpoint(1, "h", 1)`, "bad argument #1 to 'TCP4ClientEndpoint' (reactor expected, got number)"},
		{`endpoints.TCP4ClientEndpoint(reactor, 1, 1)`, "bad argument #2 to 'TCP4ClientEndpoint' (string expected, got number)"},
		{`endpoints.TCP4ClientEndpoint(reactor, "", 1)`, "bad argument #2 to 'TCP4ClientEndpoint' (non-empty host expected)"},
		{`endpoints.TCP4ClientEndpoint(reactor, "h", 0)`, "bad argument #3 to 'TCP4ClientEndpoint' (port in 1-65535 expected, got 0)"},
		{`endpoints.TCP4ClientEndpoint(reactor, "h", 1, {timeout = -1})`, "bad argument #4 to 'TCP4ClientEndpoint' (option 'timeout' must be a positive number of seconds, got -1)"},
		{`endpoints.TCP4ClientEndpoint(reactor, "h", 1, {bind_address = {"127.0.0.1", 0}})`, "bad argument #4 to 'TCP4ClientEndpoint' (option 'bind_address' is not supported (connect_tcp cannot choose the local address))"},
		{`endpoints.TCP4ClientEndpoint(reactor, "h", 1, {tmeout = 1})`, "bad argument #4 to 'TCP4ClientEndpoint' (unknown option 'tmeout'; the options are bind_address, timeout)"},
		{`endpoints.TCP4ServerEndpoint(reactor, 70000)`, "bad argument #2 to 'TCP4ServerEndpoint' (port in 0-65535 expected, got 70000)"},
		{`endpoints.TCP4ServerEndpoint(reactor, 0, {backlog = 0})`, "bad argument #3 to 'TCP4ServerEndpoint' (option 'backlog' must be an integer in 1-65536, got 0)"},
		{`endpoints.TCP4ServerEndpoint(reactor, 0, {interface = 1})`, "bad argument #3 to 'TCP4ServerEndpoint' (option 'interface' must be a string, got number)"},
		{`endpoints.TCP4ServerEndpoint(reactor, 0):listen({})`, "bad argument #1 to 'listen' (factory expected, got a table without build_protocol (extend protocol.Factory))"},
		{`local e = endpoints.TCP4ClientEndpoint(reactor, "h", 1) e.connect(client)`, "bad argument #1 to 'connect' (TCP4ClientEndpoint expected, got table; use endpoint:connect, not endpoint.connect)"},
		{`endpoints.connect_protocol(1, {})`, "bad argument #1 to 'connect_protocol' (endpoint expected, got number)"},
		{`endpoints.connect_protocol(endpoints.TCP4ClientEndpoint(reactor, "h", 1), 2)`, "bad argument #2 to 'connect_protocol' (protocol table expected, got number)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			run := runAsyncLua(t, Config{}, endpointPrelude+"\n"+tc.code)
			want := "test.lua:" + lineCount(endpointPrelude+"\n") + ": " + tc.want
			if run.err == nil || run.err.Error() != want {
				t.Errorf("error\n%v\nwant\n%s", run.err, want)
			}
		})
	}
}

// lineCount is the number of the line after the text s.
func lineCount(s string) string {
	return itoa(strings.Count(s, "\n") + 1)
}
