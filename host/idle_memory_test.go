package host_test

import (
	"fmt"
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/loopscript/loopscript/host"
	lua "github.com/yuin/gopher-lua"
)

// TestIdleConnectionMemory holds 3,000 idle connections to a server in the
// host, each having had one 16-byte line echoed (so the server has read
// from it and written to it), and measures the Go heap each costs (the
// test's own client side included, about 1 KiB of it). The servers are
// W10's echo (tests/bench/loopscript/w8_echo.lua: its transport its own
// producer) and a LineReceiver. The bounds are loose, for a loaded
// machine: they catch a buffer or a table per connection come back (a read
// buffer of its own was 64 KiB; a producer table with three closures about
// 1.1 KiB), not a few bytes. Before/after figures are in the commit
// messages.
func TestIdleConnectionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 3,000 connections")
	}
	const n = 3000
	// Both ends of every connection are in this process.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < 2*n+200 {
		lim.Cur = min(lim.Max, 2*n+200)
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); lim.Cur < 2*n+200 {
			t.Skipf("needs %d descriptors, the limit is %d", 2*n+200, lim.Cur)
		}
	}
	for _, tc := range []struct {
		name     string
		protocol string // defines Echo, the server's protocol class
		maxBytes float64
	}{
		{"echo, the transport its own producer", `
local Echo = protocol.Protocol:extend()
function Echo:connection_made()
  self.transport:set_tcp_no_delay(true)
  self.transport:register_producer(self.transport, true)
end
function Echo:data_received(data) self.transport:write(data) end`, 2900},
		{"LineReceiver", `
local Echo = basic.LineReceiver:extend()
function Echo:line_received(line) self:send_line(line) end`, 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			per := idleConnectionBytes(t, n, tc.protocol)
			t.Logf("heap in use per idle connection: %.0f bytes (the client side included)", per)
			if per > tc.maxBytes {
				t.Errorf("an idle connection costs %.0f bytes of heap, want at most %.0f", per, tc.maxBytes)
			}
		})
	}
}

// idleConnectionBytes serves protocol's Echo in a host, opens n
// connections that each send a line and read it back, and returns the
// growth of the heap in use per connection while they are idle.
func idleConnectionBytes(t *testing.T, n int, protocol string) float64 {
	h, err := host.New(host.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	portCh := make(chan int, 1)
	h.AddPlugin(host.Plugin{Name: "probe", Loader: func(L *lua.LState) int {
		L.Push(L.NewFunction(func(L *lua.LState) int { portCh <- int(L.CheckNumber(1)); return 0 }))
		return 1
	}})
	var before, after runtime.MemStats
	go func() {
		port := <-portCh
		time.Sleep(200 * time.Millisecond)
		h.CallFromGoroutine(func(*lua.LState) { runtime.GC(); runtime.ReadMemStats(&before) })
		time.Sleep(100 * time.Millisecond)
		var conns []net.Conn
		var echo [16]byte
		for i := 0; i < n; i++ {
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				t.Error(err)
				break
			}
			conns = append(conns, c)
			if _, err := c.Write([]byte("sixteen bytes.\r\n")); err != nil {
				t.Error(err)
				break
			}
			if _, err := io.ReadFull(c, echo[:]); err != nil {
				t.Error(err)
				break
			}
		}
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		time.Sleep(time.Second)
		h.CallFromGoroutine(func(*lua.LState) {
			runtime.GC()
			runtime.ReadMemStats(&after)
			r, _ := h.Reactor()
			r.Stop()
		})
	}()
	err = h.RunString("setup.lua", `
local reactor, basic, protocol = require("reactor"), require("basic"), require("protocol")
`+protocol+`
local port = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = Echo}(), {interface = "127.0.0.1", backlog = 1024})
require("probe")(port:get_host().port)
reactor.run()
`)
	if err != nil {
		t.Fatal(err)
	}
	return (float64(after.HeapInuse) - float64(before.HeapInuse)) / float64(n)
}
