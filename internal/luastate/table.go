package luastate

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua makes a table's array part apart from the table (two
// allocations, each with its share of the collector's work). A caller that
// makes many small tables of a fixed shape can allocate the table and its
// array in one Go object and hand the array to the table here.

// tableLayout mirrors the prefix of lua.LTable up to its array part.
type tableLayout struct {
	Metatable lua.LValue
	array     []lua.LValue
}

var tableLayoutErr = mirrors(reflect.TypeFor[tableLayout](), reflect.TypeFor[lua.LTable](), false)

// SetArray makes array the array part of t, a table no Lua code has seen yet
// and whose array part is empty: t[i] is array[i-1] for i up to len(array),
// and the table grows past cap(array) as gopher-lua grows any table (into a
// new array of its own). t then owns array: the caller must not write to it
// again. array holds no Go nil (lua.LNil for a hole). It reports false,
// having done nothing, when the linked gopher-lua's LTable is not the one
// mirrored here: the caller then fills t with RawSetInt.
func SetArray(t *lua.LTable, array []lua.LValue) bool {
	if tableLayoutErr != nil {
		return false
	}
	(*tableLayout)(unsafe.Pointer(t)).array = array
	return true
}
