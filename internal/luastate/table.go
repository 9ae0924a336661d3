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

// gopher-lua records a table's string keys, in the order they were first
// set, in a slice and an index map beside the values: that order is what
// next follows. Each new key costs the key boxed twice, the slice grown and,
// for the first, the index map made. A caller that makes many tables with
// the same first keys can record them in one go, into a slice of its own.

// tableKeysLayout mirrors all of lua.LTable.
type tableKeysLayout struct {
	Metatable lua.LValue
	array     []lua.LValue
	dict      map[lua.LValue]lua.LValue
	strdict   map[string]lua.LValue
	keys      []lua.LValue
	k2i       map[lua.LValue]int
}

var tableKeysLayoutErr = mirrors(reflect.TypeFor[tableKeysLayout](), reflect.TypeFor[lua.LTable](), true)

// SetStringKeys records keys, each an lua.LString, as the string keys of t,
// a table no Lua code has seen yet and that has none, in that order (next's
// order): keys[i] gets values[i] for i below len(values), and the keys past
// those are recorded without a value, the state gopher-lua leaves after
// t.k = nil (next skips them, rawget finds nil; a later t.k = v keeps k's
// place in the order, as it would in gopher-lua). t then owns keys, whose
// capacity is the room for more before gopher-lua grows it: the caller must
// not write to it again. room is the number of string keys the table's map
// is made for. It reports false, having done nothing, when the linked
// gopher-lua's LTable is not the one mirrored here: the caller then sets the
// values with RawSetString.
func SetStringKeys(t *lua.LTable, keys, values []lua.LValue, room int) bool {
	if tableKeysLayoutErr != nil || len(values) > len(keys) {
		return false
	}
	l := (*tableKeysLayout)(unsafe.Pointer(t))
	l.strdict = make(map[string]lua.LValue, max(room, len(keys)))
	for i, v := range values {
		l.strdict[string(keys[i].(lua.LString))] = v
	}
	l.keys = keys
	l.k2i = make(map[lua.LValue]int, cap(keys))
	for i, k := range keys {
		l.k2i[k] = i
	}
	return true
}
