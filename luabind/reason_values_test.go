package luabind

import (
	"syscall"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestReasonValues checks that a value boxed once is the value it stands
// for, at the edges of what is boxed once and past them.
func TestReasonValues(t *testing.T) {
	for _, n := range []int{0, 1, 3, 255, 256, 257, 3 << 8, 255 << 8, 256 << 8, 3<<8 | 0x80, -1, 1 << 20} {
		if got := numberValue(n); got != lua.LNumber(n) {
			t.Errorf("numberValue(%d) = %v", n, got)
		}
	}
	for _, errno := range []syscall.Errno{0, syscall.ECONNRESET, syscall.ENOENT, 255, 256, 4000} {
		if got, want := errnoTextValue(errno), lua.LString(capitalized(errno.Error())); got != want {
			t.Errorf("errnoTextValue(%d) = %q, want %q", int(errno), got, want)
		}
	}
	for _, message := range []string{lostMessage, "A process has ended without apparent errors: process finished with exit code 0.", "some other words", ""} {
		if got := messageValue(message); got != lua.LString(message) {
			t.Errorf("messageValue(%q) = %q", message, got)
		}
	}
}
