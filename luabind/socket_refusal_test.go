package luabind

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// openFds counts this process's open descriptors, or skips the test where
// /proc/self/fd does not list them.
func openFds(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	return len(entries)
}

// TestSocketConnectRefusedLeaksNothing: socket.connect refused by AllowIO
// after its socket was made (a name that resolves to a forbidden address,
// a bad local address) closes that socket at once. Before, a refusal
// raised with the socket open, and nothing closed it until the run ended.
func TestSocketConnectRefusedLeaksNothing(t *testing.T) {
	cfg := Config{AllowIO: func(q IORequest) error {
		if q.Name != "" {
			return errors.New("forbidden address")
		}
		return nil
	}}
	for _, tc := range []struct{ name, call, want string }{
		{"a name resolved to a forbidden address", `socket.connect("localhost", 9)`, "connect: forbidden address"},
		{"a local name resolved to a forbidden address", `socket.connect("127.0.0.1", 9, "localhost", 0)`, "bind: forbidden address"},
		{"a bad local port", `socket.connect("127.0.0.1", 9, "127.0.0.1", {})`, "bad argument #4 to 'connect'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, out := testState(t, cfg)
			before := openFds(t)
			fn, err := L.LoadString(`local socket = require("socket")
for i = 1, 50 do
  local ok, err = pcall(function() return ` + tc.call + ` end)
  if ok then print("connected") return end
  if i == 50 then print(err) end
end`)
			if err != nil {
				t.Fatal(err)
			}
			if err := rt.PCall(fn); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Fatalf("printed %q, want %q in it", out.String(), tc.want)
			}
			if after := openFds(t); after-before >= 10 {
				t.Errorf("%d descriptors open after 50 refused calls, %d before", after, before)
			}
		})
	}
}
