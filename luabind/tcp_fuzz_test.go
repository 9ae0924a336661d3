package luabind

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// fuzzValues are the Lua values FuzzTCPArgs picks its arguments from.
var fuzzValues = []string{
	"nil", "true", "false", "0", "-1", "1.5", "65535", "65536", "0/0", "1/0", "-1/0", "2^53",
	`""`, `"127.0.0.1"`, `"::1"`, `"localhost"`, `"\0"`, `"x"`, `string.rep("a", 300)`,
	"{}", `{interface = "127.0.0.1"}`, `{interface = 1}`, `{backlog = 0}`, `{backlog = 1e9}`,
	`{timeout = 0.01}`, `{timeout = -1}`, `{timeout = "x"}`, `{1, 2}`, `{[{}] = 1}`,
	"protocol.ServerFactory()", "protocol.ClientFactory()", "F", "print",
	"setmetatable({}, {__index = function() error('index') end})",
	"coroutine.create(print)", "T", "PORT",
}

// FuzzTCPArgs calls listen_tcp, connect_tcp, listen_unix, connect_unix and
// a live transport's methods with arguments picked by the fuzzer: whatever
// they are, the script gets a value or a Lua error, never a Go panic.
// Only loopback addresses and the test's own folder are let through.
func FuzzTCPArgs(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{1, 13, 36, 32, 25})
	f.Add([]byte{4, 35, 13, 1, 20, 30})
	f.Add([]byte{5, 35, 17, 1, 2, 3})
	f.Add([]byte{0, 36, 29, 20})
	f.Add([]byte{6, 33, 9, 27, 28})
	f.Fuzz(func(t *testing.T, picks []byte) {
		if len(picks) == 0 {
			return
		}
		fns := []string{
			"reactor.listen_tcp", "reactor.connect_tcp", "reactor.listen_unix", "reactor.connect_unix",
			"T.write", "T.write_sequence", "T.register_producer", "T.set_tcp_no_delay",
		}
		fn := fns[int(picks[0])%len(fns)]
		var args []string
		if strings.HasPrefix(fn, "T.") {
			args = append(args, "T")
		}
		for _, b := range picks[1:min(len(picks), 6)] {
			args = append(args, fuzzValues[int(b)%len(fuzzValues)])
		}
		code := fmt.Sprintf(`
local F = protocol.ClientFactory()
local C = protocol.Protocol:extend()
local port = reactor.listen_tcp(0, protocol.ServerFactory(), {interface = "127.0.0.1"})
local PORT = port:get_host().port
function C:connection_made()
  T = self.transport
  local ok, e = pcall(function() return %s(%s) end)
  self.transport:abort_connection()
  reactor.stop()
end
reactor.connect_tcp("127.0.0.1", PORT, protocol.ClientFactory:extend{protocol = C}())
reactor.call_later(2, reactor.stop)
reactor.run()`, fn, strings.Join(args, ", "))
		if !strings.HasPrefix(fn, "T.") {
			code = fmt.Sprintf("\nlocal PORT = 9\nlocal F, T = protocol.ClientFactory(), 1\npcall(function() return %s(%s) end)\nreactor.call_later(0.01, reactor.stop)\nreactor.run()", fn, strings.Join(args, ", "))
		}
		dir := t.TempDir()
		res := runLuaWith(t, code, Config{
			Limits:  Limits{MaxRunTime: 10 * time.Second},
			AllowIO: loopbackOnly(dir),
		})
		if res.err != nil {
			t.Fatalf("%s\nerror: %v", code, res.err)
		}
		for _, r := range res.reports {
			if strings.Contains(r.Message, "internal error") || strings.Contains(r.Report(), "panic") {
				t.Fatalf("%s\nreport: %s", code, r.Report())
			}
		}
	})
}

// loopbackOnly refuses I/O on anything but a loopback address or a path
// inside dir.
func loopbackOnly(dir string) func(IORequest) error {
	return func(q IORequest) error {
		if strings.HasPrefix(q.Function, "listen_unix") || strings.HasPrefix(q.Function, "connect_unix") {
			if strings.HasPrefix(q.Target, dir+"/") {
				return nil
			}
			return errors.New("outside the test's folder")
		}
		host, _, err := net.SplitHostPort(q.Target)
		if ip := net.ParseIP(host); err == nil && ip != nil && ip.IsLoopback() {
			return nil
		}
		return errors.New("not loopback")
	}
}
