package luabind

import (
	"strings"
	"testing"

	"github.com/yuin/gopher-lua/parse"
)

// TestSyntaxDepthBound holds gopher-lua's parser to what tooDeep assumes: a
// syntax tree is never deeper than twice its source is long. Each case
// nests one construct as tightly as Lua allows; if a parser change made
// some nesting free of tokens, a short script could again crash the
// compiler, and this fails first.
func TestSyntaxDepthBound(t *testing.T) {
	// Each source is prefix + levels × open + inner + levels × close + suffix.
	cases := []struct {
		name, prefix, open, inner, close_, suffix string
	}{
		{"unary minus", "return ", "- ", "1", "", ""},
		{"not", "return ", "not ", "1", "", ""},
		{"length", "return ", "#", "t", "", ""},
		{"parentheses", "return ", "(", "1", ")", ""},
		{"call argument", "return ", "f(", "1", ")", ""},
		{"string call", "return f", "", "", `""`, ""},
		{"table call", "return ", "f{", "1", "}", ""},
		{"table", "return ", "{", "1", "}", ""},
		{"field", "return t", "", "", ".a", ""},
		{"index", "return t", "", "", "[1]", ""},
		{"method call", "return t", "", "", ":m()", ""},
		{"call statement of a call", "f", "", "", "()", ""},
		{"addition", "return 1", "", "", "+1", ""},
		{"concatenation", "return ", "1 ..", "1", "", ""},
		{"power", "return ", "1^", "1", "", ""},
		{"and", "return 1", "", "", " and 1", ""},
		{"function", "return ", "function()return ", "1", " end", ""},
		{"do", "", "do ", "", " end", ""},
		{"while", "", "while 1 do ", "", " end", ""},
		{"repeat", "", "repeat ", "", " until 1", ""},
		{"if", "", "if 1 then ", "", " end", ""},
		{"elseif", "if 1 then ", "elseif 1 then ", "", "", " end"},
		{"for", "", "for i=1,2 do ", "", " end", ""},
		{"for in", "", "for k in f do ", "", " end", ""},
		{"local function", "", "local function f()", "", " end", ""},
		{"call statement", "", "f(function()", "", " end)", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, levels := range []int{1, 2, 10, 100} {
				src := c.prefix + strings.Repeat(c.open, levels) + c.inner +
					strings.Repeat(c.close_, levels) + c.suffix
				chunk, err := parse.Parse(strings.NewReader(src), "bound")
				if err != nil {
					t.Fatalf("%d levels do not parse: %v\n%s", levels, err, src)
				}
				if line, deep := deeperThan(chunk, 2*len(src)); deep {
					t.Errorf("%d levels in %d bytes nest deeper than %d (line %d):\n%s",
						levels, len(src), 2*len(src), line, src)
				}
			}
		})
	}
}

// TestTooDeepRefusesPastTheLimit: the limit itself is reached from a source
// long enough to be walked, and refused with the line it is passed on.
func TestTooDeepRefusesPastTheLimit(t *testing.T) {
	for _, levels := range []int{MaxSyntaxDepth - 10, MaxSyntaxDepth + 10} {
		src := "\n\nreturn " + strings.Repeat("-(", levels) + "1" + strings.Repeat(")", levels)
		chunk, err := parse.Parse(strings.NewReader(src), "limit")
		if err != nil {
			t.Fatal(err)
		}
		line, deep := tooDeep(chunk, int64(len(src)))
		if want := levels > MaxSyntaxDepth-2; deep != want {
			t.Errorf("%d levels: too deep = %v, want %v", levels, deep, want)
		}
		if deep && line != 3 {
			t.Errorf("%d levels: refused at line %d, want 3", levels, line)
		}
	}
}

// load, loadfile and dofile answer bad arguments and failures as Lua 5.1's.
func TestLoadFunctionsFail(t *testing.T) {
	res := runLua(t, `print(load(function() return {} end))
print(pcall(loadfile, true))
print(pcall(dofile, {}))
print(loadfile("/nonexistent/x.lua"))
print(pcall(dofile, "/nonexistent/x.lua"))`)
	want := "nil\treader function must return a string\n" +
		"false\ttest.lua:2: bad argument #1 to 'loadfile' (string expected, got boolean)\n" +
		"false\ttest.lua:3: bad argument #1 to 'dofile' (string expected, got table)\n" +
		"nil\tcannot open /nonexistent/x.lua: no such file or directory\n" +
		"false\ttest.lua:5: cannot open /nonexistent/x.lua: no such file or directory\n"
	if res.err != nil || res.out != want {
		t.Fatalf("output %q, error %v; want %q", res.out, res.err, want)
	}
}
