package luabind

import (
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// tonumber(e [, base]) as Lua 5.1's: in base 10, a number or a numeric
// string (see stringNumber); in another base, e is read as a string (a
// number given is written with "%.14g" first, so tonumber(10, 16) is 16)
// and converted as C's strtoul converts it. gopher-lua's ignored a number e
// for any base, read "1e2" as nil, refused a numeric string as the base and
// accepted bases out of 2-36.

var fnToNumber = fname{name: "tonumber"}

// replaceToNumber puts Lua 5.1's tonumber over gopher-lua's, if the state
// has one.
func (rt *Runtime) replaceToNumber() {
	L := rt.L
	if _, ok := L.GetGlobal("tonumber").(*lua.LFunction); !ok {
		return
	}
	L.SetGlobal("tonumber", L.NewFunction(func(L *lua.LState) int {
		base := int32(luaOptIntegerArg(L, 2, fnToNumber, 10)) // luaL_optint: a C int
		if base == 10 {
			if L.GetTop() == 0 {
				argError(L, 1, fnToNumber, "value expected")
			}
			switch v := L.Get(1).(type) {
			case lua.LNumber:
				L.Push(v)
				return 1
			case lua.LString:
				if n, ok := stringNumber(string(v)); ok {
					L.Push(lua.LNumber(n))
					return 1
				}
			}
			L.Push(lua.LNil)
			return 1
		}
		s := checkStringArg(L, 1, fnToNumber)
		if base < 2 || base > 36 {
			argError(L, 2, fnToNumber, "base out of range")
		}
		if n, ok := strtoul(s, int(base)); ok {
			L.Push(lua.LNumber(float64(n)))
		} else {
			L.Push(lua.LNil)
		}
		return 1
	}))
}

// strtoul converts s in base as Lua 5.1's tonumber does with C's strtoul
// (glibc's): s ends at its first zero byte, as a C string; spaces may come
// before and after; a sign may lead (a negative value wraps around 2^64);
// base 16 takes a 0x prefix; a value beyond 2^64-1 saturates. ok is false
// when there is no digit, or anything but spaces after the digits.
func strtoul(s string, base int) (n uint64, ok bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimLeft(s, cSpaces)
	negative := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		negative = s[0] == '-'
		s = s[1:]
	}
	if base == 16 && len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digitValue(s[2]) < 16 {
		s = s[2:]
	}
	digits, overflow := 0, false
	for ; digits < len(s); digits++ {
		d := digitValue(s[digits])
		if d >= base {
			break
		}
		if n > (math.MaxUint64-uint64(d))/uint64(base) {
			overflow = true
		}
		n = n*uint64(base) + uint64(d)
	}
	if digits == 0 || strings.TrimLeft(s[digits:], cSpaces) != "" {
		return 0, false
	}
	switch {
	case overflow:
		return math.MaxUint64, true
	case negative:
		return -n, true
	}
	return n, true
}

// cSpaces are the bytes C's isspace accepts in the C locale.
const cSpaces = " \t\n\v\f\r"

// digitValue is c as a digit of a base up to 36, or 36 when c is none.
func digitValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 10
	}
	return 36
}
