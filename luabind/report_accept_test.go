package luabind

import (
	"net"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/reactor"
	"golang.org/x/sys/unix"
)

// A port out of descriptors is an operating condition: a warning line, as
// Twisted logs "Could not accept new connection (EMFILE)", not an
// "Unhandled error ... internal error" report, and no OnError call.
func TestAcceptErrorIsAWarning(t *testing.T) {
	var stderr strings.Builder
	called := false
	_, rt, _ := testState(t, Config{Stderr: &stderr, OnError: func(*CallbackError) { called = true }})
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}
	rt.ReportError(&reactor.AcceptError{Addr: addr, Err: unix.EMFILE, LeftOut: 3})
	want := "warning: reactor: could not accept new connection on 127.0.0.1:8000 (EMFILE): too many open files (3 more accept failures since the last report)\n"
	if stderr.String() != want {
		t.Errorf("stderr:\n%q\nwant\n%q", stderr.String(), want)
	}
	if called {
		t.Error("OnError was called for an accept failure")
	}
}
