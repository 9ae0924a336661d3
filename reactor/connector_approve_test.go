package reactor

import (
	"errors"
	"net"
	"testing"
)

// TestApproveAddressSeesTheAddressDialed: the hook is asked about the
// address a name resolved to (or the IP address given), a refusal fails
// the attempt with a *ConnectError wrapping it and dials nothing, and an
// approval connects to exactly that address.
func TestApproveAddressSeesTheAddressDialed(t *testing.T) {
	refused := errors.New("refused by the policy")
	tests := []struct {
		name    string
		host    string
		refuse  bool
		connect bool
	}{
		{"a name, refused", "localhost", true, false},
		{"an address, refused", "127.0.0.1", true, false},
		{"a name, approved", "localhost", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newTestReactor(t, Config{})
			var servers []*testProto
			port, err := r.ListenTCP(0, "127.0.0.1", 0, echoServer(&servers, func() {}))
			if err != nil {
				t.Fatal(err)
			}
			portNum := port.Addr().(*net.TCPAddr).Port
			var asked []string
			approve := func(a *net.TCPAddr) error {
				asked = append(asked, a.String())
				if tc.refuse {
					return refused
				}
				return nil
			}
			cp := &testProto{onMade: func(p *testProto) { p.t.LoseConnection() }}
			client := &testClient{proto: cp, onLost: func(error) { r.Stop() }, onFailed: func(error) { r.Stop() }}
			if _, err := r.ConnectTCP(tc.host, portNum, 0, client, ApproveAddress(approve)); err != nil {
				t.Fatal(err)
			}
			run(t, r)
			if want := port.Addr().String(); len(asked) != 1 || asked[0] != want {
				t.Fatalf("the hook saw %v, want [%s]", asked, want)
			}
			if tc.connect {
				if client.built != 1 || len(client.failed) != 0 {
					t.Fatalf("built %d, failed %v", client.built, client.failed)
				}
				return
			}
			var ce *ConnectError
			if client.built != 0 || len(client.failed) != 1 || !errors.As(client.failed[0], &ce) || !errors.Is(ce, refused) {
				t.Fatalf("built %d, failed %v: want one failure wrapping the refusal", client.built, client.failed)
			}
			if len(servers) != 0 {
				t.Fatalf("the refused attempt reached the server (%d connections)", len(servers))
			}
		})
	}
}
