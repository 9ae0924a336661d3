package luabind

import (
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// numberAsStringCases give numbers where the standard library expects a
// string (and numeric strings where it expects an integer); each want is
// what lua5.1 prints, positions stripped (TestNumbersAsStringsLikeLua51
// checks them against the reference interpreter when it is installed). The
// cases avoid `..`, which is gopher-lua's VM, and a literal -0 next to a 0,
// which Lua 5.1's compiler makes one constant.
var numberAsStringCases = []luaCase{
	{"table.concat elements",
		`print(table.concat({1/3, 2^53}, ","))`,
		"0.33333333333333,9.007199254741e+15\n"},
	{"table.concat separator",
		`print(table.concat({1, 2, 3}, 1/3))`,
		"10.3333333333333320.333333333333333\n"},
	{"table.concat special numbers",
		`local zero = 0 print(table.concat({1, 2.5, -zero, 1/zero, -1/zero, 1e15, 2^63, 1e100, 1e14 - 1}, " "))`,
		"1 2.5 -0 inf -inf 1e+15 9.2233720368548e+18 1e+100 99999999999999\n"},
	{"table.concat numeric string bounds",
		`print(table.concat({"a", "b", "c"}, "-", "2", " 3 "))`,
		"b-c\n"},
	{"table.concat a bad value",
		`print(pcall(function() return table.concat({1, true}) end))`,
		"false\tinvalid value (boolean) at index 2 in table for 'concat'\n"},
	{"table.concat a hole",
		`print(pcall(function() return table.concat({1, nil, 3}, ",", 1, 3) end))`,
		"false\tinvalid value (nil) at index 2 in table for 'concat'\n"},
	{"table.concat a bad separator",
		`print(pcall(function() return table.concat({1, 2}, {}) end))`,
		"false\tbad argument #2 to 'concat' (string expected, got table)\n"},
	{"len",
		`local zero = 0 print(string.len(1/3), string.len(2^53), string.len(-zero), string.len(1e100))`,
		"16\t18\t2\t6\n"},
	{"len errors",
		`print(pcall(function() return string.len() end)) print(pcall(function() return string.len(nil) end))`,
		"false\tbad argument #1 to 'len' (string expected, got no value)\nfalse\tbad argument #1 to 'len' (string expected, got nil)\n"},
	{"upper lower reverse",
		`print(string.upper(1/3), string.lower(-math.huge * 2), string.reverse(2^53))`,
		"0.33333333333333\t-inf\t51+e147452991700.9\n"},
	{"upper lower keep other bytes",
		`print(string.byte(string.lower("\200AZ\255"), 1, -1)) print(string.byte(string.upper("\200az\255"), 1, -1))`,
		"200\t97\t122\t255\n200\t65\t90\t255\n"},
	{"lower errors",
		`print(pcall(function() return string.lower({}) end)) print(pcall(function() return string.upper() end)) print(pcall(function() return string.reverse(true) end))`,
		"false\tbad argument #1 to 'lower' (string expected, got table)\nfalse\tbad argument #1 to 'upper' (string expected, got no value)\nfalse\tbad argument #1 to 'reverse' (string expected, got boolean)\n"},
	{"sub",
		`print(string.sub(1/3, 1), string.sub(1/3, -3), string.sub(2^53, 2, 4), string.sub(12345, "2", "3"))`,
		"0.33333333333333\t333\t.00\t23\n"},
	{"sub positions",
		`print(string.sub("hello", -3), string.sub("hello", 2, 100), string.sub("hello", 0), string.sub("hello", -100, 2), string.sub("hello", 4, 2))`,
		"llo\tello\thello\the\t\n"},
	{"sub errors",
		`print(pcall(function() return string.sub("x") end)) print(pcall(function() return string.sub("x", {}) end)) print(pcall(function() return string.sub(nil, 1) end))`,
		"false\tbad argument #2 to 'sub' (number expected, got no value)\nfalse\tbad argument #2 to 'sub' (number expected, got table)\nfalse\tbad argument #1 to 'sub' (string expected, got nil)\n"},
	{"byte",
		`print(string.byte(2^53, -1), string.byte(1/3, 2), select("#", string.byte(1/3, 1, -1)), string.byte(1/3, "-1"))`,
		"53\t46\t16\t51\n"},
	{"byte positions",
		`print(string.byte("hello", -3, -1)) print(string.byte("hello", 10), string.byte("", 1), string.byte("hello", 0))`,
		"108\t108\t111\nnil\tnil\n"},
	{"byte errors",
		`print(pcall(function() return string.byte({}) end)) print(pcall(function() return string.byte("x", "a") end))`,
		"false\tbad argument #1 to 'byte' (string expected, got table)\nfalse\tbad argument #2 to 'byte' (number expected, got string)\n"},
	{"byte too many values",
		`print(pcall(function() return string.byte(string.rep("x", 8000), 1, -1) end)) print(select("#", string.byte(string.rep("x", 7990), 1, -1)))`,
		"false\tstack overflow (string slice too long)\n7990\n"},
	{"char",
		`print(string.char(65.7, 2^32 + 66, "67", " 68 "), string.char())`,
		"ABCD\t\n"},
	{"char errors",
		`print(pcall(function() return string.char(256) end)) print(pcall(function() return string.char(65, -1) end)) print(pcall(function() return string.char("x") end))`,
		"false\tbad argument #1 to 'char' (invalid value)\nfalse\tbad argument #2 to 'char' (invalid value)\nfalse\tbad argument #1 to 'char' (number expected, got string)\n"},
	{"find",
		`print(string.find(1/3, "3+"), string.find("x0.33333333333333x", 1/3, 1, true), string.find(12345, 34), string.find(12345, 34, "4"))`,
		"3\t2\t3\tnil\n"},
	{"find positions and captures",
		`print(string.find("hello", "l", -2), string.find("hello", "xl"), string.find("a.b", ".", 1, true), string.find("hello", "(l)(l)"), string.find("hello", "()ll()"))`,
		"4\tnil\t2\t3\t3\t4\t3\t5\n"},
	{"find an empty pattern",
		`print(string.find("", "")) print(string.find("abc", "", 2)) print(string.find("abc", "", 10))`,
		"1\t0\n2\t1\n4\t3\n"},
	{"find errors",
		`print(pcall(function() return string.find(nil, "x") end)) print(pcall(function() return string.find("x") end)) print(pcall(function() return string.find("x", "x", {}) end))`,
		"false\tbad argument #1 to 'find' (string expected, got nil)\nfalse\tbad argument #2 to 'find' (string expected, got no value)\nfalse\tbad argument #3 to 'find' (number expected, got table)\n"},
	{"match",
		`print(string.match(1/3, "%d+$"), string.match("0.33333333333333", 1/3), string.match(2^53, "e(.*)"))`,
		"33333333333333\t0.33333333333333\t+15\n"},
	{"match captures and failure",
		`print(string.match("hello", "(h)(e)"), string.match("hello", "l+"), string.match("hello", "()"), string.match("hello", "x"), string.match("hello", "^e", 2), string.match("hello", "o", -1))`,
		"h\tll\t1\tnil\te\to\n"},
	{"match errors",
		`print(pcall(function() return string.match("x") end)) print(pcall(function() return string.match({}, "x") end))`,
		"false\tbad argument #2 to 'match' (string expected, got no value)\nfalse\tbad argument #1 to 'match' (string expected, got table)\n"},
	{"gmatch",
		`local t = {} for w in string.gmatch(1/3, "%d+") do t[#t + 1] = w end for w in string.gmatch(2^53, "[^.]+") do t[#t + 1] = w end print(table.concat(t, ";"))`,
		"0;33333333333333;9;007199254741e+15\n"},
	{"gmatch a number pattern",
		`local t = {} for w in string.gmatch("a1b1", 1) do t[#t + 1] = w end print(#t, t[1], t[2])`,
		"2\t1\t1\n"},
	{"gmatch called by hand",
		`local it = string.gmatch("a1b2", "%a(%d)") print(it(), it(), it(), it()) print(select("#", it())) it = string.gmatch(1/3, "3") print(it(), string.gfind == string.gmatch)`,
		"1\t2\tnil\n0\n3\ttrue\n"},
	{"gmatch anchors and empty matches",
		`local t = {} for w in ("^a^ab"):gmatch("^a") do t[#t + 1] = w end for w in ("abc"):gmatch("x*") do t[#t + 1] = "[" .. w .. "]" end for a, b in ("k=v, x=y"):gmatch("(%w+)=(%w+)") do t[#t + 1] = b .. a end for p in ("abc"):gmatch("()") do t[#t + 1] = p end print(table.concat(t, " "))`,
		"^a ^a [] [] [] [] vk yx 1 2 3 4\n"},
	{"gmatch errors",
		`print(pcall(function() return string.gmatch("x") end)) print(pcall(function() return string.gmatch(nil, "x") end))`,
		"false\tbad argument #2 to 'gmatch' (string expected, got no value)\nfalse\tbad argument #1 to 'gmatch' (string expected, got nil)\n"},
	{"rep",
		`print(string.rep(1/3, 2), string.rep("ab", "2"), ("x"):rep(3))`,
		"0.333333333333330.33333333333333\tabab\txxx\n"},
	{"format and gsub",
		`print(string.format(1/3), string.format("%s|%5.1s", 1/3, 2^53), string.gsub(1/3, "3", "x", 2))`,
		"0.33333333333333\t0.33333333333333|    9\t0.xx333333333333\t2\n"},
	{"os.getenv",
		`print(os.getenv(1/3)) print(pcall(function() return os.getenv() end))`,
		"nil\nfalse\tbad argument #1 to 'getenv' (string expected, got no value)\n"},
	{"os.date",
		`print(os.date(1/3, 0)) print(pcall(function() return os.date({}) end))`,
		"0.33333333333333\nfalse\tbad argument #1 to 'date' (string expected, got table)\n"},
	{"tonumber with a base",
		`print(tonumber(10, 16), tonumber(1/3, 36), tonumber("ff", 16), tonumber("0x1F", 16), tonumber("0x", 16), tonumber("zz", 36))`,
		"16\tnil\t255\t31\tnil\t1295\n"},
	{"tonumber edge cases",
		`print(tonumber("ffffffffffffffffff", 16), tonumber("", 16), tonumber("  ", 16), tonumber("12", "8"), tonumber("+11", 2), tonumber("-0", 2), tonumber("1 2", 3), tonumber("2", 2))`,
		"1.844674407371e+19\tnil\tnil\t10\t3\t0\tnil\tnil\n"},
	{"tonumber base 10",
		`print(tonumber("0x10"), tonumber(" 12 "), tonumber("1e2"), tonumber("z"), tonumber(5, 10), tonumber("7", "10"), tonumber("-0x10"), tonumber("inf"), tonumber("1e999"), tonumber("1_0"), tonumber("--1"), tonumber(""))`,
		"16\t12\t100\tnil\t5\t7\t-16\tinf\tinf\tnil\tnil\tnil\n"},
	{"tonumber errors",
		`print(pcall(function() return tonumber("1", 1) end)) print(pcall(function() return tonumber("1", 37) end)) print(pcall(function() return tonumber(nil, 16) end)) print(pcall(function() return tonumber("1", {}) end)) print(pcall(function() return tonumber() end))`,
		"false\tbad argument #2 to 'tonumber' (base out of range)\nfalse\tbad argument #2 to 'tonumber' (base out of range)\nfalse\tbad argument #1 to 'tonumber' (string expected, got nil)\nfalse\tbad argument #2 to 'tonumber' (number expected, got table)\nfalse\tbad argument #1 to 'tonumber' (value expected)\n"},
	{"assert a number message",
		`print(pcall(function() assert(nil, 1/3) end)) print(pcall(function() assert(false, {}) end)) print(pcall(function() assert() end)) print(pcall(function() assert(false) end)) print(assert(1, 2, "3")) print(type(select(2, assert(1, 2))))`,
		"false\t0.33333333333333\nfalse\tbad argument #2 to 'assert' (string expected, got table)\nfalse\tbad argument #1 to 'assert' (value expected)\nfalse\tassertion failed!\n1\t2\t3\nnumber\n"},
	{"loadstring a number",
		`print(loadstring(1/3)) print(pcall(function() return loadstring(nil) end))`,
		"nil\t[string \"0.33333333333333\"]:1: unexpected symbol near '0.33333333333333'\nfalse\tbad argument #1 to 'loadstring' (string expected, got nil)\n"},
	{"select",
		`print(select("#x", 1, 2), select("2", "a", "b"), select(-1, "a", "b"), select(1.9, "a", "b"), select(" 2 ", "a", "b")) print(select(5, "a")) print(select("#")) print(pcall(function() return select(0, 1) end)) print(pcall(function() return select(-5, 1) end)) print(pcall(function() return select({}) end)) print(pcall(function() return select() end)) print(pcall(function() return select(2^40, "a") end)) print(pcall(function() return select("x", "a") end))`,
		"2\tb\tb\ta\tb\n\n0\nfalse\tbad argument #1 to 'select' (index out of range)\nfalse\tbad argument #1 to 'select' (index out of range)\nfalse\tbad argument #1 to 'select' (number expected, got table)\nfalse\tbad argument #1 to 'select' (number expected, got no value)\nfalse\tbad argument #1 to 'select' (index out of range)\nfalse\tbad argument #1 to 'select' (number expected, got string)\n"},
	{"loadstring and load chunk names",
		`print(pcall(function() return loadstring("error('x')", 1/3)() end)) print(pcall(function() return loadstring("return", {}) end)) local done print(pcall(function() return load(function() if not done then done = true return "error('y')" end end, 12)() end)) print(pcall(function() return load(print, true) end))`,
		"false\t[string \"0.33333333333333\"]:1: x\nfalse\tbad argument #2 to 'loadstring' (string expected, got table)\nfalse\t[string \"12\"]:1: y\nfalse\tbad argument #2 to 'load' (string expected, got boolean)\n"},
	{"tostring of special numbers",
		`local zero = 0 print(zero/zero, -(zero/zero), 1/zero, -1/zero, -zero, 1e15, 2^63, -2^63, 1e14, 1e14 - 1, -1e14 + 1, 0.1, 1e-5, 5e-324, 2^53, 123456789012345678)`,
		"-nan\tnan\tinf\t-inf\t-0\t1e+15\t9.2233720368548e+18\t-9.2233720368548e+18\t1e+14\t99999999999999\t-99999999999999\t0.1\t1e-05\t4.9406564584125e-324\t9.007199254741e+15\t1.2345678901235e+17\n"},
}

func TestNumbersAsStrings(t *testing.T) { checkCasesNoPositions(t, numberAsStringCases) }

func TestNumbersAsStringsLikeLua51(t *testing.T) {
	checkCasesNoPositionsLikeLua51(t, numberAsStringCases)
}

// TestToNumberNegativeInBase holds tonumber to Lua 5.1's test suite
// (math.lua), which negates a signed string in a base other than 10; the
// reference interpreter on a 64-bit machine gives strtoul's wrap-around
// (tonumber("-10", 36) is 2^64-36 there), so these cases are not run
// through it.
func TestToNumberNegativeInBase(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{`print(tonumber("\n  -10  \n", 36))`, "-36\n"},
		{`print(tonumber("-fFfa", 16))`, "-65530\n"},
		{`print(tonumber(" -1 ", 16), tonumber("-0", 2), tonumber("-", 16), tonumber("- 1", 16))`, "-1\t0\tnil\tnil\n"},
		{`print(tonumber("-" .. string.rep("f", 20), 16))`, "-1.844674407371e+19\n"},
	} {
		res := runLua(t, tc.code)
		if res.err != nil {
			t.Fatal(res.err)
		}
		if res.out != tc.want {
			t.Errorf("%s: got %q, want %q", tc.code, res.out, tc.want)
		}
	}
}

// c14g is C's "%.14g" of f, as glibc prints it, from Go's fmt: the oracle
// the fuzz target holds the library's number text to.
func c14g(f float64) string {
	switch {
	case math.IsNaN(f) && math.Signbit(f):
		return "-nan"
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// FuzzNumberAsString gives a number to the library functions that take a
// string and checks that each reads it as its %.14g text.
func FuzzNumberAsString(f *testing.F) {
	for _, x := range []float64{1.0 / 3, 1 << 53, 1e15, 1e14, 1e14 - 1, -1e14 + 1, 1 << 63, 0.1, 1e-5, 5e-324, 123456789012345678, -2.5, 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), -math.NaN()} {
		f.Add(x)
	}
	L := lua.NewState()
	rt := Open(L, Config{Stdout: io.Discard, Stderr: io.Discard})
	f.Cleanup(func() { rt.Close(); L.Close() })
	probe, err := L.LoadString(`local x = ...
		return string.len(x), string.upper(x), string.lower(x), string.sub(x, 1), string.reverse(string.reverse(x)),
			table.concat({x, x}, x), string.rep(x, 2), select("#", string.byte(x, 1, -1)), string.byte(x, -1),
			(string.find(x, x, 1, true)), string.match(x, ".*"), string.format("%s", x), (string.gsub(x, "", "")),
			string.gmatch(x, ".+")()`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		want := c14g(x)
		L.Push(probe)
		L.Push(lua.LNumber(x))
		if err := L.PCall(1, lua.MultRet, nil); err != nil {
			t.Fatalf("%v: %v", x, err)
		}
		got := make([]string, L.GetTop())
		for i := range got {
			got[i] = L.Get(i + 1).String()
		}
		L.SetTop(0)
		n := strconv.Itoa(len(want))
		expect := []string{n, strings.ToUpper(want), want, want, want,
			want + want + want, want + want, n, strconv.Itoa(int(want[len(want)-1])),
			"1", want, want, want, want}
		if strings.Join(got, "|") != strings.Join(expect, "|") {
			t.Errorf("%v:\n got  %q\n want %q", x, got, expect)
		}
	})
}

// TestStringArgsAllocateNothing pins the cost of Lua 5.1's reading for a
// string argument: a type check, no allocation.
func TestStringArgsAllocateNothing(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	f := fname{name: "probe"}
	noop := withLua51Args(func(*lua.LState) int { return 0 }, f, argString, argOptString, argOptString, argOptInteger)
	for _, tc := range []struct {
		name string
		call func()
	}{
		{"checkStringArg", func() { _ = checkStringArg(L, 1, f) }},
		{"withLua51Args", func() { noop(L) }},
	} {
		L.SetTop(0)
		L.Push(lua.LString("subject"))
		L.Push(lua.LString("pattern"))
		L.Push(lua.LNil)
		L.Push(lua.LNumber(3))
		if allocs := testing.AllocsPerRun(100, tc.call); allocs != 0 {
			t.Errorf("%s: %v allocations for string arguments, want 0", tc.name, allocs)
		}
	}
}

// BenchmarkStringFunctions times the string functions on string arguments
// (the path Lua 5.1's number reading must not slow), each called b.N times
// from a Lua loop.
func BenchmarkStringFunctions(b *testing.B) {
	L := lua.NewState()
	rt := Open(L, Config{Stdout: io.Discard, Stderr: io.Discard})
	defer func() { rt.Close(); L.Close() }()
	for _, bc := range []struct{ name, call string }{
		{"len", `s:len()`},
		{"sub", `s:sub(2, 5)`},
		{"byte", `s:byte(3)`},
		{"upper", `s:upper()`},
		{"find plain", `s:find("wor", 1, true)`},
		{"find pattern", `s:find("w%a+")`},
		{"match", `s:match("(%a+) (%a+)")`},
		{"gmatch", `for w in s:gmatch("%a+") do end`},
		{"concat", `table.concat(t, ", ")`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			fn, err := L.LoadString(`local n = ... local s, t = "hello world", {"a", "b", "c"} for _ = 1, n do local _ = ` + bc.call + ` end`)
			if strings.HasPrefix(bc.call, "for") {
				fn, err = L.LoadString(`local n = ... local s = "hello world" for _ = 1, n do ` + bc.call + ` end`)
			}
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			if err := L.CallByParam(lua.P{Fn: fn, Protect: true}, lua.LNumber(b.N)); err != nil {
				b.Fatal(err)
			}
		})
	}
}
