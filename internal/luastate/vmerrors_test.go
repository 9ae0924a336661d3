package luastate

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// vmErrorCases are runtime errors the VM raises, each with the message
// lua5.1 prints for it (checked against /usr/bin/lua5.1 by
// TestVMErrorsMatchLua51). The chunk is named t.lua.
var vmErrorCases = []struct{ src, want string }{
	// index
	{"local t\nlocal x = t.y", "t.lua:2: attempt to index local 't' (a nil value)"},
	{"local t = {} t.x.y = 1", "t.lua:1: attempt to index field 'x' (a nil value)"},
	{"local t = {x = {}}; t.x.y.z = 1", "t.lua:1: attempt to index field 'y' (a nil value)"},
	{`local s = "x"; s.y = 1`, "t.lua:1: attempt to index local 's' (a string value)"},
	{"local up; function f() return up.x end; f()", "t.lua:1: attempt to index upvalue 'up' (a nil value)"},
	{"x = y.z", "t.lua:1: attempt to index global 'y' (a nil value)"},
	{"local function f(a) return a.b end f()", "t.lua:1: attempt to index local 'a' (a nil value)"},
	{"local t = setmetatable({}, {__index = function() end}); local x = t.a.b", "t.lua:1: attempt to index field 'a' (a nil value)"},
	{"local b = true; b[1] = 2", "t.lua:1: attempt to index local 'b' (a boolean value)"},
	{"local t = {}; return t[1][2]", "t.lua:1: attempt to index field '?' (a nil value)"},
	{"local n = nil; n:m()", "t.lua:1: attempt to index local 'n' (a nil value)"},
	// call
	{"f()", "t.lua:1: attempt to call global 'f' (a nil value)"},
	{"local t = {}\nt:m()", "t.lua:2: attempt to call method 'm' (a nil value)"},
	{`return ("x"):bad()`, "t.lua:1: attempt to call method 'bad' (a nil value)"},
	{"string.foo()", "t.lua:1: attempt to call field 'foo' (a nil value)"},
	{"local t = {}; t[1]()", "t.lua:1: attempt to call field '?' (a nil value)"},
	{"return (1)()", "t.lua:1: attempt to call a number value"},
	{"local f = 1; f()", "t.lua:1: attempt to call local 'f' (a number value)"},
	{"local function g() return h() end g()", "t.lua:1: attempt to call global 'h' (a nil value)"},
	{"for k in nil do end", "t.lua:1: attempt to call a nil value"},
	{"local gen = 5; for k, v in gen do end", "t.lua:1: attempt to call a number value"},
	{"setmetatable({}, {__call = 1})()", "t.lua:1: attempt to call a table value"},
	// arithmetic
	{"local t = {} ; return t + 1", "t.lua:1: attempt to perform arithmetic on local 't' (a table value)"},
	{"return nil + 1", "t.lua:1: attempt to perform arithmetic on a nil value"},
	{"local a = {}; return -a", "t.lua:1: attempt to perform arithmetic on local 'a' (a table value)"},
	{"local t = {x = {}}; return 2 * t.x", "t.lua:1: attempt to perform arithmetic on field 'x' (a table value)"},
	{`local a = "1"; return a + x`, "t.lua:1: attempt to perform arithmetic on global 'x' (a nil value)"},
	{`return "a" % 2`, "t.lua:1: attempt to perform arithmetic on a string value"},
	{"local p = print; return 2 ^ p", "t.lua:1: attempt to perform arithmetic on local 'p' (a function value)"},
	// concatenation
	{"local a\nlocal s = 'x' .. a", "t.lua:2: attempt to concatenate local 'a' (a nil value)"},
	{`x = {} .. "a"`, "t.lua:1: attempt to concatenate a table value"},
	{`local a = "a" .. {} .. "b"`, "t.lua:1: attempt to concatenate a table value"},
	{"local a, b = 1; return a .. b", "t.lua:1: attempt to concatenate local 'b' (a nil value)"},
	{`return true .. ""`, "t.lua:1: attempt to concatenate a boolean value"},
	{`local t = {} ; return t.x .. "a"`, "t.lua:1: attempt to concatenate field 'x' (a nil value)"},
	{`local s; function f() return s .. "x" end f()`, "t.lua:1: attempt to concatenate upvalue 's' (a nil value)"},
	// comparison
	{"return {} < {}", "t.lua:1: attempt to compare two table values"},
	{`return 1 < "x"`, "t.lua:1: attempt to compare number with string"},
	{`return "a" < 1`, "t.lua:1: attempt to compare string with number"},
	{"return print < print", "t.lua:1: attempt to compare two function values"},
	{"return 1 <= nil", "t.lua:1: attempt to compare number with nil"},
	{"local a; return a >= 2", "t.lua:1: attempt to compare number with nil"},
	{"return {} <= {}", "t.lua:1: attempt to compare two table values"},
	// length
	{"return #nil", "t.lua:1: attempt to get length of a nil value"},
	{"local n = 5; return #n", "t.lua:1: attempt to get length of local 'n' (a number value)"},
	{"return #print", "t.lua:1: attempt to get length of global 'print' (a function value)"},
	// numeric for
	{"for i = 'a', 2 do end", "t.lua:1: 'for' initial value must be a number"},
	{`for i = 1, "x" do end`, "t.lua:1: 'for' limit must be a number"},
	{"for i = 1, 2, {} do end", "t.lua:1: 'for' step must be a number"},
	{"for i = nil, nil, nil do end", "t.lua:1: 'for' initial value must be a number"},
}

// concatCases are `..` results as lua5.1 writes them.
var concatCases = []struct{ src, want string }{
	{`return "" .. 1/3`, "0.33333333333333"},
	{`return "" .. 1e15`, "1e+15"},
	{`return "" .. 2^53`, "9.007199254741e+15"},
	{`return 1/0 .. ""`, "inf"},
	{`return -1/0 .. ""`, "-inf"},
	{`return 1 .. 2`, "12"},
	{`local n = 10; return "n=" .. n .. "!"`, "n=10!"},
	{`return "a" .. 1.5 .. "b" .. -0.25`, "a1.5b-0.25"},
	{`return 1e100 .. ""`, "1e+100"},
	{`return "x" .. ""`, "x"},
	{`local mt = {__concat = function(a, b) return type(a) .. "+" .. type(b) end}
	local t = setmetatable({}, mt)
	return 1 .. t`, "number+table"},
	{`local mt = {__concat = function(a, b) return "[" .. tostring(type(a) == "table" and "t" or a) .. "|" .. tostring(type(b) == "table" and "t" or b) .. "]" end}
	local t = setmetatable({}, mt)
	return "a" .. 1 .. t .. 2 .. 3`, "a1[t|23]"},
	{`local mt = {__concat = function(a, b) return "<" .. (type(a) == "table" and "t" or a) .. "," .. (type(b) == "table" and "t" or b) .. ">" end}
	local t = setmetatable({}, mt)
	return t .. t .. 5`, "<t,<t,5>>"},
}

// forCoercionCases: Lua 5.1's numeric for takes strings that read as
// numbers (gopher-lua refused them).
var forCoercionCases = []struct{ src, want string }{
	{`local s = 0; for i = "1", "3" do s = s + i end return s`, "6"},
	{`local s = 0; for i = 10, 1, "-3" do s = s + i end return s`, "22"},
	{`local s = 0; for i = " 0x10 ", 16 do s = s + i end return s`, "16"},
}

func TestForCoercesStrings(t *testing.T) {
	for _, c := range forCoercionCases {
		L := newMarkedState(t)
		if msg, got := run(L, c.src); msg != "" || got.String() != c.want {
			t.Errorf("%q: got %q (error %q), want %s", c.src, got, msg, c.want)
		}
		L.Close()
	}
}

// lua51Number is Lua 5.1's "%.14g" as lua5.1 prints it here, for these
// tests: luabind passes its own formatter to MarkLua51.
func lua51Number(f float64) string {
	switch {
	case f == math.Trunc(f) && math.Abs(f) < 1e14 && !math.Signbit(f) || f == math.Trunc(f) && f < 0 && f > -1e14:
		return strconv.FormatInt(int64(f), 10)
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', 14, 64)
	if mant, exp, ok := strings.Cut(s, "e"); ok {
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		if len(exp) == 2 { // e+5: C writes at least two digits
			exp = exp[:1] + "0" + exp[1:]
		}
		return mant + "e" + exp
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func newMarkedState(t testing.TB) *lua.LState {
	t.Helper()
	if err := Lua51VM(); err != nil {
		t.Fatal(err)
	}
	L := lua.NewState()
	MarkLua51(L, lua51Number)
	return L
}

// run runs src as chunk t.lua and returns its error's message (the first
// line: gopher-lua appends a traceback) and its first result.
func run(L *lua.LState, src string) (msg string, result lua.LValue) {
	fn, err := L.Load(strings.NewReader(src), "t.lua")
	if err != nil {
		return "compile: " + err.Error(), lua.LNil
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		if apiErr, ok := err.(*lua.ApiError); ok {
			return lua.LVAsString(apiErr.Object), lua.LNil
		}
		return err.Error(), lua.LNil
	}
	result = L.Get(-1)
	L.Pop(1)
	return "", result
}

func TestVMErrors(t *testing.T) {
	for _, c := range vmErrorCases {
		t.Run(c.src, func(t *testing.T) {
			L := newMarkedState(t)
			defer L.Close()
			if got, _ := run(L, c.src); got != c.want {
				t.Errorf("error\n got %q\nwant %q", got, c.want)
			}
			// The same error caught by a Lua pcall, in a function: the
			// wrapper stays on line 1, so the positions do not move.
			wrapped := "local ok, e = pcall(function() " + c.src + "\nend) return e"
			if _, got := run(L, wrapped); got.String() != c.want {
				t.Errorf("pcall'd error\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestConcatNumbers(t *testing.T) {
	for _, c := range concatCases {
		t.Run(c.src, func(t *testing.T) {
			L := newMarkedState(t)
			defer L.Close()
			msg, got := run(L, c.src)
			if msg != "" || got.String() != c.want {
				t.Errorf("got %q (error %q), want %q", got, msg, c.want)
			}
		})
	}
}

// TestUnmarkedStatesKeepGopherLua: the handlers are installed for the whole
// process, but a state nobody marked gets gopher-lua's messages and `..`.
func TestUnmarkedStatesKeepGopherLua(t *testing.T) {
	if err := Lua51VM(); err != nil {
		t.Fatal(err)
	}
	marked := newMarkedState(t) // a marked state in the same process
	defer marked.Close()
	L := lua.NewState()
	defer L.Close()
	for _, c := range []struct{ src, want string }{
		{"local t\nlocal x = t.y", "t.lua:2: attempt to index a non-table object(nil) with key 'y'"},
		{"f()", "t.lua:1: attempt to call a non-function object"},
		{"local t = {} ; return t + 1", "t.lua:1: cannot perform add operation between table and number"},
		{"local a\nlocal s = 'x' .. a", "t.lua:2: cannot perform concat operation between string and nil"},
		{"return #nil", "t.lua:1: __len undefined"},
		{"for i = 'a', 2 do end", "t.lua:1: for statement init must be a number"},
	} {
		if got, _ := run(L, c.src); got != c.want {
			t.Errorf("%q: got %q, want gopher-lua's %q", c.src, got, c.want)
		}
	}
	if _, got := run(L, `return "" .. 1/3`); got.String() != "0.3333333333333333" {
		t.Errorf(`unmarked "" .. 1/3 = %q, want gopher-lua's 0.3333333333333333`, got)
	}
	if _, got := run(marked, `return "" .. 1/3`); got.String() != "0.33333333333333" {
		t.Errorf(`marked "" .. 1/3 = %q, want 0.33333333333333`, got)
	}
	// 1e17 % 7 is 5 exactly (math.Mod), 0 by Lua 5.1's a - floor(a/b)*b.
	const mod = `local a, b = 1e17, 7 return a % b`
	if _, got := run(L, mod); got.String() != "5" {
		t.Errorf("unmarked 1e17 %% 7 = %s, want gopher-lua's 5", got)
	}
	if _, got := run(marked, mod); got.String() != "0" {
		t.Errorf("marked 1e17 %% 7 = %s, want Lua 5.1's 0", got)
	}
}

// TestCoroutinesShareTheMark: a coroutine has its parent's Global.
func TestCoroutinesShareTheMark(t *testing.T) {
	L := newMarkedState(t)
	defer L.Close()
	src := `local co = coroutine.create(function() local t; return t.x end)
	local ok, e = coroutine.resume(co) return e`
	if _, got := run(L, src); got.String() != "t.lua:1: attempt to index local 't' (a nil value)" {
		t.Errorf("in a coroutine: %q", got)
	}
}

// lua51Path is the reference interpreter's path, or "" (the test skips).
func lua51Path(t testing.TB) string {
	path, err := exec.LookPath("lua5.1")
	if err != nil {
		t.Skip("lua5.1 is not installed: the literal messages are checked, not the interpreter")
	}
	return path
}

// runLua51 runs src as t.lua with the reference interpreter and returns
// the first line of its error (without the "lua5.1: " prefix), or what it
// printed.
func runLua51(t testing.TB, interp, src string) string {
	line, _, _ := strings.Cut(strings.TrimPrefix(runLua51Output(t, interp, src), interp+": "), "\n")
	return line
}

// runLua51Output is all that the reference interpreter wrote running src
// as t.lua.
func runLua51Output(t testing.TB, interp, src string) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.lua"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(interp, "t.lua")
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	return string(out)
}

func TestVMErrorsMatchLua51(t *testing.T) {
	interp := lua51Path(t)
	for _, c := range vmErrorCases {
		if got := runLua51(t, interp, c.src); got != c.want {
			t.Errorf("%q: lua5.1 says %q, the table %q", c.src, got, c.want)
		}
	}
	for _, c := range concatCases {
		// The last return prints instead.
		i := strings.LastIndex(c.src, "return")
		src := c.src[:i] + "print(" + c.src[i+len("return"):] + ")"
		if got := runLua51(t, interp, src); got != c.want {
			t.Errorf("%q: lua5.1 prints %q, the table %q", c.src, got, c.want)
		}
	}
	for _, c := range forCoercionCases {
		i := strings.LastIndex(c.src, "return")
		src := c.src[:i] + "print(" + c.src[i+len("return"):] + ")"
		if got := runLua51(t, interp, src); got != c.want {
			t.Errorf("%q: lua5.1 prints %q, the table %q", c.src, got, c.want)
		}
	}
}
