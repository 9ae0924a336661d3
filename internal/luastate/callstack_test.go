package luastate

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// A call stack that grows on demand (MinimizeStackMemory) ends as a fixed
// one does: "stack overflow" at the calling line, after exactly
// CallStackSize frames, whichever kind of call fills it. gopher-lua's own
// growing stack panics with "lua callstack overflow" and no position.
func TestGrowingCallStackOverflowIsPositioned(t *testing.T) {
	if err := Lua51VM(); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, src string }{
		{"Lua call", "local d = 0\nlocal function f() d = d + 1; f() end\nlocal ok, e = pcall(f)\nreturn e .. ' ' .. d"},
		{"call of a Go function", "local d = 0\nlocal function f() d = d + 1; return 0 + select(1, f()) end\nlocal ok, e = pcall(f)\nreturn e .. ' ' .. d"},
		// Depths on both sides of the limit, so that one of them makes its
		// tail call of type() with the stack full.
		{"tail call of a Go function", "local function f(n) if n == 0 then return type(n) end return (f(n - 1)) end\nlocal out = {}\nfor n = 90, 105 do local ok, e = pcall(f, n) out[#out + 1] = e end\nreturn table.concat(out, ',')"},
		{"generic for's generator", "local d = 0\nlocal function gen() d = d + 1; for _ in gen do end end\nlocal ok, e = pcall(gen)\nreturn e .. ' ' .. d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const depth = 100
			want := map[bool]string{}
			for _, grow := range []bool{false, true} {
				L := lua.NewState(lua.Options{CallStackSize: depth, MinimizeStackMemory: grow})
				MarkLua51(L, lua51Number)
				msg, got := run(L, c.src)
				L.Close()
				if msg != "" {
					t.Fatalf("grow=%v: error %q", grow, msg)
				}
				want[grow] = got.String()
			}
			if !strings.Contains(want[true], "t.lua:") || !strings.Contains(want[true], "stack overflow") {
				t.Errorf("growing stack: %q, want a positioned stack overflow", want[true])
			}
			if want[true] != want[false] {
				t.Errorf("growing stack: %q, fixed stack: %q; want the same message and depth", want[true], want[false])
			}
		})
	}
}
