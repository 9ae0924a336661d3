package host_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/luabind"
)

// sandboxIOPrelude runs the case's call (global CALL, a function) under
// pcall and prints its outcome; a call whose refusal comes on a later turn
// (a connect to a name) prints it from client_connection_failed.
const sandboxIOPrelude = `
reactor, protocol = require("reactor"), require("protocol")
DIR, PORT, ALLOWED = ...
PORT = tonumber(PORT)
Client = protocol.ClientFactory()
function Client:client_connection_failed(c, reason)
  print("failed", reason.value.message)
  reactor.stop()
end
Client.protocol = protocol.Protocol:extend()
function Client.protocol:connection_made()
  print("connected")
  self.transport:lose_connection()
  reactor.stop()
end
-- RUN_IT has the reactor run after the call, for an outcome on a later turn.
function RUN_IT() RUN = true end
Watched = {fileno = function() return 0 end, do_read = function() end, do_write = function() end,
  connection_lost = function() end}
`

// TestSandboxRefusesEveryIOSurface proves that each way a script reaches a
// socket, a listener, a process or a descriptor asks the sandbox, and that
// the sandbox's refusal (no Allow field, or ApproveIO's error) stops it:
// the hook sees the address a name resolved to and the real path of a UNIX
// socket or a program (after the PATH search, with "../" and symbolic
// links resolved), and the call goes nowhere else.
func TestSandboxRefusesEveryIOSurface(t *testing.T) {
	// A listener the refused connects must not reach.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			c.Close()
		}
	}()
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)

	// allowed is the only folder ApproveIO lets paths and programs in; it
	// holds links that lead out of it.
	base := t.TempDir()
	allowed, outside := filepath.Join(base, "allowed"), filepath.Join(base, "outside")
	for _, d := range []string{allowed, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(allowed, "out")); err != nil {
		t.Fatal(err)
	}
	trueProgram, err := filepath.EvalSymlinks("/bin/true")
	if err != nil {
		t.Skip("no /bin/true")
	}
	if err := os.Symlink(trueProgram, filepath.Join(allowed, "tool")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "prog"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	// insideAllowed approves the network but loopback 127.0.0.1 (names
	// pass: only their addresses are judged), and paths inside allowed.
	insideAllowed := func(q luabind.IORequest) error {
		switch q.Kind {
		case luabind.IOProcess:
			if !strings.HasPrefix(q.Target, allowed+"/") {
				return errors.New("program outside the allowed folder")
			}
		case luabind.IONetwork:
			if strings.HasPrefix(q.Target, "/") {
				if !strings.HasPrefix(q.Target, allowed+"/") {
					return errors.New("path outside the allowed folder")
				}
				return nil
			}
			if host, _, err := net.SplitHostPort(q.Target); err == nil && host == "127.0.0.1" {
				return errors.New("forbidden address")
			}
		}
		return nil
	}
	everything := host.Sandbox{AllowNetwork: true, AllowProcesses: true, AllowStdio: true, AllowDescriptors: true}
	hooked := everything
	hooked.ApproveIO = insideAllowed

	tests := []struct {
		name  string
		sb    host.Sandbox
		call  string
		want  string // the output, with DIR, PORT, ALLOWED and OUTSIDE for the paths
		asked string // what ApproveIO saw, "|" between calls; "" for no hook
	}{
		{"listen_tcp", host.Sandbox{}, `reactor.listen_tcp(0, protocol.ServerFactory())`,
			"listen_tcp: not allowed in the sandbox (network)", ""},
		{"connect_tcp to an address", hooked, `reactor.connect_tcp("127.0.0.1", PORT, Client)`,
			"connect_tcp: forbidden address", "connect_tcp 127.0.0.1:PORT (network)"},
		{"connect_tcp to a name that resolves to a forbidden address", hooked,
			`reactor.connect_tcp("localhost", PORT, Client), RUN_IT()`,
			"returned\nfailed\tAn error occurred while connecting: connect_tcp: forbidden address.",
			"connect_tcp localhost:PORT (network)|connect_tcp 127.0.0.1:PORT (network, resolved from localhost)"},
		{"listen_unix through a link out of the folder", hooked,
			`reactor.listen_unix(ALLOWED .. "/out/s.sock", protocol.ServerFactory())`,
			"listen_unix: path outside the allowed folder", "listen_unix OUTSIDE/s.sock (network)"},
		{"connect_unix with ../", hooked,
			`reactor.connect_unix(ALLOWED .. "/../outside/s.sock", Client)`,
			"connect_unix: path outside the allowed folder", "connect_unix OUTSIDE/s.sock (network)"},
		{"spawn_process", host.Sandbox{}, `reactor.spawn_process(protocol.ProcessProtocol(), "/bin/true", {"true"})`,
			"spawn_process: not allowed in the sandbox (process)", ""},
		{"spawn_process found in the PATH, a link out of the folder", hooked,
			`reactor.spawn_process(protocol.ProcessProtocol(), "tool", {}, {env = {PATH = ALLOWED}})`,
			"spawn_process: program outside the allowed folder", "spawn_process TRUE (process)"},
		{"spawn_process with ../", hooked,
			`reactor.spawn_process(protocol.ProcessProtocol(), ALLOWED .. "/../outside/prog", {"prog"})`,
			"spawn_process: program outside the allowed folder", "spawn_process OUTSIDE/prog (process)"},
		{"spawn_process through a linked folder", hooked,
			`reactor.spawn_process(protocol.ProcessProtocol(), "out/prog", {}, {path = ALLOWED})`,
			"spawn_process: program outside the allowed folder", "spawn_process OUTSIDE/prog (process)"},
		{"listen_udp", host.Sandbox{}, `reactor.listen_udp(0, protocol.DatagramProtocol())`,
			"listen_udp: not allowed in the sandbox (network)", ""},
		{"UDP write to a forbidden address", hooked,
			`reactor.listen_udp(0, protocol.DatagramProtocol(), {interface = "127.0.0.2"}):write("x", {host = "127.0.0.1", port = PORT})`,
			"write: forbidden address", "listen_udp 127.0.0.2:0 (network)|write 127.0.0.1:PORT (network)"},
		{"UDP connect to a forbidden address", hooked,
			`reactor.listen_udp(0, protocol.DatagramProtocol(), {interface = "127.0.0.2"}):connect("127.0.0.1", PORT)`,
			"connect: forbidden address", "listen_udp 127.0.0.2:0 (network)|connect 127.0.0.1:PORT (network)"},
		{"socket.tcp", host.Sandbox{}, `require("socket").tcp()`,
			"tcp: not allowed in the sandbox (network)", ""},
		{"socket connect to a name that resolves to a forbidden address", hooked,
			`require("socket").tcp():connect("localhost", PORT)`,
			"connect: forbidden address",
			"tcp (network)|connect localhost:PORT (network)|connect 127.0.0.1:PORT (network, resolved from localhost)"},
		{"socket bind to a name that resolves to a forbidden address", hooked,
			`require("socket").tcp():bind("localhost", 0)`,
			"bind: forbidden address",
			"tcp (network)|bind localhost:0 (network)|bind 127.0.0.1:0 (network, resolved from localhost)"},
		{"socket.bind to a name that resolves to a forbidden address", hooked,
			`require("socket").bind("localhost", 0)`,
			"bind: forbidden address",
			"bind localhost:0 (network)|bind 127.0.0.1:0 (network, resolved from localhost)"},
		{"socket.connect from a forbidden local address", hooked,
			`require("socket").connect("127.0.0.2", PORT, "127.0.0.1", 0)`,
			"bind: forbidden address", "connect 127.0.0.2:PORT (network)|bind 127.0.0.1:0 (network)"},
		{"connect_tcp from a forbidden local address", hooked,
			`reactor.connect_tcp("127.0.0.2", PORT, Client, {bind_address = {"127.0.0.1", 0}})`,
			"connect_tcp: forbidden address", "connect_tcp bind 127.0.0.1:0 (network)"},
		{"add_reader of a descriptor", host.Sandbox{AllowNetwork: true, AllowStdio: true},
			`reactor.add_reader(Watched)`, "add_reader: not allowed in the sandbox (descriptor)", ""},
		{"add_writer of a descriptor", host.Sandbox{AllowNetwork: true, AllowStdio: true},
			`reactor.add_writer(Watched)`, "add_writer: not allowed in the sandbox (descriptor)", ""},
		{"StandardIO", host.Sandbox{AllowNetwork: true}, `require("stdio").StandardIO(protocol.Protocol())`,
			"StandardIO: not allowed in the sandbox (stdio)", ""},
		{"StandardIO on another descriptor", host.Sandbox{AllowStdio: true},
			`require("stdio").StandardIO(protocol.Protocol(), {stdin = 7})`,
			"StandardIO: not allowed in the sandbox (descriptor)", ""},
		{"an endpoint's listen", host.Sandbox{},
			`require("endpoints").TCP4ServerEndpoint(reactor, 0):listen(protocol.ServerFactory()):add_errback(function(f) print(tostring(f.value)) end)`,
			"listen: not allowed in the sandbox (network)\nreturned", ""},
		// The controls: the same calls, allowed, reach what they name.
		{"control: connect_tcp to a name, allowed", everything, `reactor.connect_tcp("localhost", PORT, Client), RUN_IT()`,
			"returned\nconnected", ""},
		{"control: spawn_process in the PATH, allowed", everything,
			`reactor.spawn_process(protocol.ProcessProtocol(), "tool", {}, {env = {PATH = ALLOWED}})`,
			"returned", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for len(accepted) > 0 {
				<-accepted
			}
			var asked []string
			sb := tc.sb
			if sb.ApproveIO != nil {
				approve := sb.ApproveIO
				sb.ApproveIO = func(q luabind.IORequest) error {
					asked = append(asked, q.String())
					return approve(q)
				}
			}
			var out strings.Builder
			h, err := host.New(host.Options{Stdout: &out, Sandbox: &sb, MaxRunTime: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			code := sandboxIOPrelude + `
local ok, err = pcall(function() return ` + tc.call + ` end)
if ok then print("returned") else print((string.gsub(tostring(err), "^[^:]*:%d+: ", ""))) end
if ok and RUN then reactor.run() end`
			if err := h.RunString("sb.lua", code, base, port, allowed); err != nil {
				t.Fatal(err)
			}
			shown := strings.NewReplacer(allowed, "ALLOWED", outside, "OUTSIDE", trueProgram, "TRUE", ":"+port, ":PORT")
			if got := strings.TrimSpace(shown.Replace(out.String())); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			if got := shown.Replace(strings.Join(asked, "|")); got != tc.asked {
				t.Errorf("ApproveIO saw:\n%s\nwant:\n%s", got, tc.asked)
			}
			connected := strings.Contains(tc.want, "connected")
			select {
			case <-accepted:
				if !connected {
					t.Error("the refused call connected to the listener")
				}
			case <-time.After(20 * time.Millisecond):
				if connected {
					t.Error("the allowed connect did not reach the listener")
				}
			}
		})
	}
}
