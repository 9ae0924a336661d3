package luabind

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

const udpPrelude = `
local reactor = require("reactor")
local protocol = require("protocol")
local errors = require("errors")
local Echo = protocol.DatagramProtocol:extend()
function Echo:start_protocol() print("start", self.transport ~= nil) end
function Echo:stop_protocol() print("stop") end
reactor.call_later(10, reactor.stop)
`

// TestUDPSandbox: listen_udp asks Config.AllowIO with its address.
func TestUDPSandbox(t *testing.T) {
	var seen []string
	refuse := func(q IORequest) error {
		seen = append(seen, q.String())
		return errors.New("not allowed in the sandbox (" + string(q.Kind) + ")")
	}
	res := runReal(t, `print(select(2, pcall(require("reactor").listen_udp, 0, require("protocol").DatagramProtocol(),
		{interface = "127.0.0.1"})))`, Config{AllowIO: refuse}, nil)
	if want := "listen_udp: not allowed in the sandbox (network)\n"; luaPosition.ReplaceAllString(res.out, "") != want {
		t.Errorf("output %q, want %q", res.out, want)
	}
	if got := strings.Join(seen, "; "); got != "listen_udp 127.0.0.1:0 (network)" {
		t.Errorf("requests: %s", got)
	}
}

func TestUDP(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"a datagram to itself", `
function Echo:datagram_received(data, addr)
  print("got", data, addr.type, addr.host, addr.port == self.transport:get_host().port, tostring(addr):match("^IPv4Address%(type='UDP', host='127.0.0.1', port=%d+%)$") ~= nil)
  self.transport:stop_listening()
  print("readers", #reactor.get_readers())
  reactor.stop()
end
local p = Echo()
local port = reactor.listen_udp(0, p, {interface = "127.0.0.1"})
print("listening", port == p.transport, #reactor.get_readers(), reactor.get_readers()[1] == port)
local host = port:get_host()
print(host.type, host.host, host.port > 0)
print(port:write("hi\0there", host))
reactor.run()
print(p.transport)`, "start\ttrue\nlistening\ttrue\t1\ttrue\nUDP\t127.0.0.1\ttrue\n8\n" +
			"got\thi\x00there\tUDP\t127.0.0.1\ttrue\ttrue\nstop\nreaders\t0\nnil\n"},
		{"connect, write without an address, refusal", `
function Echo:connection_refused()
  print("refused")
  self.transport:stop_listening()
  reactor.stop()
end
local p = Echo()
local port = reactor.listen_udp(0, p, {interface = "127.0.0.1"})
port:connect("127.0.0.1", CLOSED)
print(port:write("x"))
print(pcall(port.connect, port, "127.0.0.1", CLOSED))
local function again() if p.transport then p.transport:write("x") reactor.call_later(0.05, again) end end
reactor.call_later(0.05, again)
reactor.run()`, "start\ttrue\n1\nfalse\tconnect: already connected, reconnecting is not currently supported\nrefused\nstop\n"},
		{"broadcast flag", `
local port = reactor.listen_udp(0, Echo(), {interface = "127.0.0.1"})
print(port:get_broadcast_allowed())
port:set_broadcast_allowed(true)
print(port:get_broadcast_allowed())
print(pcall(port.set_broadcast_allowed, port, 1))
port:stop_listening()
port:stop_listening()
print((tostring(port):gsub(":%d+", ":N")))`, "start\ttrue\nfalse\ntrue\n" +
			"false\tbad argument #1 to 'set_broadcast_allowed' (boolean expected, got number)\nstop\n" +
			"<UDPPort on 127.0.0.1:N (stopped)>\n"},
		{"write errors are Twisted's", `
local port = reactor.listen_udp(0, Echo(), {interface = "127.0.0.1"})
local ok, err = pcall(port.write, port, "x", {host = "example.com", port = 9})
print(ok, tostring(err))
print(getmetatable(err) == errors.InvalidAddressError)
ok, err = pcall(port.write, port, "x", {host = "::1", port = 9})
print(tostring(err))
ok, err = pcall(port.write, port, string.rep("x", 70000), {host = "127.0.0.1", port = 9})
print(getmetatable(err) == errors.MessageLengthError, tostring(err))
print(pcall(port.write, port, "x"))
print(pcall(port.write, port, {}, {host = "127.0.0.1", port = 9}))
print(pcall(port.write, port, "x", {host = "127.0.0.1", port = 99999}))
print(pcall(port.connect, port, "localhost", 9))
port:stop_listening()
print(pcall(port.write, port, "x", {host = "127.0.0.1", port = 9}))`,
			"start\ttrue\nfalse\tInvalid address example.com: write() only accepts IP addresses, not hostnames\ntrue\n" +
				"Invalid address ::1: IPv4 port write() called with IPv6 address\n" +
				"true\tMessage is too long to send: message too long.\n" +
				"false\twrite: reactor: write with no address on a UDP port not connected\n" +
				"false\tbad argument #1 to 'write' (string expected, got table)\n" +
				"false\tbad argument #2 to 'write' (address with a port in 0-65535 expected, got port 99999)\n" +
				"false\tInvalid address localhost: connect() only accepts IP addresses, not hostnames\n" +
				"stop\nfalse\twrite: reactor: write on a closed UDP port: bad file descriptor\n"},
		{"an error in datagram_received is reported and the port goes on", `
local n = 0
function Echo:datagram_received(data, addr)
  n = n + 1
  if n == 1 then error("bad datagram") end
  print("second", data)
  reactor.stop()
end
local port = reactor.listen_udp(0, Echo(), {interface = "127.0.0.1", max_packet_size = 3})
port:write("one", port:get_host())
port:write("twelve", port:get_host())
reactor.run()`, "start\ttrue\nsecond\ttwe\nstop\n"},
		{"start_protocol runs inside listen_udp; its error is the caller's", `
function Echo:start_protocol() error("cannot start") end
print(pcall(reactor.listen_udp, 0, Echo(), {interface = "127.0.0.1"}))`,
			"false\tcannot start\n"},
		{"the reactor's stop stops the port", `
reactor.listen_udp(0, Echo(), {interface = "::1"})
reactor.call_later(0.01, reactor.stop)
reactor.run()
print(#reactor.get_readers())`, "start\ttrue\nstop\n0\n"},
		{"argument errors", `
print(pcall(reactor.listen_udp))
print(pcall(reactor.listen_udp, "53", Echo()))
print(pcall(reactor.listen_udp, 70000, Echo()))
print(pcall(reactor.listen_udp, 1.5, Echo()))
print(pcall(reactor.listen_udp, 0))
print(pcall(reactor.listen_udp, 0, {}))
print(pcall(reactor.listen_udp, 0, Echo(), "127.0.0.1"))
print(pcall(reactor.listen_udp, 0, Echo(), {iface = "127.0.0.1"}))
print(pcall(reactor.listen_udp, 0, Echo(), {interface = 1}))
print(pcall(reactor.listen_udp, 0, Echo(), {max_packet_size = 0}))
print(pcall(reactor.listen_udp, 0, Echo(), {interface = "nowhere.example"}))`,
			"false\tbad argument #1 to 'listen_udp' (number expected, got no value)\n" +
				"false\tbad argument #1 to 'listen_udp' (number expected, got string)\n" +
				"false\tbad argument #1 to 'listen_udp' (port in 0-65535 expected, got 70000)\n" +
				"false\tbad argument #1 to 'listen_udp' (port in 0-65535 expected, got 1.5)\n" +
				"false\tbad argument #2 to 'listen_udp' (table expected, got no value)\n" +
				"false\tbad argument #2 to 'listen_udp' (protocol with a make_connection method expected (a protocol.DatagramProtocol))\n" +
				"false\tbad argument #3 to 'listen_udp' (table expected, got string)\n" +
				"false\tbad argument #3 to 'listen_udp' (unknown option 'iface' (interface, max_packet_size))\n" +
				"false\tbad argument #3 to 'listen_udp' (interface must be a string, got number)\n" +
				"false\tbad argument #3 to 'listen_udp' (max_packet_size must be an integer in 1-1048576)\n" +
				"false\tCouldn't listen on nowhere.example:0: "},
		{"a port in use", `
local p = reactor.listen_udp(0, Echo(), {interface = "127.0.0.1"})
local n = p:get_host().port
local ok, err = pcall(reactor.listen_udp, n, Echo(), {interface = "127.0.0.1"})
print(err.name, (tostring(err):gsub(n, "N")))`,
			"start\ttrue\nCannotListenError\tCouldn't listen on 127.0.0.1:N: [Errno 98] Address already in use.\n"},
	}
	closed, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.LocalAddr().(*net.UDPAddr).Port
	closed.Close()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code := strings.ReplaceAll(tc.code, "CLOSED", strconv.Itoa(closedPort))
			res := runReal(t, udpPrelude+code, Config{}, nil)
			if res.err != nil {
				t.Fatalf("error %v\noutput %q", res.err, res.out)
			}
			out := luaPosition.ReplaceAllString(res.out, "")
			if strings.HasSuffix(tc.want, ": ") {
				if !strings.HasPrefix(out, tc.want) {
					t.Errorf("output:\n%s\nwant prefix:\n%s", out, tc.want)
				}
			} else if out != tc.want {
				t.Errorf("output:\n%s\nwant:\n%s", out, tc.want)
			}
			if tc.name == "an error in datagram_received is reported and the port goes on" {
				if len(res.reports) != 1 || !strings.Contains(res.reports[0].Message, "bad datagram") {
					t.Errorf("reports %q", res.reportText())
				}
			} else if len(res.reports) != 0 {
				t.Errorf("reports %q", res.reportText())
			}
		})
	}
}

// TestWatcherRefusesGoDescriptor: a Lua object may not take over the
// descriptor of a port the reactor watches for Go code.
func TestWatcherRefusesGoDescriptor(t *testing.T) {
	code := `
local reactor = require("reactor")
local protocol = require("protocol")
local port = reactor.listen_udp(0, protocol.DatagramProtocol(), {interface = "127.0.0.1"})
local ok, err = pcall(reactor.add_reader, {fileno = function() return port_fd(port) end, do_read = print})
print(ok, err)
print(#reactor.get_readers(), reactor.get_readers()[1] == port)
local all = reactor.remove_all()
print(#all, all[1] == port, #reactor.get_readers())
reactor.add_reader(port)
print(#reactor.get_readers())
port:stop_listening()
print(#reactor.get_readers())`
	res := runReal(t, code, Config{}, func(rt *Runtime) {
		rt.L.SetGlobal("port_fd", rt.L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LNumber(L.CheckUserData(1).Value.(*luaUDPPort).port.Fd()))
			return 1
		}))
	})
	if res.err != nil {
		t.Fatal(res.err)
	}
	lines := strings.Split(res.out, "\n")
	if !strings.HasPrefix(lines[0], "false\ttest.lua:5: add_reader: descriptor ") ||
		!strings.Contains(lines[0], "is watched already by <UDPPort on 127.0.0.1:") {
		t.Errorf("refusal: %q", lines[0])
	}
	if want := "1\ttrue\n1\ttrue\t0\n1\n0\n"; strings.Join(lines[1:], "\n") != want {
		t.Errorf("output %q, want %q after the first line", strings.Join(lines[1:], "\n"), want)
	}
}
