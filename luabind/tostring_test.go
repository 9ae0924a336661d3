package luabind

import "testing"

// tostring, print and io.write write numbers as Lua 5.1 does ("%.14g"); the
// expected output is lua5.1's for the same script, which the test also
// checks when lua5.1 is installed.
func TestNumbersToStrings(t *testing.T) {
	const script = `local zero, one = 0, 1
local parts = {}
for _, v in ipairs({1/3, 1e14, 1e15, 100000000000000, 2^53, 2^63, -zero, one/zero, -one/zero, 0.1, 123.456, -5, 1e-5, 1e300 * 10}) do
  parts[#parts + 1] = tostring(v)
end
print(table.concat(parts, " "))
print(1/3, 1e15, setmetatable({}, {__tostring = function() return "custom" end}))
print(type(tostring(setmetatable({}, {__tostring = function() return 42 end}))))
`
	const want = "0.33333333333333 1e+14 1e+15 1e+14 9.007199254741e+15 9.2233720368548e+18 -0 inf -inf 0.1 123.456 -5 1e-05 1e+301\n" +
		"0.33333333333333\t1e+15\tcustom\n" +
		"number\n"
	res := runLua(t, script)
	if res.err != nil || res.out != want {
		t.Fatalf("output %q, error %v; want %q", res.out, res.err, want)
	}
	if got := lua51Output(t, script); got != want {
		t.Errorf("lua5.1 prints %q; the test's expectation is stale", got)
	}
}
