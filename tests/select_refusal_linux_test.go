//go:build linux

package tests

import (
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"
)

// On the select reactor a server whose descriptors have passed FD_SETSIZE
// refuses new connections: each is closed at once, no protocol is built
// (no connection_made on a transport that can never be read), and one
// warning line, naming FD_SETSIZE, says why.
func TestSelectRefusesConnectionsPastFDSetSize(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Max < 1200 {
		t.Skipf("needs 1,200 open descriptors (hard limit %d, %v)", lim.Max, err)
	}
	srv := startNetServer(t, `
require("selectreactor").install()
local reactor = require("reactor")
local protocol = require("protocol")
local P = protocol.Protocol:extend()
function P:connection_made() print("connection made") end
local factory = protocol.ServerFactory:extend{protocol = P}()
local port = reactor.listen_tcp(0, factory, {interface = "127.0.0.1"})
local held = {}
for i = 1, 1030 do held[i] = assert(io.open("/dev/null")) end -- what it accepts now is past 1024
print(port:get_host().port)
reactor.run()
`, 0)
	const clients = 3
	for i := range clients {
		c := srv.dial(t)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err := c.Read(make([]byte, 1))
		c.Close()
		if !errors.Is(err, io.EOF) && !strings.Contains(fmtErr(err), "connection reset") {
			t.Errorf("client %d: read %v, want the connection closed by the server", i, err)
		}
	}
	srv.waitFor("a warning naming FD_SETSIZE", 10*time.Second, func() bool { return strings.Contains(srv.stderr.String(), "FD_SETSIZE") })
	srv.signal(syscall.SIGTERM)
	res := srv.wait(10 * time.Second)
	if strings.Contains(res.stdout, "connection made") {
		t.Errorf("a protocol was built for a refused connection; stdout:\n%s", res.stdout)
	}
	if n := strings.Count(res.stderr, "warning: "); n != 1 || !strings.Contains(res.stderr, "FD_SETSIZE") {
		t.Errorf("want one warning naming FD_SETSIZE for %d refused connections; stderr:\n%s", clients, res.stderr)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
