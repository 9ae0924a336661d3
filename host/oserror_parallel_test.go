package host

import (
	"strings"
	"sync"
	"testing"
)

// TestOSErrorsOnParallelHosts: hosts on separate goroutines translate Go's
// file errors into Lua 5.1's at the same time; the table that translation
// uses is shared by the process (go test -race checks it is built once,
// safely).
func TestOSErrorsOnParallelHosts(t *testing.T) {
	var wg sync.WaitGroup
	outs := make([]strings.Builder, 4)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := New(Options{Stdout: &outs[i]})
			if err != nil {
				t.Error(err)
				return
			}
			defer h.Close()
			if err := h.RunString("open.lua", `print(io.open("/nonexistent-loopscript/x"))`); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := range outs {
		if got, want := outs[i].String(), "nil\t/nonexistent-loopscript/x: No such file or directory\t2\n"; got != want {
			t.Errorf("host %d printed %q, want %q", i, got, want)
		}
	}
}
