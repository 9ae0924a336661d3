package luabind

import (
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The base library's tonumber, assert and select, which read a string
// argument, as Lua 5.1's lbaselib.c has them.
//
// tonumber(e [, base]): in base 10, a number or a numeric string (see
// stringNumber); in another base, e is read as a string (a number given is
// written with "%.14g" first, so tonumber(10, 16) is 16) and converted as
// C's strtoul converts it. gopher-lua's ignored a number e for any base,
// read "1e2" as nil, refused a numeric string as the base and accepted
// bases out of 2-36.
//
// assert(v [, message]) returns all its arguments as they are; only when v
// is false or nil is message read as a string, so a number there is
// Lua 5.1's text. gopher-lua's refused a number message.
//
// select(n, ...) takes "#" (or any string that starts with it) for the
// count, else an integer, a numeric string too, as a C int. gopher-lua's
// refused select("2", ...).
//
// unpack(t [, i [, j]]) returns t[i] to t[j] (j is #t by default), as
// luaB_unpack: i and j are C ints, and more results than Lua 5.1's C stack
// takes (LUAI_MAXCSTACK, 8000 values with the arguments) is the error "too
// many results to unpack", where gopher-lua's pushed values until its
// registry overflowed.
//
// newproxy([m]) makes an empty userdata: with no metatable when m is false
// or nil, with a new metatable when m is true, and with the metatable of m
// when m is such a proxy; anything else is "bad argument #1 to 'newproxy'
// (boolean or proxy expected)". gopher-lua's took any value.

var (
	fnToNumber = fname{name: "tonumber"}
	fnAssert   = fname{name: "assert"}
	fnSelect   = fname{name: "select"}
	fnUnpack   = fname{name: "unpack"}
	fnNewproxy = fname{name: "newproxy"}
)

// maxCStack is Lua 5.1's LUAI_MAXCSTACK: how many values a C function may
// have on its stack.
const maxCStack = 8000

// replaceBaseFunctions puts Lua 5.1's tonumber, assert, select, unpack and newproxy in the
// globals, where the state has them.
func (rt *Runtime) replaceBaseFunctions() {
	L := rt.L
	for name, fn := range map[string]lua.LGFunction{"assert": luaAssert, "select": luaSelect, "unpack": luaUnpack, "newproxy": luaNewproxy} {
		if L.GetGlobal(name) != lua.LNil {
			L.SetGlobal(name, L.NewFunction(fn))
		}
	}
	if L.GetGlobal("tonumber") == lua.LNil {
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
		if n, ok := numberInBase(s, int(base)); ok {
			L.Push(lua.LNumber(n))
		} else {
			L.Push(lua.LNil)
		}
		return 1
	}))
}

// numberInBase converts s in base as Lua 5.1's tonumber does with C's
// strtoul (glibc's): s ends at its first zero byte, as a C string; spaces
// may come before and after; base 16 takes a 0x prefix; a magnitude beyond
// 2^64-1 saturates. ok is false when there is no digit, or anything but
// spaces after the digits. A leading minus negates, as Lua 5.1's own test
// suite (math.lua: tonumber('-fFfa', 16)) expects; the reference
// interpreter on a 64-bit machine hands strtoul's unsigned wrap-around on
// instead (2^64-36 for tonumber("-10", 36)).
func numberInBase(s string, base int) (float64, bool) {
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
	var n uint64
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
	if overflow {
		n = math.MaxUint64
	}
	if negative && n != 0 { // -0 is 0, as strtoul has no negative zero
		return -float64(n), true
	}
	return float64(n), true
}

// assert(v [, message])
func luaAssert(L *lua.LState) int {
	if L.GetTop() == 0 {
		argError(L, 1, fnAssert, "value expected")
	}
	if lua.LVAsBool(L.Get(1)) {
		return L.GetTop()
	}
	msg := "assertion failed!"
	if L.Get(2) != lua.LNil {
		msg = checkStringArg(L, 2, fnAssert)
	}
	L.RaiseError("%s", msg)
	return 0
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

// select(n, ...)
func luaSelect(L *lua.LState) int {
	top := L.GetTop()
	if s, ok := L.Get(1).(lua.LString); ok && strings.HasPrefix(string(s), "#") {
		L.Push(lua.LNumber(top - 1))
		return 1
	}
	i := int(int32(luaIntegerArg(L, 1, fnSelect))) // luaL_checkint: a C int
	if i < 0 {
		i += top
	} else if i > top {
		i = top
	}
	if i < 1 {
		argError(L, 1, fnSelect, "index out of range")
	}
	return top - i
}

func luaUnpack(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		typeError(L, 1, fnUnpack, "table")
	}
	i := int32(luaOptIntegerArg(L, 2, fnUnpack, 1))
	var j int32
	if L.Get(3) == lua.LNil {
		j = int32(t.Len())
	} else {
		j = int32(luaIntegerArg(L, 3, fnUnpack))
	}
	if i > j {
		return 0
	}
	n := int32(uint32(j) - uint32(i) + 1) // a C int: n <= 0 means it overflowed
	if n <= 0 || L.GetTop()+int(n) > maxCStack {
		L.RaiseError("too many results to unpack")
	}
	for k := i; ; k++ {
		L.Push(t.RawGetInt(int(k)))
		if k == j {
			break
		}
	}
	return int(n)
}

// proxyOf marks a userdata newproxy made with a metatable, which newproxy
// takes again: Lua 5.1 keeps such metatables in a weak table instead.
type proxyOf struct{ mt *lua.LTable }

func luaNewproxy(L *lua.LState) int {
	ud := L.NewUserData()
	switch m := L.Get(1).(type) {
	case lua.LBool:
		if m {
			mt := L.NewTable()
			ud.Value = &proxyOf{mt}
			ud.Metatable = mt
		}
	case *lua.LNilType:
	case *lua.LUserData:
		p, ok := m.Value.(*proxyOf)
		if !ok || m.Metatable != lua.LValue(p.mt) {
			argError(L, 1, fnNewproxy, "boolean or proxy expected")
		}
		ud.Value = p
		ud.Metatable = p.mt
	default:
		argError(L, 1, fnNewproxy, "boolean or proxy expected")
	}
	L.Push(ud)
	return 1
}
