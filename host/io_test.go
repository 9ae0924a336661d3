package host_test

import (
	"strings"
	"testing"

	"github.com/loopscript/loopscript/host"
)

// An embedder capturing Options.Stdout and Options.Stderr gets all the
// script's output, the io library's included, in program order.
func TestIOWritesGoToOptionsWriters(t *testing.T) {
	var stderr strings.Builder
	h, out := newHost(t, host.Options{Stderr: &stderr})
	err := h.RunString("io.lua", `print("one")
io.write("two ", 2, "\n")
io.stdout:write("three\n")
io.output():write("four\n")
io.stderr:write("to stderr\n")
local reactor = require("reactor")
reactor.call_later(1, function() io.write("in a callback\n") reactor.stop() end)
reactor.run()`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "one\ntwo 2\nthree\nfour\nin a callback\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if want := "to stderr\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

// A sandbox still has no io library.
func TestSandboxHasNoIO(t *testing.T) {
	h, out := newHost(t, host.Options{Sandbox: &host.Sandbox{}})
	if err := h.RunString("sb.lua", `print(io, package.loaded.io)`); err != nil {
		t.Fatal(err)
	}
	if out.String() != "nil\tnil\n" {
		t.Errorf("got %q, want io absent", out.String())
	}
}
