package luabind

import (
	"testing"
)

// methodArgCases are bad arguments of functions called with and without
// the colon; want is what lua5.1 prints (TestMethodArgumentsAgainstLua51).
var methodArgCases = []struct{ name, call, want string }{
	{"a method's first argument", `("x"):rep()`, "bad argument #1 to 'rep' (number expected, got no value)"},
	{"a method's argument of the wrong type", `("x"):sub({})`, "bad argument #1 to 'sub' (number expected, got table)"},
	{"format as a method", `("%d"):format("x")`, "bad argument #1 to 'format' (number expected, got string)"},
	{"a method's pattern", `("x"):find({})`, "bad argument #1 to 'find' (string expected, got table)"},
	{"the same function called with a dot", `string.rep("x")`, "bad argument #2 to 'rep' (number expected, got no value)"},
	{"a field call with self passed by hand", `local s = "x" return s.rep(s)`, "bad argument #2 to 'rep' (number expected, got no value)"},
	{"a bad self", `local t = {rep = string.rep} return t:rep(3)`, "calling 'rep' on bad self (string expected, got table)"},
	{"a file method", `io.stdout:write({})`, "bad argument #1 to 'write' (string expected, got table)"},
}

func methodArgCode(call string) string {
	return `print((select(2, pcall(function() ` + call + ` end)):gsub("^.-:%d+: ", "")))`
}

// TestMethodArguments: called with a colon, a library function does not
// count self in its argument numbers, and a bad self is "calling 'f' on
// bad self", as Lua 5.1's luaL_argerror says. Before, ("x"):rep() blamed
// argument #2.
func TestMethodArguments(t *testing.T) {
	for _, tc := range methodArgCases {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, out := testState(t, Config{})
			fn, err := L.LoadString(methodArgCode(tc.call))
			if err != nil {
				t.Fatal(err)
			}
			if err := rt.PCall(fn); err != nil {
				t.Fatalf("error: %v", err)
			}
			if out.String() != tc.want+"\n" {
				t.Errorf("printed %q, want %q", out.String(), tc.want+"\n")
			}
		})
	}
}

// TestMethodArgumentsAgainstLua51 runs the cases through lua5.1 and wants
// what TestMethodArguments wants.
func TestMethodArgumentsAgainstLua51(t *testing.T) {
	lua51 := referenceLua(t, "lua5.1")
	for _, tc := range methodArgCases {
		t.Run(tc.name, func(t *testing.T) {
			if out := runReference(t, lua51, methodArgCode(tc.call), ""); out != tc.want+"\n" {
				t.Errorf("lua5.1 printed %q, the test wants %q", out, tc.want+"\n")
			}
		})
	}
}
