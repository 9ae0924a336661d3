package luastate

import (
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// opConcat is CONCAT: R(A) := R(B) .. ... .. R(C). When every operand is a
// string, gopher-lua's handler gives Lua 5.1's result; otherwise a marked
// state concatenates as Lua 5.1's luaV_concat does, writing numbers with the
// mark's formatter.
func opConcat(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s := stateOf(L)
	base := s.currentFrame.LocalBase
	b, c := argB(inst), argC(inst)
	for _, v := range s.reg.array[base+b : base+c+1] {
		if _, ok := v.(lua.LString); !ok {
			if m := markOf(L); m != nil {
				concat(L, m, argA(inst), b, c)
				return 0
			}
			break
		}
	}
	return original[lua.OP_CONCAT](L, inst, bf)
}

// concat works as Lua 5.1 does, from the right: while two operands remain,
// the last two are joined (with as many strings and numbers before them as
// there are) or, when one of them is neither, handed to a __concat
// metamethod with their values as they are. The error for a pair without
// one names the first operand of the pair that is neither a string nor a
// number, by the register it is in.
func concat(L *lua.LState, m *lua51, a, b, c int) {
	s := stateOf(L)
	base := s.currentFrame.LocalBase
	var small [8]lua.LValue // most `..` chains are short: no allocation
	vals := append(small[:0], s.reg.array[base+b:base+c+1]...)
	top := len(vals)
	for top > 1 {
		x, y := vals[top-2], vals[top-1]
		if !stringy(x) || !stringy(y) {
			mm := metamethod(L, x, "__concat")
			if mm == lua.LNil {
				mm = metamethod(L, y, "__concat")
			}
			if !isFunction(mm) {
				reg, v := b+top-2, x
				if stringy(x) {
					reg, v = b+top-1, y
				}
				typeError(L, reg, v, "concatenate")
				return
			}
			raiseIfAtLimit(L, s)
			L.Push(mm)
			L.Push(x)
			L.Push(y)
			L.Call(2, 1)
			vals[top-2] = L.Get(-1)
			L.Pop(1)
			top--
			continue
		}
		n := 2
		for n < top && stringy(vals[top-n-1]) {
			n++
		}
		var sb strings.Builder
		for _, v := range vals[top-n : top] {
			if num, ok := v.(lua.LNumber); ok {
				sb.WriteString(m.numberString(float64(num)))
			} else {
				sb.WriteString(string(v.(lua.LString)))
			}
		}
		vals[top-n] = lua.LString(sb.String())
		top -= n - 1
	}
	// The calls above may have moved the stack and the frame.
	s = stateOf(L)
	i := s.currentFrame.LocalBase + a
	s.reg.array[i] = vals[0]
	if i >= s.reg.top {
		s.reg.top = i + 1
	}
}

// stringy reports whether v is a string or a number, the values `..` joins.
func stringy(v lua.LValue) bool {
	switch v.(type) {
	case lua.LString, lua.LNumber:
		return true
	}
	return false
}
