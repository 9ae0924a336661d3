package luabind

import (
	"strings"
	"testing"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// TestStartupDefersCallMetatables: opening a Runtime builds neither the
// DelayedCall nor the LoopingCall metatable (a script that schedules nothing
// never needs them); the first call of each kind builds its metatable, which
// every later one shares.
func TestStartupDefersCallMetatables(t *testing.T) {
	for _, tc := range []struct {
		name, code string
		made       func(rt *Runtime) *lua.LTable
		other      func(rt *Runtime) *lua.LTable
	}{
		{"DelayedCall", `local r = require("reactor"); a = r.call_later(1, print); b = r.call_later(2, print)`,
			func(rt *Runtime) *lua.LTable { return rt.delayedCallMeta },
			func(rt *Runtime) *lua.LTable { return rt.loopingCallMeta }},
		{"LoopingCall", `local task = require("task"); a = task.looping_call(print); b = task.looping_call(print)`,
			func(rt *Runtime) *lua.LTable { return rt.loopingCallMeta },
			func(rt *Runtime) *lua.LTable { return rt.delayedCallMeta }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L := lua.NewState()
			rt := Open(L, Config{Clock: reactor.NewVirtualClock()})
			defer L.Close()
			defer rt.Close()
			if rt.delayedCallMeta != nil || rt.loopingCallMeta != nil {
				t.Fatal("Open built a call metatable")
			}
			fn, err := L.Load(strings.NewReader(tc.code), "calls.lua")
			if err != nil {
				t.Fatal(err)
			}
			if err := rt.PCall(fn); err != nil {
				t.Fatal(err)
			}
			meta := tc.made(rt)
			if meta == nil {
				t.Fatalf("no %s metatable after two %ss", tc.name, tc.name)
			}
			for _, global := range []string{"a", "b"} {
				ud, ok := L.GetGlobal(global).(*lua.LUserData)
				if !ok || ud.Metatable != meta {
					t.Errorf("%s's metatable is not the shared %s metatable", global, tc.name)
				}
			}
			if tc.other(rt) != nil {
				t.Errorf("a %s built the other kind's metatable", tc.name)
			}
		})
	}
}
