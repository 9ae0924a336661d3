package luabind

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// string.gsub(s, pattern, repl [, n]), as Lua 5.1's. gopher-lua's copies the
// whole subject once per match (a 100 KiB string with 40,000 matches took
// seconds), keeps "%x" as "%x" where Lua writes "x", turns a table or
// function result that is not a string into "" instead of raising, and
// refuses a number as repl. This one builds the result in one pass, with
// Lua 5.1's pattern matcher (pattern.go), calling repl after each match as
// Lua 5.1 does.

var fnGsub = fname{name: "gsub"}

func (rt *Runtime) strGsub(L *lua.LState) int {
	src := checkStringArg(L, 1, fnGsub)
	pat := checkStringArg(L, 2, fnGsub)
	repl := L.Get(3)
	switch repl.(type) {
	case lua.LString, lua.LNumber, *lua.LTable, *lua.LFunction:
	default:
		typeError(L, 3, fnGsub, "string/function/table")
	}
	limit := int64(len(src) + 1)
	if L.GetTop() >= 4 && L.Get(4) != lua.LNil {
		limit = checkInteger(L, 4, fnGsub)
	}
	if limit <= 0 {
		L.Push(lua.LString(src))
		L.Push(lua.LNumber(0))
		return 2
	}
	if limit > int64(len(src)+1) {
		limit = int64(len(src) + 1)
	}
	m := patternMatcher{src: src, pat: pat}
	anchor := strings.HasPrefix(pat, "^")
	var b strings.Builder
	// from is where the next search starts, copied how much of src the
	// result holds.
	n, from, copied := int64(0), 0, 0
	max := rt.maxString()
	for n < limit {
		start, end, err := m.find(from)
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		if start < 0 {
			break
		}
		if n == 0 {
			b.Grow(len(src))
		}
		n++
		b.WriteString(src[copied:start])
		switch r := repl.(type) {
		case lua.LString:
			addReplacement(L, &b, string(r), &m, start, end)
		case lua.LNumber:
			addReplacement(L, &b, lua51NumberString(float64(r)), &m, start, end)
		default:
			b.WriteString(rt.replacementValue(L, r, &m, start, end))
		}
		if b.Len() > max {
			L.RaiseError(errTooLarge)
		}
		copied, from = end, end
		if end == start { // an empty match: keep the next byte, go on after it
			if start == len(src) {
				break
			}
			b.WriteByte(src[start])
			copied, from = start+1, start+1
		}
		if anchor {
			break
		}
	}
	if n == 0 {
		L.Push(lua.LString(src))
		L.Push(lua.LNumber(0))
		return 2
	}
	b.WriteString(src[copied:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(n))
	return 2
}

// capture is capture i (1-based) of m's match from start to end: a string,
// or a position; with no captures, capture 1 is the whole match, as Lua
// 5.1's push_onecapture. A bad index or an unfinished capture raises.
func capture(L *lua.LState, m *patternMatcher, start, end, i int) lua.LValue {
	v, err := m.captureValue(i-1, start, end)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	return v
}

// addReplacement appends repl with "%0" (the match), "%1"-"%9" (its
// captures) and "%c" (c itself, for any other c) expanded.
func addReplacement(L *lua.LState, b *strings.Builder, repl string, m *patternMatcher, start, end int) {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(repl) {
			b.WriteByte(0) // Lua 5.1 reads the string's terminating NUL
			break
		}
		switch d := repl[i]; {
		case d == '0':
			b.WriteString(m.src[start:end])
		case d >= '1' && d <= '9':
			switch v := capture(L, m, start, end, int(d-'0')).(type) {
			case lua.LNumber:
				b.WriteString(strconv.Itoa(int(v)))
			case lua.LString:
				b.WriteString(string(v))
			}
		default:
			b.WriteByte(d)
		}
	}
}

// replacementValue is what a table or function repl gives for the match:
// the match itself for false or nil, a string or number as text, and an
// error for anything else.
func (rt *Runtime) replacementValue(L *lua.LState, repl lua.LValue, m *patternMatcher, start, end int) string {
	whole := m.src[start:end]
	var v lua.LValue
	switch r := repl.(type) {
	case *lua.LTable:
		v = L.GetTable(r, capture(L, m, start, end, 1))
	case *lua.LFunction:
		L.Push(r)
		n := pushCaptures(L, m, start, end, true)
		L.Call(n, 1)
		v = L.Get(-1)
		L.Pop(1)
	}
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return lua51NumberString(float64(v))
	case *lua.LNilType:
		return whole
	case lua.LBool:
		if !bool(v) {
			return whole
		}
	}
	L.RaiseError("invalid replacement value (a %s)", v.Type().String())
	return ""
}
