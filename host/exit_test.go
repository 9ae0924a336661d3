package host

import (
	"errors"
	"strings"
	"testing"
)

// A script's os.exit comes back to the embedder as an *ExitError; the Go
// program goes on, and the host runs nothing more.
func TestExitReturnsToTheEmbedder(t *testing.T) {
	var out strings.Builder
	h, err := New(Options{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	err = h.RunString("exit.lua", `print("before") pcall(os.exit, 3) print("after")`)
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != 3 {
		t.Fatalf("RunString = %v, want an ExitError with code 3", err)
	}
	if got := out.String(); got != "before\n" {
		t.Errorf("output %q", got)
	}
	if err := h.RunString("again.lua", `print("ran again")`); !errors.Is(err, exit) {
		t.Errorf("a run after the exit returned %v, want the same ExitError", err)
	}
	if strings.Contains(out.String(), "ran again") {
		t.Error("a script ran after os.exit")
	}
}
