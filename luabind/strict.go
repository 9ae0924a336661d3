package luabind

import (
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Strict modules and method tables. A call of a misspelt function raises
// Lua 5.1's "attempt to call field 'call_latr' (a nil value)", which names
// the wrong name but not the right one, and reading a misspelt field raises
// nothing at all: the commonest mistake of a learner gets the least helpful
// message. So the module tables luabind makes (reactor, task, the installers) and the method
// tables of its objects (DelayedCall, LoopingCall, Clock) raise on a name
// they lack, naming it and the nearest one they have:
//
//	reactor has no field 'call_latr' (did you mean 'call_later'?)
//
// A module table is read-only too: `reactor.running = true` would hide the
// live value for good, so assignment raises
//
//	attempt to modify read-only module 'reactor' (field 'running')
//
// The functions stay in the table itself, so pairs lists them (Lua 5.1 has
// no __pairs: an empty proxy table would list nothing); only the live fields
// (reactor.running) and unknown names go through __index. The price: a
// function the table holds can still be replaced (`reactor.stop = f`), as
// string.format can; __newindex refuses only new names and live fields.
// rawset writes anyway, as on any Lua table: it is the escape hatch, and
// what it writes shadows a live field.

// moduleKey marks a strict module's metatable and holds the module's name,
// for argument errors that suggest "." instead of ":" (see moduleHint).
const moduleKey = "__loopscript_module"

// strictModule makes mod the strict, read-only module name. live are its
// fields read through a function on every access.
func strictModule(L *lua.LState, name string, mod *lua.LTable, live map[string]func() lua.LValue) {
	meta := L.NewTable()
	meta.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		key := L.Get(2)
		if read, ok := live[lua.LVAsString(key)]; ok && key.Type() == lua.LTString {
			L.Push(read())
			return 1
		}
		names := tableNames(mod)
		for k := range live {
			names = append(names, k)
		}
		raiseNoField(L, name, key, names)
		return 0
	}))
	meta.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("attempt to modify read-only module '%s' (field %s)", name, keyText(L.Get(2)))
		return 0
	}))
	meta.RawSetString(moduleKey, lua.LString(name))
	// getmetatable(reactor) gives false and setmetatable refuses: the
	// module cannot be made lax again by accident.
	meta.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(mod, meta)
}

// strictMethods makes a lookup of a name that methods lacks raise, for the
// objects of typeName whose __index is methods. A found method costs nothing
// more: only a miss reaches the metatable of methods.
func strictMethods(L *lua.LState, typeName string, methods *lua.LTable) {
	meta := L.NewTable()
	meta.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		raiseNoField(L, typeName, L.Get(2), tableNames(methods))
		return 0
	}))
	L.SetMetatable(methods, meta)
}

// raiseNoField raises "owner has no field 'key'", with the nearest of names
// as a hint when one is near enough.
func raiseNoField(L *lua.LState, owner string, key lua.LValue, names []string) {
	msg := owner + " has no field " + keyText(key)
	if s, ok := key.(lua.LString); ok {
		if near := nearestName(string(s), names); near != "" {
			msg += " (did you mean '" + near + "'?)"
		}
	}
	L.RaiseError("%s", msg)
}

// keyText shows a key in a message: 'name' for a string, the value else.
func keyText(key lua.LValue) string {
	if s, ok := key.(lua.LString); ok {
		return "'" + string(s) + "'"
	}
	return lua.LVAsString(key) + " (a " + key.Type().String() + ")"
}

// tableNames lists the string keys of t, sorted so hints are deterministic.
func tableNames(t *lua.LTable) []string {
	var names []string
	t.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); ok {
			names = append(names, string(s))
		}
	})
	sort.Strings(names)
	return names
}

// nearestName is the name in names that name most likely misspells, or ""
// when none is close. Twisted's spelling counts as exact (callLater is
// call_later: case and underscores aside); otherwise the edit distance,
// transpositions counting one, must be at most a third of name's length
// (at least one). Ties go to the first in names.
func nearestName(name string, names []string) string {
	squash := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "") }
	for _, n := range names {
		if squash(n) == squash(name) {
			return n
		}
	}
	best, bestDist := "", max(1, len(name)/3)+1
	for _, n := range names {
		if d := editDistance(strings.ToLower(name), strings.ToLower(n)); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours cost one.
func editDistance(a, b string) int {
	// rows[i][j]: the distance between a[:i] and b[:j]; three rows suffice.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// moduleHint is "; use reactor.call_later, not reactor:call_later" when the
// value v given as argument 1 of function f is the strict module that holds
// f: the function was called with ':' instead of '.'. Else "".
func moduleHint(v lua.LValue, f string) string {
	mod, ok := v.(*lua.LTable)
	if !ok {
		return ""
	}
	meta, ok := mod.Metatable.(*lua.LTable) // raw: __metatable hides it
	if !ok {
		return ""
	}
	name, ok := meta.RawGetString(moduleKey).(lua.LString)
	if !ok || mod.RawGetString(f) == lua.LNil {
		return ""
	}
	return "; use " + string(name) + "." + f + ", not " + string(name) + ":" + f
}
