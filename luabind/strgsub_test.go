package luabind

import (
	"regexp"
	"testing"
	"time"
)

// gsubCases print what lua5.1 prints (TestGsubLikeLua51 checks them against
// the reference interpreter when it is installed).
var gsubCases = []luaCase{
	{"escapes in the replacement", `print(("hello world"):gsub("o", "%a%%"))`, "hella% wa%rld\t2\n"},
	{"whole match and captures", `print(("hello world"):gsub("(o)", "[%1%0]"))`, "hell[oo] w[oo]rld\t2\n"},
	{"empty matches", `print(("hello"):gsub("", "-"))`, "-h-e-l-l-o-\t6\n"},
	{"%1 without captures is the match", `print(("abc"):gsub("%w", "%1"))`, "abc\t3\n"},
	{"a capture that does not exist", `print(pcall(function() return ("abc"):gsub("%w", "%2") end))`, "false\tinvalid capture index\n"},
	{"position captures", `print(("abc"):gsub("()", "%1"))`, "1a2b3c4\t4\n"},
	{"a table", `print(("abc"):gsub("b", {b = 5}))`, "a5c\t1\n"},
	{"a table value that is no string", `print(pcall(function() return ("abc"):gsub("b", {b = {}}) end))`, "false\tinvalid replacement value (a table)\n"},
	{"false keeps the match", `print(("abc"):gsub("b", function() return false end))`, "abc\t1\n"},
	{"a function with captures", `print(("k=v, a=b"):gsub("(%w+)=(%w+)", function(k, v) return v .. "=" .. k end))`, "v=k, b=a\t2\n"},
	{"a limit", `print(("abc abc"):gsub("abc", "x", 1))`, "x abc\t1\n"},
	{"a number as the replacement", `print(("abc"):gsub("b", 12))`, "a12c\t1\n"},
	{"limits of 0, -1 and 1.7", `print(("abc"):gsub("b", "x", 0)) print(("abc"):gsub("b", "x", -1)) print(("abc"):gsub("b", "x", 1.7))`, "abc\t0\nabc\t0\naxc\t1\n"},
	{"numbers as subject and pattern", `print(string.gsub(123, 2, 9)) print(string.gsub(0.1, "%.", ","))`, "193\t1\n0,1\t1\n"},
	{"anchored", `print(("aaa"):gsub("^a", "b"))`, "baa\t1\n"},
	{"a number result in %.14g", `print(("x"):gsub("x", function() return 1/3 end))`, "0.33333333333333\t1\n"},
}

func TestGsub(t *testing.T) {
	// Errors raised here carry the caller's position; Lua 5.1's (raised
	// from C under a pcall of a Lua function) do too.
	checkCasesNoPositions(t, gsubCases)
	t.Run("bad replacement", func(t *testing.T) {
		res := runLua(t, `print(pcall(string.gsub, "abc", "b", true))`)
		if want := "false\tbad argument #3 to 'gsub' (string/function/table expected, got boolean)\n"; stripPositions(res.out) != want {
			t.Errorf("got %q, want %q", res.out, want)
		}
	})
}

func stripPositions(s string) string {
	return positionRE.ReplaceAllString(s, "")
}

func TestGsubLikeLua51(t *testing.T) { checkCasesNoPositionsLikeLua51(t, gsubCases) }

// TestGsubIsLinear: 100,000 matches in a 100 KB string take well under a
// second (gopher-lua's copied the subject per match: minutes).
func TestGsubIsLinear(t *testing.T) {
	start := time.Now()
	res := runLua(t, `local s = ("a"):rep(100000) local r, n = s:gsub("a", "bb") print(#r, n)`)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.out != "200000\t100000\n" {
		t.Errorf("got %q", res.out)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("gsub of 100,000 matches took %v", d)
	}
}

// positionRE is an error's "FILE:LINE: " prefix.
var positionRE = regexp.MustCompile(`[\w./-]+\.lua:\d+: `)
