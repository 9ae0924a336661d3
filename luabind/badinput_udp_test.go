package luabind

import "testing"

// Bad input at listen_udp and the UDP port's methods.
func TestBadInputUDP(t *testing.T) {
	runBadInputCases(t, []badInputCase{
		{name: "start_protocol raising closes the port", code: `
local D = protocol.DatagramProtocol:extend()
function D:start_protocol() error("no start") end
function D:stop_protocol() say("stop_protocol") end
try(reactor.listen_udp, 0, D(), {interface = "127.0.0.1"})
print(#reactor.get_readers())
local N = protocol.DatagramProtocol:extend{start_protocol = 5}
try(reactor.listen_udp, 0, N(), {interface = "127.0.0.1"})
print(#reactor.get_readers())
show()`, want: "no start\n0\nattempt to call method 'start_protocol' (a number value)\n0\n\n"},
		{name: "port methods with wrong self and arguments", code: `
local D = protocol.DatagramProtocol:extend()
function D:datagram_received(data, addr) say("got", data) end
local proto = D()
local port = reactor.listen_udp(0, proto, {interface = "127.0.0.1"})
try(port.write, "x", {host = "127.0.0.1", port = 9})
try(port.write, port, "x", {host = "127.0.0.1", port = 0/0})
try(port.write, port, "x", {host = "127.0.0.1", port = 70000})
try(port.write, port, "x", {host = 5, port = 9})
try(port.write, port, "x", {host = "127.0.0.1", port = "9"})
try(port.write, port, nil, {host = "127.0.0.1", port = 9})
try(port.connect, port, "127.0.0.1", 1/0)
try(port.set_broadcast_allowed, port, "yes")
try(port.get_host)
try(reactor.listen_udp, 0, port)
try(reactor.listen_udp, 0, proto, {max_packet_size = 0/0})
try(port.stop_listening, port)
try(port.stop_listening, port)
try(port.write, port, "x", {host = "127.0.0.1", port = 9})
show()`, want: `bad argument #1 to 'write' (UDPPort expected, got string; use port:write, not port.write)
bad argument #2 to 'write' (address with a port in 0-65535 expected, got port nan)
bad argument #2 to 'write' (address with a port in 0-65535 expected, got port 70000)
bad argument #2 to 'write' (address with a string host expected, got host number)
bad argument #2 to 'write' (address with a port in 0-65535 expected, got port string)
bad argument #1 to 'write' (string expected, got nil)
bad argument #2 to 'connect' (port in 0-65535 expected, got inf)
bad argument #1 to 'set_broadcast_allowed' (boolean expected, got string)
bad argument #1 to 'get_host' (UDPPort expected, got no value; use port:get_host, not port.get_host)
bad argument #2 to 'listen_udp' (table expected, got userdata)
bad argument #3 to 'listen_udp' (max_packet_size must be an integer in 1-1048576)
ok <Deferred at ADDR current result: nil>
ok <Deferred at ADDR current result: nil>
write: reactor: write on a closed UDP port: bad file descriptor

`},
	})
}
