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

// TestIdleConnectionMemory holds 3,000 idle connections to a LineReceiver
// server in the host, each having had one 16-byte line echoed (so the server has
// read from it), and measures the Go heap each costs (the test's own
// client side included). The bound is loose, for a loaded machine: it
// catches a buffer or a table per connection gone large (a read buffer of
// its own was 64 KiB), not a few bytes.
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
local Echo = basic.LineReceiver:extend()
function Echo:line_received(line) self:send_line(line) end
local port = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = Echo}(), {interface = "127.0.0.1", backlog = 1024})
require("probe")(port:get_host().port)
reactor.run()
`)
	if err != nil {
		t.Fatal(err)
	}
	per := float64(after.HeapInuse) - float64(before.HeapInuse)
	per /= n
	t.Logf("heap in use per idle connection: %.0f bytes (the client side included)", per)
	if per > 8<<10 {
		t.Errorf("an idle connection costs %.0f bytes of heap, want well under 8 KiB", per)
	}
}
