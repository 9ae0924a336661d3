package luastate

import (
	"os"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestPinnedVersion fails on any gopher-lua but the one this package was
// written for: its private layout may have changed in ways the reflection
// checks cannot see (a field's meaning, the order of the upvalue list).
func TestPinnedVersion(t *testing.T) {
	if err := Supported(); err != nil {
		t.Fatal(err)
	}
	v := LinkedVersion()
	if v == "" {
		// Test binaries carry no dependency list: read the requirement.
		v = requiredVersion(t)
	}
	if v != Version {
		t.Fatalf("linked %s %s; luastate was written for %s: re-check every private field it uses, then update Version", Module, v, Version)
	}
}

func TestErrorFuncFlag(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if ErrorFuncActive(L) {
		t.Fatal("a new state has the flag set")
	}
	SetErrorFuncActive(L, true)
	if !ErrorFuncActive(L) {
		t.Fatal("flag not set")
	}
	SetErrorFuncActive(L, false)
	if ErrorFuncActive(L) {
		t.Fatal("flag not cleared")
	}
}

func TestTop(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	base := Top(L)
	L.Push(lua.LNumber(1))
	L.Push(lua.LNumber(2))
	if got := Top(L) - base; got != 2 {
		t.Fatalf("two pushes moved Top by %d", got)
	}
	if L.GetTop() != 2 {
		t.Fatalf("GetTop = %d", L.GetTop())
	}
}

// TestCloseUpvalues keeps two closures of a running function open, closes
// the upvalues above the first local only, and checks that each keeps its
// value, shared, while the other stays open on its slot.
func TestCloseUpvalues(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	var openBefore, openAfter int
	L.SetGlobal("close_above", L.NewFunction(func(L *lua.LState) int {
		// The caller's registers: a, b, getA, getB, setB, then this
		// function, then (at this call's base) its arguments: none.
		from := Top(L) - L.GetTop() - 5 // b's slot
		openBefore = OpenUpvalues(L, 0)
		CloseUpvalues(L, from)
		openAfter = OpenUpvalues(L, 0)
		return 0
	}))
	err := L.DoString(`
		local a, b = "a0", "b0"
		local getA = function() return a end
		local getB, setB = function() return b end, function(v) b = v end
		close_above()
		b = "local"      -- the slot only: the closed upvalue keeps "b0"
		a = "a1"         -- still open: getA sees it
		local seen = getB()
		setB("b1")       -- getB and setB share the closed upvalue
		result = table.concat({getA(), seen, getB(), b}, " ")
	`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := L.GetGlobal("result").String(), "a1 b0 b1 local"; got != want {
		t.Errorf("result = %q, want %q", got, want)
	}
	if openBefore != 2 || openAfter != 1 {
		t.Errorf("open upvalues: %d before, %d after; want 2, 1", openBefore, openAfter)
	}
}

func TestWrapped(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`co = coroutine.create(function() end); w = coroutine.wrap(function() end)`); err != nil {
		t.Fatal(err)
	}
	co := L.GetGlobal("co").(*lua.LState)
	if Wrapped(co) {
		t.Fatal("a created coroutine counts as wrapped")
	}
	SetWrapped(co, true)
	if !Wrapped(co) {
		t.Fatal("SetWrapped(true) did not take")
	}
}

// requiredVersion is the version of Module that the repository's go.mod
// requires.
func requiredVersion(t *testing.T) string {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mod), "\n") {
		if f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require")); len(f) >= 2 && f[0] == Module {
			return f[1]
		}
	}
	t.Fatalf("go.mod does not require %s", Module)
	return ""
}
