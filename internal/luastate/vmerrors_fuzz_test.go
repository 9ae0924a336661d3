package luastate

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// Pieces of the snippets FuzzVMErrors builds: a value for each of two
// operands, how the operands are reached, and what is done with them.
var (
	fuzzValues = []string{`nil`, `1`, `"s"`, `"12"`, `{}`, `print`, `true`, `1/0`, `0.5`,
		`setmetatable({}, {__index = function() return 7 end})`,
		`setmetatable({}, {__add = function() return 3 end, __concat = function() return "c" end, __lt = function() return true end})`,
		`coroutine.create(function() end)`, `{x = {}}`, `"abc"`, `string`}
	fuzzBindings = []struct{ decl, a, b string }{
		{"local a, b = %s, %s", "a", "b"},
		{"ga, gb = %s, %s", "ga", "gb"},
		{"local t = {a = %s, b = %s}", "t.a", "t.b"},
		{"local ua, ub = %s, %s\nlocal function get() return ua, ub end", "ua", "ub"},
	}
	fuzzExprs = []string{`%[1]s.x`, `%[1]s.x.y`, `%[1]s()`, `%[1]s:m()`, `%[1]s + %[2]s`, `%[1]s - 1`,
		`2 * %[2]s`, `%[1]s .. %[2]s`, `"<" .. %[1]s .. %[2]s .. ">"`, `%[1]s < %[2]s`, `%[1]s <= %[2]s`,
		`%[1]s > 1`, `#%[1]s`, `-%[1]s`, `%[1]s[%[2]s]`, `%[1]s[1]()`, `%[1]s ^ %[2]s %% 2`,
		`%[1]s(%[2]s)`, `%[1]s.x.m(%[2]s)`, `%[1]s:m(%[2]s)`, `(%[1]s or %[2]s).x`, `%[1]s.x .. %[2]s.y`, `%[1]s == %[2]s`}
	// A statement's %s is the expression, or for the others the first operand.
	fuzzStatements = []struct {
		form    string
		useExpr bool
	}{{"local r = %s", true}, {"return %s", true}, {"%s.z = 1", false}, {"%s.x.z = 1", false},
		{"for i = %s, 2 do break end", false}, {"for i = 1, %s do break end", false}}
)

// fuzzSnippet builds a small script from four bytes; it prints the result
// of its protected body, "ok" or the error message, with report.
func fuzzSnippet(value1, value2, binding, expr, statement byte) string {
	bd := fuzzBindings[int(binding)%len(fuzzBindings)]
	x := fmt.Sprintf(fuzzExprs[int(expr)%len(fuzzExprs)], bd.a, bd.b)
	st := fuzzStatements[int(statement)%len(fuzzStatements)]
	body := fmt.Sprintf(st.form, bd.a)
	if st.useExpr {
		body = fmt.Sprintf(st.form, x)
	}
	decl := fmt.Sprintf(bd.decl, fuzzValues[int(value1)%len(fuzzValues)], fuzzValues[int(value2)%len(fuzzValues)])
	if bd.a == "ua" {
		// The operands are upvalues of the function that uses them.
		return decl + "\nlocal ok, e = pcall(function() local _ = get\n" + body + "\nend)\nreport(ok and \"ok\" or e)"
	}
	return decl + "\nlocal ok, e = pcall(function()\n" + body + "\nend)\nreport(ok and \"ok\" or e)"
}

// FuzzVMErrors runs random small snippets through a marked state and
// through lua5.1 and wants the same output: the same error message (kind of
// operation, name, type, position) or success in both. Without lua5.1 it
// skips. `go test` runs the seeds; fuzz longer with
// go test -fuzz FuzzVMErrors -fuzztime 10m ./internal/luastate
func FuzzVMErrors(f *testing.F) {
	for i := range 40 {
		f.Add(byte(i), byte(i*7), byte(i*3), byte(i*5), byte(i/10))
	}
	f.Fuzz(func(t *testing.T, value1, value2, binding, expr, statement byte) {
		interp, err := exec.LookPath("lua5.1")
		if err != nil {
			t.Skip("lua5.1 is not installed: nothing to compare with")
		}
		src := fuzzSnippet(value1, value2, binding, expr, statement)
		// report marks its line: the snippet may call print itself.
		want := runLua51Output(t, interp, `report = function(s) io.write("=> ", s, "\n") end `+src)
		if _, after, ok := strings.Cut(want, "=> "); ok {
			want, _, _ = strings.Cut(after, "\n")
		}
		L := newMarkedState(t)
		defer L.Close()
		var got string
		L.SetGlobal("report", L.NewFunction(func(L *lua.LState) int {
			got = L.ToString(1)
			return 0
		}))
		if msg, _ := run(L, src); msg != "" {
			got = "uncaught: " + msg
		}
		if got != want {
			t.Errorf("%s\n got %q\nwant %q (lua5.1)", src, got, want)
		}
	})
}
