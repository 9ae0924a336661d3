package luastate

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// A table whose string keys SetStringKeys recorded, the first with a value,
// reads to Lua as the one gopher-lua leaves after setting them all in order
// and clearing the others: next's order, keys without a value skipped, a
// key set later keeping its place, new keys after the recorded ones and
// growth past the slice's room.
func TestSetStringKeys(t *testing.T) {
	cases := []struct {
		name, script, want string
	}{
		{"values only for the first", ``, "a=1"},
		{"a recorded key set later keeps its place", `t.c = 3 t.b = 2`, "a=1 b=2 c=3"},
		{"new keys go after, past the room", `t.z = 26 t.c = 3 t.y = 25 t.x = 24`, "a=1 c=3 z=26 y=25 x=24"},
		{"a key cleared and set again", `t.a = nil t.b = 2 t.a = 1`, "a=1 b=2"},
		{"rawget of a recorded key", `t.d = rawget(t, "b") == nil and "nil" or "set"`, "a=1 d=nil"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := map[bool]string{}
			for _, recorded := range []bool{false, true} {
				L := lua.NewState()
				tbl := &lua.LTable{}
				if recorded {
					keys := make([]lua.LValue, 3, 4)
					keys[0], keys[1], keys[2] = lua.LString("a"), lua.LString("b"), lua.LString("c")
					if !SetStringKeys(tbl, keys, []lua.LValue{lua.LNumber(1)}, 4) {
						t.Skip("gopher-lua's LTable is not the mirrored layout")
					}
				} else {
					// What gopher-lua leaves after t.a, t.b, t.c = 1, 2, 3
					// and then t.b, t.c = nil, nil.
					tbl.RawSetString("a", lua.LNumber(1))
					tbl.RawSetString("b", lua.LNumber(2))
					tbl.RawSetString("c", lua.LNumber(3))
					tbl.RawSetString("b", lua.LNil)
					tbl.RawSetString("c", lua.LNil)
				}
				L.SetGlobal("t", tbl)
				src := c.script + `
local out = {}
local k, v = next(t)
while k do out[#out + 1] = k .. "=" .. tostring(v) k, v = next(t, k) end
result = table.concat(out, " ")`
				if err := L.DoString(src); err != nil {
					t.Fatal(err)
				}
				got[recorded] = L.GetGlobal("result").String()
				L.Close()
			}
			if got[true] != got[false] || got[true] != c.want {
				t.Errorf("recorded keys: %q, keys set one by one: %q, want %q", got[true], got[false], c.want)
			}
		})
	}
}
