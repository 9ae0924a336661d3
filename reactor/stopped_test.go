package reactor

import (
	"errors"
	"net"
	"testing"
)

// TestNoIOOnAStoppedReactor: once Run has returned (or the reactor was
// closed), every call that would start I/O fails with ErrReactorStopped
// and starts nothing.
func TestNoIOOnAStoppedReactor(t *testing.T) {
	for _, how := range []string{"ran", "closed"} {
		t.Run(how, func(t *testing.T) {
			r, _ := newTestReactor(t, Config{})
			if how == "ran" {
				r.CallWhenRunning(func() { r.Stop() })
				if err := r.Run(); err != nil {
					t.Fatal(err)
				}
			} else {
				r.Close()
			}
			noProto := func(net.Addr) Protocol { return nil }
			calls := map[string]func() error{
				"ListenTCP":  func() error { _, err := r.ListenTCP(0, "127.0.0.1", 5, noProto); return err },
				"ListenUNIX": func() error { _, err := r.ListenUNIX(t.TempDir()+"/s", 5, noProto); return err },
				"ConnectTCP": func() error { _, err := r.ConnectTCP("127.0.0.1", 9, 0, nil); return err },
				"ListenUDP":  func() error { _, err := r.ListenUDP(0, "127.0.0.1", nil); return err },
				"SpawnProcess": func() error {
					_, err := r.SpawnProcess(&procRecorder{r: r}, "/bin/true", []string{"true"}, ProcessOptions{})
					return err
				},
				"AddReader": func() error { return r.AddReader(&testWatcher{name: "stdin", fd: 0}) },
			}
			for name, call := range calls {
				if err := call(); !errors.Is(err, ErrReactorStopped) {
					t.Errorf("%s: %v, want ErrReactorStopped", name, err)
				}
			}
		})
	}
}

// TestCloseWithoutRunEndsIO: Close on a reactor that never ran closes the
// ports and connections set up on it, as a shutdown would.
func TestCloseWithoutRunEndsIO(t *testing.T) {
	r, _ := newTestReactor(t, Config{})
	p, err := r.ListenTCP(0, "127.0.0.1", 5, func(net.Addr) Protocol { return nil })
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if p.Listening() {
		t.Error("the port still listens after Close")
	}
	if p.Fd() >= 0 {
		t.Errorf("the port's descriptor %d is still open after Close", p.Fd())
	}
}
