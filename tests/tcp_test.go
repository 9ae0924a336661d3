package tests

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeScript writes a Lua script into a temporary folder and returns its
// path.
func writeScript(t *testing.T, name, code string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// An echo server in Lua serves a Go client byte for byte, and stops when
// the client has gone.
func TestTCPEchoServer(t *testing.T) {
	script := writeScript(t, "echo.lua", `local reactor, protocol = require("reactor"), require("protocol")
local Echo = protocol.Protocol:extend()
function Echo:data_received(data) self.transport:write(data) end
function Echo:connection_lost(reason)
  print("lost " .. reason.type)
  reactor.stop()
end
local port = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = Echo}(), {interface = "127.0.0.1"})
print(port:get_host().port)
io.stdout:flush()
reactor.run()
print("done")`)
	p := start(t, "", script)
	p.waitFor("the port", 10*time.Second, func() bool { return strings.Contains(p.stdout.String(), "\n") })
	port, err := strconv.Atoi(strings.TrimSpace(p.stdout.String()))
	if err != nil {
		t.Fatalf("port line %q: %v", p.stdout.String(), err)
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("hello\x00\xffworld\r\n")
	var big strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&big, "%d,", i)
	}
	msg = append(msg, big.String()...)
	go func() { conn.Write(msg) }()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(msg) {
		t.Errorf("echo differs from what was sent (%d bytes)", len(msg))
	}
	conn.Close()
	r := p.wait(10 * time.Second)
	if r.code != 0 || !strings.HasSuffix(r.stdout, "lost ConnectionDone\ndone\n") || r.stderr != "" {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// A Lua client reads what a Go server sends until the server closes.
func TestTCPClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		w := bufio.NewWriter(c)
		w.WriteString("Roses are red,\nviolets are blue.\n")
		w.Flush()
		c.Close()
	}()
	script := writeScript(t, "client.lua", `local reactor, protocol = require("reactor"), require("protocol")
local Poem = protocol.Protocol:extend()
function Poem:connection_made() self.poem = "" end
function Poem:data_received(data) self.poem = self.poem .. data end
function Poem:connection_lost(reason) io.write(self.poem) print(reason.type) end
local F = protocol.ClientFactory:extend{protocol = Poem}
function F:client_connection_lost(connector, reason) reactor.stop() end
function F:client_connection_failed(connector, reason) print(reason) reactor.stop() end
reactor.connect_tcp("127.0.0.1", tonumber(arg and arg[1] or ...), F())
reactor.run()`)
	r := run(t, script, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	want := "Roses are red,\nviolets are blue.\nConnectionDone\n"
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
}

// A bind failure is raised at once; uncaught, it reads as the issue says.
func TestTCPCannotListenUncaught(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	script := writeScript(t, "busy.lua", fmt.Sprintf(`local reactor, protocol = require("reactor"), require("protocol")
reactor.listen_tcp(%d, protocol.ServerFactory(), {interface = "127.0.0.1"})
print("not reached")`, port))
	r := run(t, script)
	want := fmt.Sprintf("loopscript: CannotListenError: Couldn't listen on 127.0.0.1:%d: [Errno 98] Address already in use.\n", port)
	if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant stderr to start with:\n%s", r.code, r.stdout, r.stderr, want)
	}
}

// Under --sandbox, the functions are there and refuse, saying why.
func TestTCPSandboxRefuses(t *testing.T) {
	script := writeScript(t, "sb.lua", `local reactor, protocol = require("reactor"), require("protocol")
print(pcall(reactor.connect_unix, "/tmp/x.sock", protocol.ClientFactory()))
reactor.listen_tcp(0, protocol.ServerFactory(), {interface = "127.0.0.1"})`)
	r := run(t, "--sandbox", script)
	wantOut := "false\t" + script + ":2: connect_unix: not allowed in the sandbox (network)\n"
	wantErr := "loopscript: " + script + ":3: listen_tcp: not allowed in the sandbox (network)\n"
	if r.code != 1 || r.stdout != wantOut || !strings.HasPrefix(r.stderr, wantErr) {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s\nwant:\n%s", r.code, r.stdout, wantOut, r.stderr, wantErr)
	}
}
