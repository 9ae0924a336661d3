package luastate

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestRepeatCallOnYield parks a Go function at each kind of call site it
// can be made again from (a call, a tail call from a function called with
// no arguments, a call whose results are all kept), resumes it, and checks
// that the function given takes the call's place with its results; and that
// the other sites (Go code, a metamethod) are refused, with nothing changed.
func TestRepeatCallOnYield(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	again := L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("again"))
		return 1
	})
	L.SetGlobal("park", L.NewFunction(func(L *lua.LState) int {
		if !RepeatCallOnYield(L, again) {
			L.Push(lua.LString("refused"))
			return 1
		}
		return L.Yield(lua.LString("parked"))
	}))
	if err := L.DoString(`
		local function tail() return park() end
		local co = coroutine.create(function(x)
			local a = park(x)
			local b = tail()
			local c = {park(1, 2)}
			return a, b, #c, c[1]
		end)
		yields = {}
		for i = 1, 3 do
			local ok, v = coroutine.resume(co, "resume", i)
			yields[i] = tostring(ok) .. " " .. tostring(v) .. " " .. coroutine.status(co)
		end
		ended = {coroutine.resume(co, "resume", 4)}
		refused = {select(2, pcall(park)), setmetatable({}, {__index = park}).x}`); err != nil {
		t.Fatal(err)
	}
	yields := L.GetGlobal("yields").(*lua.LTable)
	for i := 1; i <= 3; i++ {
		if v := yields.RawGetInt(i); v != lua.LString("true parked suspended") {
			t.Errorf("resume %d: %v, want a yield of \"parked\"", i, v)
		}
	}
	ended := L.GetGlobal("ended").(*lua.LTable)
	want := []lua.LValue{lua.LTrue, lua.LString("again"), lua.LString("again"), lua.LNumber(1), lua.LString("again")}
	if ended.Len() != len(want) {
		t.Fatalf("the last resume returned %d values, want %v", ended.Len(), want)
	}
	for i := range want {
		if got := ended.RawGetInt(i + 1); got != want[i] {
			t.Errorf("the last resume's value %d is %v, want %v", i+1, got, want[i])
		}
	}
	refused := L.GetGlobal("refused").(*lua.LTable)
	for i, w := range []lua.LValue{lua.LString("refused"), lua.LString("refused")} {
		if v := refused.RawGetInt(i + 1); v != w {
			t.Errorf("refused[%d] = %v, want %v", i+1, v, w)
		}
	}
}
