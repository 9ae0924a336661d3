package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1's table library (ltablib.c), in place of gopher-lua's: sort is
// Lua 5.1's quicksort, so a comparator is called on the same pairs in the
// same order, an inconsistent one raises "invalid order function for
// sorting" and elements that cannot be compared raise Lua 5.1's "attempt to
// compare two table values"; insert refuses a wrong number of arguments,
// remove outside 1..#t returns nothing, and foreach, foreachi and setn (which
// raises "'setn' is obsolete") are there. table.concat is hardenStdlib's.

var (
	fnInsert   = fname{name: "insert"}
	fnRemove   = fname{name: "remove"}
	fnSort     = fname{name: "sort"}
	fnMaxn     = fname{name: "maxn"}
	fnGetn     = fname{name: "getn"}
	fnSetn     = fname{name: "setn"}
	fnForeach  = fname{name: "foreach"}
	fnForeachi = fname{name: "foreachi"}
)

// installTableFunctions puts Lua 5.1's table functions in the table
// library, when the sandbox left it in.
func (rt *Runtime) installTableFunctions() {
	L := rt.L
	tbl, ok := L.GetGlobal("table").(*lua.LTable)
	if !ok {
		return
	}
	for name, fn := range map[string]lua.LGFunction{
		"insert": tableInsert, "remove": tableRemove, "sort": tableSort,
		"maxn": tableMaxn, "getn": tableGetn, "setn": tableSetn,
		"foreach": tableForeach, "foreachi": tableForeachi,
	} {
		tbl.RawSetString(name, L.NewFunction(fn))
	}
}

// tableArg is luaL_checktype(L, n, LUA_TTABLE).
func tableArg(L *lua.LState, n int, f fname) *lua.LTable {
	t, ok := L.Get(n).(*lua.LTable)
	if !ok {
		typeError(L, n, f, "table")
	}
	return t
}

// functionArg is luaL_checktype(L, n, LUA_TFUNCTION).
func functionArg(L *lua.LState, n int, f fname) *lua.LFunction {
	fn, ok := L.Get(n).(*lua.LFunction)
	if !ok {
		typeError(L, n, f, "function")
	}
	return fn
}

// intArg is luaL_checkint: luaL_checkinteger's C long cast to a 32-bit int.
func intArg(L *lua.LState, n int, f fname) int {
	return int(int32(luaIntegerArg(L, n, f)))
}

// overdue reports whether the running code's time limit has passed; a long
// loop in Go stops then, and the VM raises the limit's error at its next
// instruction.
func overdue(L *lua.LState, i int) bool {
	if i&4095 != 0 {
		return false
	}
	ctx := L.Context()
	return ctx != nil && ctx.Err() != nil
}

func tableInsert(L *lua.LState) int {
	t := tableArg(L, 1, fnInsert)
	e := t.Len() + 1 // the first empty element
	var pos int
	switch L.GetTop() {
	case 2:
		pos = e
	case 3:
		pos = intArg(L, 2, fnInsert)
		if pos > e {
			e = pos
		}
		for i := e; i > pos; i-- { // move up the elements
			t.RawSetInt(i, t.RawGetInt(i-1))
			if overdue(L, i) {
				return 0
			}
		}
	default:
		L.RaiseError("wrong number of arguments to 'insert'")
	}
	t.RawSetInt(pos, L.Get(L.GetTop()))
	return 0
}

func tableRemove(L *lua.LState) int {
	t := tableArg(L, 1, fnRemove)
	e := t.Len()
	pos := e
	if L.Get(2) != lua.LNil {
		pos = intArg(L, 2, fnRemove)
	}
	if pos < 1 || pos > e {
		return 0 // nothing to remove
	}
	L.Push(t.RawGetInt(pos))
	for ; pos < e; pos++ {
		t.RawSetInt(pos, t.RawGetInt(pos+1))
	}
	t.RawSetInt(e, lua.LNil)
	return 1
}

func tableMaxn(L *lua.LState) int {
	t := tableArg(L, 1, fnMaxn)
	max := 0.0
	t.ForEach(func(k, _ lua.LValue) {
		if n, ok := k.(lua.LNumber); ok && float64(n) > max {
			max = float64(n)
		}
	})
	L.Push(lua.LNumber(max))
	return 1
}

func tableGetn(L *lua.LState) int {
	L.Push(lua.LNumber(tableArg(L, 1, fnGetn).Len()))
	return 1
}

func tableSetn(L *lua.LState) int {
	tableArg(L, 1, fnSetn)
	L.RaiseError("'setn' is obsolete")
	return 0
}

// tableForeach calls f(k, v) for each pair, stopping at the first result
// that is not nil and returning it.
func tableForeach(L *lua.LState) int {
	t := tableArg(L, 1, fnForeach)
	f := functionArg(L, 2, fnForeach)
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if callStops(L, f, k, v) {
			return 1
		}
	}
	return 0
}

// tableForeachi calls f(i, t[i]) for i from 1 to #t, stopping as foreach.
func tableForeachi(L *lua.LState) int {
	t := tableArg(L, 1, fnForeachi)
	n := t.Len()
	f := functionArg(L, 2, fnForeachi)
	for i := 1; i <= n; i++ {
		if callStops(L, f, lua.LNumber(i), t.RawGetInt(i)) {
			return 1
		}
	}
	return 0
}

// callStops calls f(k, v) for foreach and foreachi: a result that is not
// nil stops the loop and is left on the stack for the function to return.
func callStops(L *lua.LState, f *lua.LFunction, k, v lua.LValue) bool {
	L.Push(f)
	L.Push(k)
	L.Push(v)
	L.Call(2, 1)
	if L.Get(-1) != lua.LNil {
		return true
	}
	L.Pop(1)
	return false
}

func tableSort(L *lua.LState) int {
	s := sorter{L: L, t: tableArg(L, 1, fnSort)}
	n := s.t.Len()
	if L.Get(2) != lua.LNil {
		s.less = functionArg(L, 2, fnSort)
	}
	s.sort(1, n)
	return 0
}

// sorter is ltablib.c's auxsort over t, comparing with less or, when it is
// nil, with Lua's <.
type sorter struct {
	L    *lua.LState
	t    *lua.LTable
	less *lua.LFunction
}

func (s *sorter) get(i int) lua.LValue { return s.t.RawGetInt(i) }

// set2 stores a at i and b at j, as ltablib.c's set2 pops them.
func (s *sorter) set2(i int, a lua.LValue, j int, b lua.LValue) {
	s.t.RawSetInt(i, a)
	s.t.RawSetInt(j, b)
}

// lt is sort_comp: the comparator's result as a boolean, or a < b.
func (s *sorter) lt(a, b lua.LValue) bool {
	if s.less == nil {
		return lessThan(s.L, a, b)
	}
	s.L.Push(s.less)
	s.L.Push(a)
	s.L.Push(b)
	s.L.Call(2, 1)
	r := lua.LVAsBool(s.L.Get(-1))
	s.L.Pop(1)
	return r
}

// sort orders t[l..u]: the median of three is the pivot, the smaller part
// is sorted by recursion and the larger by the loop, so the recursion is at
// most log2(n) deep.
func (s *sorter) sort(l, u int) {
	for l < u {
		if a, b := s.get(l), s.get(u); s.lt(b, a) { // a[u] < a[l]?
			s.set2(l, b, u, a)
		}
		if u-l == 1 {
			return
		}
		i := (l + u) / 2
		if a, b := s.get(i), s.get(l); s.lt(a, b) { // a[i] < a[l]?
			s.set2(i, b, l, a)
		} else if c := s.get(u); s.lt(c, a) { // a[u] < a[i]?
			s.set2(i, c, u, a)
		}
		if u-l == 2 {
			return
		}
		pivot := s.get(i)
		s.set2(i, s.get(u-1), u-1, pivot)
		// a[l] <= pivot == a[u-1] <= a[u]: partition l+1 .. u-2.
		i, j := l, u-1
		for {
			for ai := s.get(i + 1); ; ai = s.get(i + 1) {
				i++
				if !s.lt(ai, pivot) {
					break
				}
				if i > u {
					s.L.RaiseError("invalid order function for sorting")
				}
			}
			for aj := s.get(j - 1); ; aj = s.get(j - 1) {
				j--
				if !s.lt(pivot, aj) {
					break
				}
				if j < l {
					s.L.RaiseError("invalid order function for sorting")
				}
			}
			if j < i {
				break
			}
			s.set2(i, s.get(j), j, s.get(i))
		}
		s.set2(u-1, s.get(i), i, s.get(u-1))
		// a[l..i-1] <= a[i] == pivot <= a[i+1..u]
		if i-l < u-i {
			s.sort(l, i-1)
			l = i + 1
		} else {
			s.sort(i+1, u)
			u = i - 1
		}
	}
}

// lessThan is Lua 5.1's a < b (luaV_lessthan): numbers and strings by
// value, other values of one type by a shared __lt metamethod, else
// luaG_ordererror's message.
func lessThan(L *lua.LState, a, b lua.LValue) bool {
	switch x := a.(type) {
	case lua.LNumber:
		if y, ok := b.(lua.LNumber); ok {
			return x < y
		}
	case lua.LString:
		if y, ok := b.(lua.LString); ok {
			return x < y
		}
	}
	ta, tb := a.Type().String(), b.Type().String()
	if a.Type() == b.Type() {
		if mm := L.GetMetaField(a, "__lt"); mm != lua.LNil && L.RawEqual(mm, L.GetMetaField(b, "__lt")) {
			L.Push(mm)
			L.Push(a)
			L.Push(b)
			L.Call(2, 1)
			r := lua.LVAsBool(L.Get(-1))
			L.Pop(1)
			return r
		}
	}
	// Lua 5.1 tells "two" types apart by their names' third letters, and
	// raises from the running function, a Go one: no position.
	msg := "attempt to compare " + ta + " with " + tb
	if ta[2] == tb[2] {
		msg = "attempt to compare two " + ta + " values"
	}
	L.Error(lua.LString(msg), 0)
	return false
}
