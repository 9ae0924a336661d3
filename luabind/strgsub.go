package luabind

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"
)

// string.gsub(s, pattern, repl [, n]), as Lua 5.1's. gopher-lua's copies the
// whole subject once per match (a 100 KiB string with 40,000 matches took
// seconds), keeps "%x" as "%x" where Lua writes "x", turns a table or
// function result that is not a string into "" instead of raising, and
// refuses a number as repl. This one builds the result in one pass, with
// gopher-lua's pattern matcher.

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
	matches, err := pm.Find(pat, []byte(src), 0, int(limit))
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	if len(matches) == 0 {
		L.Push(lua.LString(src))
		L.Push(lua.LNumber(0))
		return 2
	}
	var b strings.Builder
	b.Grow(len(src))
	last := 0
	max := rt.maxString()
	for _, m := range matches {
		start, end := m.Capture(0), m.Capture(1)
		b.WriteString(src[last:start])
		switch r := repl.(type) {
		case lua.LString:
			addReplacement(L, &b, string(r), src, m)
		case lua.LNumber:
			addReplacement(L, &b, lua51NumberString(float64(r)), src, m)
		default:
			b.WriteString(rt.replacementValue(L, r, src, m))
		}
		if b.Len() > max {
			L.RaiseError(errTooLarge)
		}
		last = end
	}
	b.WriteString(src[last:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(len(matches)))
	return 2
}

// capture is capture i (1-based) of m: a string, or a position; with no
// captures, capture 1 is the whole match, as Lua 5.1's get_onecapture.
func capture(L *lua.LState, src string, m *pm.MatchData, i int) lua.LValue {
	n := m.CaptureLength()/2 - 1 // pairs beyond the whole match
	if i > n {
		if i == 1 && n == 0 {
			return lua.LString(src[m.Capture(0):m.Capture(1)])
		}
		L.RaiseError("invalid capture index")
	}
	idx := 2 * i
	if m.IsPosCapture(idx) {
		return lua.LNumber(m.Capture(idx))
	}
	return lua.LString(src[m.Capture(idx):m.Capture(idx+1)])
}

// addReplacement appends repl with "%0" (the match), "%1"-"%9" (its
// captures) and "%c" (c itself, for any other c) expanded.
func addReplacement(L *lua.LState, b *strings.Builder, repl, src string, m *pm.MatchData) {
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
			b.WriteString(src[m.Capture(0):m.Capture(1)])
		case d >= '1' && d <= '9':
			switch v := capture(L, src, m, int(d-'0')).(type) {
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
func (rt *Runtime) replacementValue(L *lua.LState, repl lua.LValue, src string, m *pm.MatchData) string {
	var v lua.LValue
	switch r := repl.(type) {
	case *lua.LTable:
		v = L.GetTable(r, capture(L, src, m, 1))
	case *lua.LFunction:
		n := m.CaptureLength()/2 - 1
		L.Push(r)
		if n == 0 {
			L.Push(lua.LString(src[m.Capture(0):m.Capture(1)]))
			n = 1
		} else {
			for i := 1; i <= n; i++ {
				L.Push(capture(L, src, m, i))
			}
		}
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
		return src[m.Capture(0):m.Capture(1)]
	case lua.LBool:
		if !bool(v) {
			return src[m.Capture(0):m.Capture(1)]
		}
	}
	L.RaiseError("invalid replacement value (a %s)", v.Type().String())
	return ""
}
