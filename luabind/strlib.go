package luabind

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// string.byte, char, find, gmatch, len, lower, match, reverse, sub and
// upper, as Lua 5.1's lstrlib.c has them. gopher-lua's write a number given
// as the string in Go's form (string.len(1/3) was 18, Lua's 16), refuse
// numeric strings for positions, lower and upper invalid UTF-8 into U+FFFD,
// return nothing instead of nil from a failed match, ignore init for an
// empty pattern, and make gmatch's iterator need an argument the for loop
// passes, so calling it by hand failed.
// Patterns are Lua 5.1's (pattern.go), as in string.gsub (strgsub.go).

var (
	fnByte    = fname{name: "byte"}
	fnChar    = fname{name: "char"}
	fnFind    = fname{name: "find"}
	fnGmatch  = fname{name: "gmatch"}
	fnLen     = fname{name: "len"}
	fnLower   = fname{name: "lower"}
	fnMatch   = fname{name: "match"}
	fnReverse = fname{name: "reverse"}
	fnSub     = fname{name: "sub"}
	fnUpper   = fname{name: "upper"}
)

// installStringFunctions puts the functions of this file in the string
// library, if the state has one.
func (rt *Runtime) installStringFunctions() {
	L := rt.L
	str, ok := L.GetGlobal("string").(*lua.LTable)
	if !ok {
		return
	}
	L.SetFuncs(str, map[string]lua.LGFunction{
		"byte":    strByte,
		"char":    strChar,
		"find":    strFind,
		"gmatch":  strGmatch,
		"len":     strLen,
		"lower":   strLower,
		"match":   strMatch,
		"reverse": strReverse,
		"sub":     strSub,
		"upper":   strUpper,
	})
	str.RawSetString("gfind", str.RawGetString("gmatch")) // Lua 5.0's name, which Lua 5.1 keeps
}

// stringPosition is lstrlib.c's posrelat: a negative position counts from
// the end, and one before the start is 0.
func stringPosition(pos int64, length int) int64 {
	if pos < 0 {
		pos += int64(length) + 1
	}
	if pos < 0 {
		return 0
	}
	return pos
}

// string.byte(s [, i [, j]])
func strByte(L *lua.LState) int {
	s := checkStringArg(L, 1, fnByte)
	first := stringPosition(luaOptIntegerArg(L, 2, fnByte, 1), len(s))
	last := stringPosition(luaOptIntegerArg(L, 3, fnByte, first), len(s))
	if first < 1 {
		first = 1
	}
	if last > int64(len(s)) {
		last = int64(len(s))
	}
	if first > last {
		return 0
	}
	n := int(last - first + 1)
	if L.GetTop()+n > luaMaxCStack {
		L.RaiseError("stack overflow (string slice too long)")
	}
	for _, c := range []byte(s[first-1 : last]) {
		L.Push(lua.LNumber(c))
	}
	return n
}

// luaMaxCStack is Lua 5.1's LUAI_MAXCSTACK, the most values a C function
// may push.
const luaMaxCStack = 8000

// string.char(...): each argument is a C int, and must be a byte.
func strChar(L *lua.LState) int {
	top := L.GetTop()
	b := make([]byte, top)
	for i := 1; i <= top; i++ {
		c := int32(luaIntegerArg(L, i, fnChar)) // luaL_checkint: the low 32 bits
		if c < 0 || c > 255 {
			argError(L, i, fnChar, "invalid value")
		}
		b[i-1] = byte(c)
	}
	L.Push(lua.LString(b))
	return 1
}

// string.len(s)
func strLen(L *lua.LState) int {
	L.Push(lua.LNumber(len(checkStringArg(L, 1, fnLen))))
	return 1
}

// string.lower(s) and string.upper(s) change ASCII letters only, byte by
// byte, as C's tolower and toupper in the C locale.
func strLower(L *lua.LState) int {
	L.Push(lua.LString(flipASCIICase(checkStringArg(L, 1, fnLower), 'A', 'Z')))
	return 1
}

func strUpper(L *lua.LState) int {
	L.Push(lua.LString(flipASCIICase(checkStringArg(L, 1, fnUpper), 'a', 'z')))
	return 1
}

// flipASCIICase changes the case of the letters of s from lo to hi (an
// ASCII letter's cases differ in bit 0x20).
func flipASCIICase(s string, lo, hi byte) string {
	i := 0
	for i < len(s) && (s[i] < lo || s[i] > hi) {
		i++
	}
	if i == len(s) {
		return s // nothing to change: no copy
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if lo <= b[i] && b[i] <= hi {
			b[i] ^= 0x20
		}
	}
	return string(b)
}

// string.reverse(s), byte by byte.
func strReverse(L *lua.LState) int {
	s := checkStringArg(L, 1, fnReverse)
	b := make([]byte, len(s))
	for i := range len(s) {
		b[len(s)-1-i] = s[i]
	}
	L.Push(lua.LString(b))
	return 1
}

// string.sub(s, i [, j])
func strSub(L *lua.LState) int {
	s := checkStringArg(L, 1, fnSub)
	first := stringPosition(luaIntegerArg(L, 2, fnSub), len(s))
	last := stringPosition(luaOptIntegerArg(L, 3, fnSub, -1), len(s))
	if first < 1 {
		first = 1
	}
	if last > int64(len(s)) {
		last = int64(len(s))
	}
	if first > last {
		L.Push(lua.LString(""))
		return 1
	}
	L.Push(lua.LString(s[first-1 : last]))
	return 1
}

// string.find(s, pattern [, init [, plain]])
func strFind(L *lua.LState) int {
	return findOrMatch(L, fnFind)
}

// string.match(s, pattern [, init])
func strMatch(L *lua.LState) int {
	return findOrMatch(L, fnMatch)
}

// patternSpecials are the characters that make a pattern more than a plain
// string for find (lstrlib.c's SPECIALS).
const patternSpecials = "^$*+?.([%-"

// findOrMatch is lstrlib.c's str_find_aux: find returns the positions of
// the first match and its captures, match the captures (or the whole
// match); both nil when nothing matches.
func findOrMatch(L *lua.LState, f fname) int {
	s := checkStringArg(L, 1, f)
	pattern := checkStringArg(L, 2, f)
	init := stringPosition(luaOptIntegerArg(L, 3, f, 1), len(s)) - 1
	if init < 0 {
		init = 0
	} else if init > int64(len(s)) {
		init = int64(len(s))
	}
	find := f == fnFind
	if find && (lua.LVAsBool(L.Get(4)) || !strings.ContainsAny(patternText(pattern), patternSpecials)) {
		at := strings.Index(s[init:], pattern)
		if at < 0 {
			L.Push(lua.LNil)
			return 1
		}
		start := int(init) + at
		L.Push(lua.LNumber(start + 1))
		L.Push(lua.LNumber(start + len(pattern)))
		return 2
	}
	m := patternMatcher{src: s, pat: pattern}
	start, end, err := m.find(int(init))
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	if start < 0 {
		L.Push(lua.LNil)
		return 1
	}
	if !find {
		return pushCaptures(L, &m, start, end, true)
	}
	L.Push(lua.LNumber(start + 1))
	L.Push(lua.LNumber(end))
	return 2 + pushCaptures(L, &m, start, end, false)
}

// patternText is the part of a pattern C reads: up to its first NUL byte.
func patternText(pattern string) string {
	if i := strings.IndexByte(pattern, 0); i >= 0 {
		return pattern[:i]
	}
	return pattern
}

// pushCaptures pushes the captures of m's match from start to end (or the
// whole match when the pattern has none and wholeMatch is set) and returns
// how many it pushed, as lstrlib.c's push_captures.
func pushCaptures(L *lua.LState, m *patternMatcher, start, end int, wholeMatch bool) int {
	n := m.captureCount(wholeMatch)
	for i := 1; i <= n; i++ {
		L.Push(capture(L, m, start, end, i))
	}
	return n
}

// string.gmatch(s, pattern): a function that returns the captures of the
// next match each time it is called, nothing after the last; an empty match
// moves on one byte. Each call searches on from the last match, so an error
// in the pattern raises in the call that reaches it, as in Lua 5.1. Lua
// 5.1's gmatch has no anchor: a leading ^ is itself.
func strGmatch(L *lua.LState) int {
	s := checkStringArg(L, 1, fnGmatch)
	pattern := checkStringArg(L, 2, fnGmatch)
	m := &patternMatcher{src: s, pat: pattern}
	next := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if next > len(s) {
			return 0
		}
		start, end, err := m.search(next, 0, false)
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		if start < 0 {
			next = len(s) + 1 // no match is left
			return 0
		}
		next = end
		if end == start {
			next++
		}
		return pushCaptures(L, m, start, end, true)
	}))
	return 1
}
