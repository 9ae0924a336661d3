package luastate

import (
	"math"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// lua51Mod is Lua 5.1's a % b, luai_nummod: a - floor(a/b)*b, computed in
// that order. gopher-lua's is Go's math.Mod corrected for the sign, which
// differs where the formula rounds or overflows (1e17 % 7 is 0 in Lua 5.1,
// 5 % math.huge nan, -0 % 5 is 0) and costs a loop over the exponents'
// difference where the formula is three operations.
func lua51Mod(a, b float64) float64 {
	return a - math.Floor(a/b)*b
}

// numberToValue boxes v as an LValue through gopher-lua's allocator, which
// hands out numbers from blocks instead of one allocation each.
//
//go:linkname numberToValue github.com/yuin/gopher-lua.(*allocator).LNumber2I
func numberToValue(alloc unsafe.Pointer, v lua.LNumber) lua.LValue

// setNumber stores v in register r of the running function, as gopher-lua's
// registry.SetNumber does: r lies inside the frame the compiler sized, so
// the stack never grows here.
func setNumber(s *vmState, r int, v float64) {
	i := s.currentFrame.LocalBase + r
	s.reg.array[i] = numberToValue(s.reg.alloc, lua.LNumber(v))
	if i >= s.reg.top {
		s.reg.top = i + 1
	}
}
