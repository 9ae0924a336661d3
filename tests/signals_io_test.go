package tests

import (
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// connectionsScript is a server that counts its connections and tells,
// at each phase of the shutdown, how many are still open and how many have
// been lost. Each new connection is sent arg[1] bytes (clients that do not
// read leave them queued in the transport), and each connection_lost
// busy-waits arg[2] milliseconds, to make the shutdown last.
const connectionsScript = `local reactor = require("reactor")
local protocol = require("protocol")
local size, linger = tonumber(arg[1]), tonumber(arg[2]) / 1000
local open, lost, twice = 0, 0, 0
local payload = string.rep("x", size)
local Counted = protocol.Protocol:extend()
function Counted:connection_made()
  open = open + 1
  if open % 100 == 0 then print("open " .. open) end
  if size > 0 then self.transport:write(payload) end
end
function Counted:data_received(data) end
function Counted:connection_lost(reason)
  if self.lost then twice = twice + 1 end
  self.lost = true
  lost = lost + 1
  if lost == 1 then print("first reason: " .. reason:get_error_message()) end
  local till = reactor.seconds() + linger
  while reactor.seconds() < till do end
end
local factory = protocol.ServerFactory:extend{protocol = Counted}()
local port = reactor.listen_tcp(0, factory, {interface = "127.0.0.1", backlog = 1024})
reactor.add_system_event_trigger("before", "shutdown", function()
  print(string.format("before shutdown: open %d lost %d", open, lost))
end)
reactor.add_system_event_trigger("after", "shutdown", function()
  print(string.format("after shutdown: open %d lost %d twice %d", open, lost, twice))
end)
print("Serving connections on port " .. port:get_host().port .. ".")
reactor.run()
print("run returned")
`

var openLine = regexp.MustCompile(`(?m)^open (\d+)$`)

// TestSignalWithOpenConnections: a SIGINT while 1,000 connections are open
// (and, in some cases, while the server's writes to them are still queued)
// stops the reactor gracefully: every connection gets connection_lost once,
// the shutdown triggers run around it, run() returns and the status is 0.
// A second SIGINT during that shutdown exits at once with 130.
func TestSignalWithOpenConnections(t *testing.T) {
	t.Parallel()
	const conns = 1000
	script := writeFile(t, "connections.lua", []byte(connectionsScript))
	cases := []struct {
		name    string
		payload int  // bytes written to each connection as it opens
		linger  int  // milliseconds each connection_lost takes
		second  bool // send a second SIGINT while the shutdown runs
	}{
		{name: "idle connections"},
		{name: "writes in flight to clients that do not read", payload: 256 << 10},
		{name: "a second SIGINT during a slow shutdown", linger: 20, second: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := start(t, "", "--warn-slow", "0", "--stop-grace", "0", script, strconv.Itoa(c.payload), strconv.Itoa(c.linger))
			port := waitForPort(t, p)
			clients := dialMany(t, port, conns)
			p.waitFor("every connection made", 60*time.Second, func() bool {
				m := openLine.FindAllStringSubmatch(p.stdout.String(), -1)
				return len(m) > 0 && m[len(m)-1][1] == strconv.Itoa(conns)
			})
			// Every client reads until the server closes its end, so
			// the test sees that each connection really closed.
			closed := make(chan error, conns)
			if !c.second {
				for _, conn := range clients {
					go func() {
						conn.SetReadDeadline(time.Now().Add(60 * time.Second))
						_, err := io.Copy(io.Discard, conn)
						closed <- err
					}()
				}
			}
			signalled := time.Now()
			p.signal(syscall.SIGINT)
			if c.second {
				p.waitFor("the shutdown to start", 30*time.Second, func() bool {
					return strings.Contains(p.stdout.String(), "first reason:")
				})
				sent := time.Now()
				p.signal(syscall.SIGINT)
				r := p.wait(30 * time.Second)
				if r.code != 130 || r.signal != 0 {
					t.Fatalf("second SIGINT: exit status %d (signal %v), want 130\nstdout:\n%s\nstderr:\n%s", r.code, r.signal, r.stdout, r.stderr)
				}
				// A shutdown left to itself takes 1000 x 20 ms: an exit
				// well before that is the second signal's.
				if waited := p.ended.Sub(sent); waited > 10*time.Second {
					t.Errorf("the second SIGINT took %v to end the process", waited)
				}
				expect(t, r, 130, []check{contains("before shutdown: open 1000 lost 0\n"), lacks("after shutdown", "run returned")}, nil)
				return
			}
			r := p.wait(60 * time.Second)
			t.Logf("%d connections: from SIGINT to exit in %v", conns, p.ended.Sub(signalled))
			want := fmt.Sprintf("before shutdown: open %d lost 0\nfirst reason: Connection to the other side was lost in a non-clean fashion: Connection lost.\nafter shutdown: open %[1]d lost %[1]d twice 0\nrun returned\n", conns)
			expect(t, r, 0, []check{contains(want)}, nil)
			for range conns {
				if err := <-closed; err != nil {
					t.Fatalf("a client's connection did not end cleanly: %v", err)
				}
			}
		})
	}
}

// dialMany opens n connections to port, closed when the test ends.
func dialMany(t *testing.T, port, n int) []net.Conn {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	conns := make([]net.Conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conns[i], errs[i] = net.DialTimeout("tcp", addr, 30*time.Second)
		}()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			t.Fatalf("cannot connect: %v", err)
		}
	}
	return conns
}
