package luabind

import (
	"testing"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// TestCallLaterAllocations pins what one call_later allocates: the luaCall
// alone (userdata, DelayedCall and function in one), and for extra
// arguments their array (the function first) and its slice header. The
// queue's own growth is amortised away over many calls.
func TestCallLaterAllocations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra []lua.LValue
		want  float64
	}{
		{"function only", nil, 1},
		{"with arguments", []lua.LValue{lua.LString("a"), lua.LTrue}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, _ := testState(t, Config{Clock: reactor.NewVirtualClock()})
			r, err := rt.Reactor()
			if err != nil {
				t.Fatal(err)
			}
			fn := L.NewFunction(func(*lua.LState) int { return 0 })
			var delay lua.LValue = lua.LNumber(0.25) // boxed once, here
			const runs = 20000
			allocs := testing.AllocsPerRun(runs, func() {
				L.Push(delay)
				L.Push(fn)
				for _, v := range tc.extra {
					L.Push(v)
				}
				rt.pushCallLater(L, r, 1, fnCallLater)
				L.SetTop(0)
			})
			if allocs != tc.want {
				t.Errorf("call_later allocates %v times, want %v", allocs, tc.want)
			}
			if r.Pending() != runs+1 { // AllocsPerRun runs once more to warm up
				t.Fatalf("%d timers pending, want %d", r.Pending(), runs+1)
			}
		})
	}
}
