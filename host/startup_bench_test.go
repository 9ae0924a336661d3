package host

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// BenchmarkStartup is the in-process part of W1 (tests/bench): a host made,
// a script run and the host closed, per op, beside bare gopher-lua's
// NewState, DoString and Close. A fresh process pays more than either (the
// Go runtime's start, package initialisation, first-touched pages):
//
//	go test ./host -run '^$' -bench Startup -benchmem
func BenchmarkStartup(b *testing.B) {
	dir := b.TempDir()
	hello := filepath.Join(dir, "hello.lua")
	if err := os.WriteFile(hello, []byte("print('hello')\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	w1 := filepath.Join("..", "tests", "bench", "loopscript", "w1_startup.lua")
	for _, script := range []struct{ name, path string }{{"print", hello}, {"W1", w1}} {
		b.Run("host/"+script.name, func(b *testing.B) {
			for range b.N {
				h, err := New(Options{Stdout: io.Discard, Stderr: io.Discard, HandleSignals: true})
				if err != nil {
					b.Fatal(err)
				}
				if err := h.RunFile(script.path); err != nil {
					b.Fatal(err)
				}
				h.Close()
			}
		})
	}
	b.Run("bare gopher-lua/print", func(b *testing.B) {
		for range b.N {
			L := lua.NewState()
			L.SetGlobal("print", L.NewFunction(func(*lua.LState) int { return 0 }))
			if err := L.DoString("print('hello')"); err != nil {
				b.Fatal(err)
			}
			L.Close()
		}
	})
}
