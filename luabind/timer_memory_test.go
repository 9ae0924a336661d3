package luabind

import (
	"runtime"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/reactor"
)

// TestBytesPerPendingTimer pins the heap a pending call_later keeps, the
// figure that sets W2's live heap and with it the garbage collector's
// marking at every cycle: the luaCall (112 bytes, its size class) and the
// 8-byte pointer a far bucket keeps, with a little room for the queue's own
// arrays (147 bytes when the luaCall was 128 and a bucket kept 16-byte
// slots, 131 with 16-byte slots). Timers with extra arguments also keep
// the function and its arguments in an array, the boxed number among them
// with the allocator's block it came from.
func TestBytesPerPendingTimer(t *testing.T) {
	// Spread over 20 ms, the timers fill a score of the queue's buckets, as
	// W2's fill theirs, rather than leaving a part-filled chunk per timer.
	const n = 50000
	for _, tc := range []struct {
		name string
		call string
		max  float64
	}{
		{"function only", "reactor.call_later((i % 20) / 1000, f)", 128},
		{"with arguments", "reactor.call_later((i % 20) / 1000, f, i, 'x')", 224},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, _ := testState(t, Config{Clock: reactor.NewVirtualClock()})
			fn, err := L.Load(strings.NewReader(`
local reactor = require("reactor")
local function f() end
for i = 1, `+itoa(n)+` do `+tc.call+` end`), "timers.lua")
			if err != nil {
				t.Fatal(err)
			}
			heap := func() uint64 {
				var m runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m)
				return m.HeapAlloc
			}
			// The first timer builds the DelayedCall metatable and the
			// module; schedule one before measuring.
			warm, err := L.Load(strings.NewReader(`require("reactor").call_later(1, function() end)`), "warm.lua")
			if err != nil {
				t.Fatal(err)
			}
			if err := rt.PCall(warm); err != nil {
				t.Fatal(err)
			}
			before := heap()
			if err := rt.PCall(fn); err != nil {
				t.Fatal(err)
			}
			perTimer := float64(heap()-before) / n
			t.Logf("%.1f bytes per pending timer", perTimer)
			if perTimer > tc.max {
				t.Errorf("a pending timer keeps %.1f bytes, want at most %.0f", perTimer, tc.max)
			}
			r, _ := rt.Reactor()
			if r.Pending() != n+1 {
				t.Fatalf("%d timers pending, want %d", r.Pending(), n+1)
			}
		})
	}
}
