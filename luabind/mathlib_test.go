package luabind

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// mathCases are the math library and the VM's % against Lua 5.1; each want
// is what lua5.1 prints on amd64 (TestMathLikeLua51 checks them against the
// reference interpreter when it is installed). The operands of % are locals:
// two literals are folded by gopher-lua's compiler, not run by the VM.
var mathCases = []luaCase{
	{"huge is infinity",
		`print(math.huge, -math.huge, math.huge == 1/0, math.huge - math.huge)`,
		"inf\t-inf\ttrue\t-nan\n"},
	{"% is a - floor(a/b)*b",
		`local a, b, c, d = 5.5, -2, -5.5, 2 print(a % b, c % d, a % d, c % b)`,
		"-0.5\t0.5\t1.5\t-1.5\n"},
	{"% rounds as the formula does",
		`local a, b, c = 1e17, 7, 1e308 print(a % b, c % 3, 7.5 % 0.1 < 0.1)`,
		"0\t0\ttrue\n"},
	{"% by infinity and zero",
		`local h, z, five = math.huge, 0, 5 print(five % h, -five % h, five % -h, five % z, h % 2)`,
		"-nan\t-nan\t-nan\t-nan\t-nan\n"},
	{"% keeps integers exact",
		`local x = 12345 for _ = 1, 3 do x = (1664525 * x + 1013904223) % 4294967296 end print(x, x % 500001)`,
		"2332836374\t331709\n"},
	{"% of negative zero",
		`local z = 0 z = -z print(z % 5, 1/(z % 5))`,
		"0\tinf\n"},
	{"% through __mod",
		`local t = setmetatable({}, {__mod = function(a, b) return "mod" end}) print(t % 2, 2 % t)`,
		"mod\tmod\n"},
	{"% of numeric strings",
		`local a, b = "7", " 3 " print(a % b, a % 2)`,
		"1\t1\n"},
	{"deg and rad round as lmathlib.c",
		`print(math.deg(1), math.rad(180), math.deg(math.pi) == 180, math.rad(1/3))`,
		"57.295779513082\t3.1415926535898\ttrue\t0.0058177641733144\n"},
	{"modf of infinities and NaN",
		`print(math.modf(1/0)) print(math.modf(-1/0)) print(math.modf(0/0)) print(math.modf(-2.5))`,
		"inf\t0\n-inf\t-0\n-nan\t-nan\n-2\t-0.5\n"},
	{"frexp and ldexp",
		`print(math.frexp(8)) print(math.frexp(1/0)) print(math.ldexp(1, 3.9), math.ldexp(1, 1/0), math.ldexp(1, "2"))`,
		"0.5\t4\ninf\t0\n8\t1\t4\n"},
	{"log takes one argument",
		`print(math.log(8, 2) == math.log(8), math.log10(1000), math.exp(0))`,
		"true\t3\t1\n"},
	{"NaNs as glibc gives them",
		`print(math.log(-1), math.log10(-1), math.sqrt(-1), math.asin(2), math.acos(2), math.sin(1/0), math.fmod(1, 0), math.abs(0/0))`,
		"-nan\tnan\t-nan\tnan\tnan\t-nan\t-nan\tnan\n"},
	{"a NaN argument passes through",
		`local n = -(0/0) print(math.floor(n), math.sin(n), math.fmod(n, 1), math.atan2(1, n), math.pow(n, 2))`,
		"nan\tnan\tnan\tnan\tnan\n"},
	{"max and min keep the first NaN, skip a later one",
		`local n = 0/0 print(math.max(n, 1), math.max(1, n), math.min(3, n, 2), math.max(-1, -0.5, "2"))`,
		"-nan\t1\t2\t2\n"},
	{"fmod and mod",
		`print(math.fmod(-5.5, 2), math.mod(5.5, 2), math.fmod(5, 1/0), math.fmod(-6, 3))`,
		"-1.5\t1.5\t5\t-0\n"},
	{"pow and atan2",
		`print(math.pow(2, 0.5), math.pow(-8, 1/3), math.atan2(1, -1), math.atan2(-0, -1))`,
		"1.4142135623731\t-nan\t2.3561944901923\t-3.1415926535898\n"},
	{"numeric strings",
		`print(math.floor(" 2.5 "), math.abs("-0x10"), math.max("3", 2))`,
		"2\t16\t3\n"},
	{"a zero byte ends a numeric string, as in C",
		`print(tonumber("1\0x"), math.floor("2\0"), string.format("%d", "3\0z"), tonumber("1_0"), tonumber("0x"))`,
		"1\t2\t3\tnil\tnil\n"},
	{"a missing argument",
		`print(pcall(function() return math.floor() end)) print(pcall(function() return math.fmod(1) end)) print(pcall(function() return math.max() end))`,
		"false\ttest.lua:1: bad argument #1 to 'floor' (number expected, got no value)\n" +
			"false\ttest.lua:1: bad argument #2 to 'fmod' (number expected, got no value)\n" +
			"false\ttest.lua:1: bad argument #1 to 'max' (number expected, got no value)\n"},
	{"a bad argument",
		`print(pcall(function() return math.sin("x") end)) print(pcall(function() return math.ldexp(1, {}) end)) print(pcall(function() return math.min(1, nil) end))`,
		"false\ttest.lua:1: bad argument #1 to 'sin' (number expected, got string)\n" +
			"false\ttest.lua:1: bad argument #2 to 'ldexp' (number expected, got table)\n" +
			"false\ttest.lua:1: bad argument #2 to 'min' (number expected, got nil)\n"},
}

func TestMath(t *testing.T)          { checkCases(t, mathCases) }
func TestMathLikeLua51(t *testing.T) { checkCasesLikeLua51(t, mathCases) }

// FuzzModulo holds the VM's % to Lua 5.1's definition, a - floor(a/b)*b
// computed by math.floor and the VM's other operators, for any two numbers
// (NaNs of either sign compare as equal), and checks the math functions
// never fail on a number.
func FuzzModulo(f *testing.F) {
	for _, seed := range [][2]float64{{5.5, -2}, {1e17, 7}, {5, math.Inf(1)}, {0, 0}, {-0.0, 5}, {math.NaN(), 1}, {1e308, 1e-308}} {
		f.Add(seed[0], seed[1])
	}
	const check = `
local a, b = %s, %s
local m, want = a %% b, a - math.floor(a / b) * b
local same = m == want or (m ~= m and want ~= want)
for _, name in ipairs({"abs", "ceil", "floor", "sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "deg", "rad", "frexp", "modf"}) do
  math[name](a)
end
for _, name in ipairs({"fmod", "pow", "atan2", "ldexp", "max", "min"}) do
  math[name](a, b)
end
print(same, m, want)`
	f.Fuzz(func(t *testing.T, a, b float64) {
		code := strings.Replace(check, "%%", "%", 1)
		code = strings.Replace(code, "%s", luaNumberLiteral(a), 1)
		code = strings.Replace(code, "%s", luaNumberLiteral(b), 1)
		res := runLua(t, code)
		if res.err != nil {
			t.Fatalf("a=%v b=%v: %v", a, b, res.err)
		}
		if !strings.HasPrefix(res.out, "true\t") {
			t.Errorf("a=%v b=%v: %% and the formula differ: %q", a, b, res.out)
		}
	})
}

// luaNumberLiteral writes f as a Lua expression that evaluates to exactly f.
func luaNumberLiteral(f float64) string {
	switch {
	case math.IsNaN(f):
		return "(0/0)"
	case math.IsInf(f, 1):
		return "(1/0)"
	case math.IsInf(f, -1):
		return "(-1/0)"
	case f == 0 && math.Signbit(f):
		return "(-(0))"
	}
	return "(" + strconv.FormatFloat(f, 'g', -1, 64) + ")"
}
