package reactor

import (
	"testing"
	"unsafe"
)

// A DelayedCall is embedded in every pending timer of a binding (luabind's
// luaCall), whose size class it decides: it holds no pointer to its bucket,
// which is found from its time, and stays at 48 bytes.
func TestDelayedCallSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the size is planned for 64-bit platforms")
	}
	if size := unsafe.Sizeof(DelayedCall{}); size != 48 {
		t.Errorf("DelayedCall is %d bytes, want 48", size)
	}
}
