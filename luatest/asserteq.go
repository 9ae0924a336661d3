package luatest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxShownEntries is how many entries of a table a failed assert_eq shows;
// past it the contents end in "...".
const maxShownEntries = 10

// assert_eq(got, want [, message]) fails unless got == want (Lua's ==,
// __eq included), with both values in the message:
// "FILE:LINE: assert_eq failed: got 3, want 4". Strings are quoted, so "1"
// and 1 differ visibly; tables show their identity and their first entries.
func luaAssertEq(L *lua.LState) int {
	if L.GetTop() < 2 {
		// A forgotten argument would compare nil with nil and pass.
		L.RaiseError("bad argument #2 to 'assert_eq' (value expected)")
	}
	got, want := L.Get(1), L.Get(2)
	var prefix string
	switch m := L.Get(3).(type) {
	case *lua.LNilType:
	case lua.LString, lua.LNumber:
		prefix = m.String() + ": "
	default:
		L.RaiseError("bad argument #3 to 'assert_eq' (string expected, got %s)", typeOf(L, 3))
	}
	if L.Equal(got, want) {
		return 0
	}
	g, w := describe(got), describe(want)
	if g == w {
		// Two numbers equal to 14 digits (0.1 + 0.2 and 0.3): show as many
		// digits as tell them apart.
		if gn, ok := got.(lua.LNumber); ok {
			if wn, ok := want.(lua.LNumber); ok {
				g, w = strconv.FormatFloat(float64(gn), 'g', -1, 64), strconv.FormatFloat(float64(wn), 'g', -1, 64)
			}
		}
	}
	L.RaiseError("assert_eq failed: %sgot %s, want %s", prefix, g, w)
	return 0
}

// describe shows a value in an assert_eq message.
func describe(v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		return strconv.Quote(string(v))
	case *lua.LTable:
		return v.String() + " " + tableContents(v)
	}
	return v.String()
}

// describeShallow shows a value inside a table's contents: tables by
// identity only, so nesting and cycles stay short.
func describeShallow(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return strconv.Quote(string(s))
	}
	return v.String()
}

// isIdentifier reports whether a key can stand bare in Lua's table
// constructor: a name that is not a keyword.
func isIdentifier(s string) bool {
	if s == "" || luaKeywords[s] {
		return false
	}
	for i, c := range s {
		if c != '_' && !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z') && (i == 0 || !('0' <= c && c <= '9')) {
			return false
		}
	}
	return true
}

var luaKeywords = map[string]bool{
	"and": true, "break": true, "do": true, "else": true, "elseif": true, "end": true,
	"false": true, "for": true, "function": true, "if": true, "in": true, "local": true,
	"nil": true, "not": true, "or": true, "repeat": true, "return": true, "then": true,
	"true": true, "until": true, "while": true,
}

// tableContents shows a table's entries as a constructor would: the array
// part in order, then the other keys sorted, numbers first.
func tableContents(t *lua.LTable) string {
	var entries []string
	n := 0 // the sequence 1..n without holes (Len may count past a hole)
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	for i := 1; i <= n && len(entries) <= maxShownEntries; i++ {
		entries = append(entries, describeShallow(t.RawGetInt(i)))
	}
	type keyed struct {
		num    bool
		numKey float64
		key    string
		entry  string
	}
	var rest []keyed
	t.ForEach(func(k, v lua.LValue) {
		if num, ok := k.(lua.LNumber); ok {
			if i := int(num); float64(i) == float64(num) && i >= 1 && i <= n {
				return // shown in the array part
			}
			rest = append(rest, keyed{num: true, numKey: float64(num), entry: fmt.Sprintf("[%s] = %s", num, describeShallow(v))})
			return
		}
		key := describeShallow(k)
		if s, ok := k.(lua.LString); ok && isIdentifier(string(s)) {
			key = string(s)
		} else {
			key = "[" + key + "]"
		}
		rest = append(rest, keyed{key: key, entry: key + " = " + describeShallow(v)})
	})
	sort.Slice(rest, func(i, j int) bool {
		a, b := rest[i], rest[j]
		if a.num != b.num {
			return a.num
		}
		if a.num {
			return a.numKey < b.numKey
		}
		return a.key < b.key
	})
	for _, r := range rest {
		entries = append(entries, r.entry)
	}
	if len(entries) > maxShownEntries {
		entries = append(entries[:maxShownEntries], "...")
	}
	return "{" + strings.Join(entries, ", ") + "}"
}
