package luastate

import (
	"reflect"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestSetArray: a table given its array part reads, grows, counts and
// iterates as one gopher-lua filled with RawSetInt.
func TestSetArray(t *testing.T) {
	if tableLayoutErr != nil {
		t.Fatal(tableLayoutErr)
	}
	type block struct {
		table lua.LTable
		slots [3]lua.LValue
	}
	b := &block{slots: [3]lua.LValue{lua.LString("a"), lua.LNumber(2), lua.LTrue}}
	if !SetArray(&b.table, b.slots[:]) {
		t.Fatal("SetArray refused a matching layout")
	}
	b.table.Metatable = lua.LNil
	tb := &b.table
	tb.RawSetInt(4, lua.LString("grown"))
	tb.RawSetInt(2, lua.LNumber(20))
	tb.RawSetString("k", lua.LString("v"))

	want := lua.LTable{}
	for i, v := range []lua.LValue{lua.LString("a"), lua.LNumber(20), lua.LTrue, lua.LString("grown")} {
		want.RawSetInt(i+1, v)
	}
	want.RawSetString("k", lua.LString("v"))
	if tb.Len() != want.Len() {
		t.Errorf("#t is %d, want %d", tb.Len(), want.Len())
	}
	for i := 1; i <= 5; i++ {
		if got, w := tb.RawGetInt(i), want.RawGetInt(i); got != w {
			t.Errorf("t[%d] is %v, want %v", i, got, w)
		}
	}
	n := 0
	tb.ForEach(func(k, v lua.LValue) {
		n++
		if w := want.RawGet(k); w != v {
			t.Errorf("pairs gave t[%v] = %v, want %v", k, v, w)
		}
	})
	if n != 5 {
		t.Errorf("pairs gave %d pairs, want 5", n)
	}
}

// TestTableLayoutRefuses: a mirror of LTable that differs is refused, so
// SetArray never writes through it.
func TestTableLayoutRefuses(t *testing.T) {
	type swapped struct {
		array     []lua.LValue
		Metatable lua.LValue
	}
	if err := mirrors(reflect.TypeFor[swapped](), reflect.TypeFor[lua.LTable](), false); err == nil {
		t.Error("a mirror with its fields swapped was accepted")
	}
}
