package luabind

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1's math library (lmathlib.c) is a thin layer over C's <math.h>,
// and gopher-lua's differs from it where Go's math package does: math.huge
// is the largest finite number there, not infinity (so math.huge - math.huge
// is 0 and 5 % math.huge is 5), modf(inf) is (inf, nan), deg and rad round
// differently, log takes a base, and a missing argument is "got nil" with
// the function's name unquoted. The functions here are Lua 5.1's, each the
// C function of the same name, and their NaNs are the ones the reference
// interpreter prints on amd64: C returns the processor's default NaN, whose
// sign bit is set ("-nan"), where Go returns a positive one, and passes a
// NaN argument through where Go may return a new one. math.random and
// math.randomseed are hardenStdlib's; math.mod is fmod, as in Lua 5.1
// built with LUA_COMPAT_MOD (Debian's lua5.1 is).

// radiansPerDegree is lmathlib.c's RADIANS_PER_DEGREE, the constant deg
// divides by and rad multiplies by.
const radiansPerDegree = math.Pi / 180.0

// defaultNaN is the NaN amd64's SSE instructions, and so C's <math.h>,
// produce for an invalid operation.
var defaultNaN = math.Float64frombits(0xfff8000000000000)

// cResult gives r the NaN C would: the first NaN argument when there is
// one, the default NaN when the arguments were numbers.
func cResult(r float64, args ...float64) float64 {
	if !math.IsNaN(r) {
		return r
	}
	for _, a := range args {
		if math.IsNaN(a) {
			return a
		}
	}
	return defaultNaN
}

// positiveDomainNaN are the functions whose glibc implementation returns a
// positive NaN for an argument outside their domain (log10(-1), asin(2)),
// where the others return the default one.
var positiveDomainNaN = map[string]bool{"log10": true, "asin": true, "acos": true}

// unaryMath are the functions of one number that return one.
var unaryMath = map[string]func(float64) float64{
	"ceil": math.Ceil, "floor": math.Floor, "sqrt": math.Sqrt,
	"exp": math.Exp, "log": math.Log, "log10": math.Log10,
	"sin": math.Sin, "cos": math.Cos, "tan": math.Tan,
	"asin": math.Asin, "acos": math.Acos, "atan": math.Atan,
	"sinh": math.Sinh, "cosh": math.Cosh, "tanh": math.Tanh,
	"deg": func(x float64) float64 { return x / radiansPerDegree },
	"rad": func(x float64) float64 { return x * radiansPerDegree },
}

// binaryMath are the functions of two numbers that return one.
var binaryMath = map[string]func(float64, float64) float64{
	"fmod": math.Mod, "mod": math.Mod, "pow": math.Pow, "atan2": math.Atan2,
}

// installMathFunctions puts Lua 5.1's math functions in the math library
// in place of gopher-lua's, and math.huge to infinity. A function a
// sandbox removed stays removed.
func (rt *Runtime) installMathFunctions() {
	L := rt.L
	m, ok := L.GetGlobal("math").(*lua.LTable)
	if !ok {
		return
	}
	set := func(name string, fn lua.LGFunction) {
		if m.RawGetString(name) != lua.LNil {
			m.RawSetString(name, L.NewFunction(fn))
		}
	}
	for name, op := range unaryMath {
		f, positive := fname{name: name}, positiveDomainNaN[name]
		set(name, func(L *lua.LState) int {
			x := luaNumberArg(L, 1, f)
			r := cResult(op(x), x)
			if positive && math.IsNaN(r) && !math.IsNaN(x) {
				r = math.Abs(r)
			}
			L.Push(lua.LNumber(r))
			return 1
		})
	}
	set("abs", func(L *lua.LState) int { // fabs clears a NaN's sign too
		L.Push(lua.LNumber(math.Abs(luaNumberArg(L, 1, fname{name: "abs"}))))
		return 1
	})
	for name, op := range binaryMath {
		f := fname{name: name}
		set(name, func(L *lua.LState) int {
			x, y := luaNumberArg(L, 1, f), luaNumberArg(L, 2, f)
			L.Push(lua.LNumber(cResult(op(x, y), x, y)))
			return 1
		})
	}
	set("modf", mathModf)
	set("frexp", mathFrexp)
	set("ldexp", mathLdexp)
	set("max", func(L *lua.LState) int { return mathExtreme(L, fname{name: "max"}, 1) })
	set("min", func(L *lua.LState) int { return mathExtreme(L, fname{name: "min"}, -1) })
	if m.RawGetString("huge") != lua.LNil {
		m.RawSetString("huge", lua.LNumber(math.Inf(1)))
	}
}

// luaNumberArg reads argument n of f as luaL_checknumber does: a number or
// a numeric string.
func luaNumberArg(L *lua.LState, n int, f fname) float64 {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if num, ok := stringNumber(string(v)); ok {
			return num
		}
	}
	typeError(L, n, f, "number")
	return 0
}

// mathModf is C's modf: the integral part, then the fraction, both with
// x's sign; an infinity's fraction is zero.
func mathModf(L *lua.LState) int {
	x := luaNumberArg(L, 1, fname{name: "modf"})
	ip, fp := math.Modf(x)
	if math.IsInf(x, 0) {
		fp = math.Copysign(0, x)
	}
	L.Push(lua.LNumber(cResult(ip, x)))
	L.Push(lua.LNumber(cResult(fp, x)))
	return 2
}

// mathFrexp is C's frexp: the mantissa in [0.5, 1) and the exponent; glibc
// gives 0 for the exponent of an infinity or a NaN, as Go does.
func mathFrexp(L *lua.LState) int {
	x := luaNumberArg(L, 1, fname{name: "frexp"})
	frac, exp := math.Frexp(x)
	L.Push(lua.LNumber(cResult(frac, x)))
	L.Push(lua.LNumber(exp))
	return 2
}

// mathLdexp is C's ldexp with luaL_checkint's exponent: the number cast to
// a C long, then to a 32-bit int.
func mathLdexp(L *lua.LState) int {
	f := fname{name: "ldexp"}
	x := luaNumberArg(L, 1, f)
	exp := int32(luaIntegerArg(L, 2, f))
	L.Push(lua.LNumber(cResult(math.Ldexp(x, int(exp)), x)))
	return 1
}

// mathExtreme is math.max (sign 1) and math.min (sign -1): the first
// argument replaced by each later one that is strictly greater (smaller),
// so a NaN first stays and a NaN later is passed over, as lmathlib.c's
// loop does.
func mathExtreme(L *lua.LState, f fname, sign float64) int {
	best := luaNumberArg(L, 1, f)
	for i := 2; i <= L.GetTop(); i++ {
		if d := luaNumberArg(L, i, f); sign*d > sign*best {
			best = d
		}
	}
	L.Push(lua.LNumber(best))
	return 1
}
