package luabind_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/luabind"
)

// Under a host.Sandbox the TCP and UNIX functions are present but refuse,
// naming themselves and the sandbox, unless the embedder allows the
// network; ApproveIO sees each address or path.
func TestTCPSandbox(t *testing.T) {
	const code = `local reactor, protocol, dir = require("reactor"), require("protocol"), ...
local f = protocol.ServerFactory()
for _, call in ipairs{
  function() return reactor.listen_tcp(0, f, {interface = "127.0.0.1"}) end,
  function() return reactor.connect_tcp("127.0.0.1", 9, protocol.ClientFactory()) end,
  function() return reactor.listen_unix(dir .. "/s.sock", f) end,
  function() return reactor.connect_unix("/tmp/none.sock", protocol.ClientFactory()) end,
} do
  local ok, v = pcall(call)
  if ok then v = type(v) end
  print(ok, v)
end`
	var asked []string
	tests := []struct {
		name string
		sb   *host.Sandbox
		want string
	}{
		{"no network", &host.Sandbox{},
			"false\tsb.lua:4: listen_tcp: not allowed in the sandbox (network)\n" +
				"false\tsb.lua:5: connect_tcp: not allowed in the sandbox (network)\n" +
				"false\tsb.lua:6: listen_unix: not allowed in the sandbox (network)\n" +
				"false\tsb.lua:7: connect_unix: not allowed in the sandbox (network)\n"},
		{"network allowed", &host.Sandbox{AllowNetwork: true},
			"true\tuserdata\ntrue\tuserdata\ntrue\tuserdata\ntrue\tuserdata\n"},
		{"approved one by one", &host.Sandbox{AllowNetwork: true, ApproveIO: func(q luabind.IORequest) error {
			asked = append(asked, q.String())
			if strings.HasPrefix(q.Function, "connect") {
				return errors.New("no outgoing connections")
			}
			return nil
		}},
			"true\tuserdata\nfalse\tsb.lua:5: connect_tcp: no outgoing connections\n" +
				"true\tuserdata\nfalse\tsb.lua:7: connect_unix: no outgoing connections\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			h, err := host.New(host.Options{Stdout: &out, Sandbox: tc.sb, MaxRunTime: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			dir := t.TempDir()
			if err := h.RunString("sb.lua", code, dir); err != nil {
				t.Fatal(err)
			}
			if got := strings.ReplaceAll(out.String(), dir, "DIR"); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
	wantAsked := "listen_tcp 127.0.0.1:0 (network)|connect_tcp 127.0.0.1:9 (network)|" +
		"listen_unix DIR/s.sock (network)|connect_unix /tmp/none.sock (network)"
	if got := strings.Join(asked, "|"); !strings.HasPrefix(got, "listen_tcp") || strings.Count(got, "|") != 3 || !strings.HasSuffix(got, "/s.sock (network)|connect_unix /tmp/none.sock (network)") || !strings.HasPrefix(got, wantAsked[:strings.Index(wantAsked, "listen_unix")]) {
		t.Errorf("ApproveIO saw %s, want %s", got, wantAsked)
	}
}
