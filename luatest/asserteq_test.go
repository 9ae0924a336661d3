package luatest

import (
	"regexp"
	"testing"

	"github.com/loopscript/loopscript/internal/testfiles"
)

// TestAssertEq: assert_eq passes on equal values and otherwise fails at the
// caller's line, showing both values so that their difference is visible.
func TestAssertEq(t *testing.T) {
	const addr = `0x[0-9a-f]+`
	tests := []struct {
		name string
		body string
		// fail is a regexp of the failure message; empty when the test passes.
		fail string
	}{
		{"equal numbers", `assert_eq(1 + 2, 3)`, ""},
		{"equal strings", `assert_eq("a" .. "b", "ab")`, ""},
		{"the same table", `local t = {} assert_eq(t, t)`, ""},
		{"nil and nil", `assert_eq(nil, nil)`, ""},
		{"__eq is Lua's ==", `local mt = {__eq = function() return true end}
assert_eq(setmetatable({}, mt), setmetatable({}, mt))`, ""},
		{"numbers", `assert_eq(3, 4)`, `^a_test.lua:1: assert_eq failed: got 3, want 4$`},
		{"a string and a number", `assert_eq("1", 1)`, `^a_test.lua:1: assert_eq failed: got "1", want 1$`},
		{"strings quoted with escapes", `assert_eq("a\tb\n", "a b")`, `^a_test.lua:1: assert_eq failed: got "a\\tb\\n", want "a b"$`},
		{"numbers equal to 14 digits", `assert_eq(0.1 + 0.2, 0.3)`, `got 0.30000000000000004, want 0.3$`},
		{"nil and false", `assert_eq(nil, false)`, `got nil, want false$`},
		{"with a message", `assert_eq(2, 3, "count after stop")`, `^a_test.lua:1: assert_eq failed: count after stop: got 2, want 3$`},
		{"tables by identity and contents", `assert_eq({1, 2, x = "y", [10] = true, ["a b"] = 1, ["end"] = 2}, {1, 2})`,
			`got table: ` + addr + ` \{1, 2, \[10\] = true, \["a b"\] = 1, \["end"\] = 2, x = "y"\}, want table: ` + addr + ` \{1, 2\}$`},
		{"nested tables by identity only", `local t = {} t.self = t assert_eq(t, {{}})`,
			`got table: ` + addr + ` \{self = table: ` + addr + `\}, want table: ` + addr + ` \{table: ` + addr + `\}$`},
		{"long tables cut", `local t = {} for i = 1, 20 do t[i] = i end assert_eq(t, {})`,
			`got table: ` + addr + ` \{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, \.\.\.\}, want`},
		{"functions by identity", `assert_eq(print, type)`, `got function: ` + addr + `, want function: ` + addr + `$`},
		{"a forgotten argument", `assert_eq(nil)`, `^a_test.lua:1: bad argument #2 to 'assert_eq' \(value expected\)$`},
		{"a bad message", `assert_eq(1, 1, {})`, `bad argument #3 to 'assert_eq' \(string expected, got table\)$`},
		{"in a helper, the helper's line", "local function check(x)\n  assert_eq(x, 1)\nend\ncheck(2)", `^a_test.lua:2: assert_eq failed: got 2, want 1\n`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := `test("it", function() ` + tt.body + ` end)`
			dir := testfiles.Write(t, map[string]string{"a_test.lua": file})
			c := &collector{}
			rn := Runner{Reporter: c}
			t.Chdir(dir)
			if _, err := rn.Run("."); err != nil {
				t.Fatal(err)
			}
			if len(c.results) != 1 {
				t.Fatalf("results %+v, want one", c.results)
			}
			r := c.results[0]
			if tt.fail == "" {
				if r.Failed {
					t.Errorf("failed: %s", r.Message)
				}
				return
			}
			if !r.Failed {
				t.Fatal("passed")
			}
			if !regexp.MustCompile(tt.fail).MatchString(r.Message) {
				t.Errorf("message:\n%s\nwant it to match %s", r.Message, tt.fail)
			}
		})
	}
}

// collector is a Reporter keeping the results, for tests.
type collector struct {
	results []Result
	files   []string
	summary Summary
}

func (c *collector) File(path string, tests int) { c.files = append(c.files, path) }
func (c *collector) Result(r Result)             { c.results = append(c.results, r) }
func (c *collector) End(s Summary) error         { c.summary = s; return nil }
