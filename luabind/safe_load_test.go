package luabind

import (
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// load, loadfile and dofile answer bad arguments and failures as Lua 5.1's.
func TestLoadFunctionsFail(t *testing.T) {
	res := runLua(t, `print(load(function() return {} end))
print(pcall(loadfile, true))
print(pcall(dofile, {}))
print(loadfile("/nonexistent/x.lua"))
print(pcall(dofile, "/nonexistent/x.lua"))`)
	want := "nil\ttest.lua:1: reader function must return a string\n" +
		"false\ttest.lua:2: bad argument #1 to 'loadfile' (string expected, got boolean)\n" +
		"false\ttest.lua:3: bad argument #1 to 'dofile' (string expected, got table)\n" +
		"nil\tcannot open /nonexistent/x.lua: No such file or directory\n" +
		"false\tcannot open /nonexistent/x.lua: No such file or directory\n"
	if res.err != nil || res.out != want {
		t.Fatalf("output %q, error %v; want %q", res.out, res.err, want)
	}
}

// loadCost loads src on a fresh state and returns the error and the bytes
// allocated meanwhile.
func loadCost(t *testing.T, src string) (error, uint64) {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Load(L, strings.NewReader(src), "deep.lua")
	runtime.ReadMemStats(&after)
	return err, after.TotalAlloc - before.TotalAlloc
}

// Lua's own limit counts nesting, not operators: a long sum loads (it
// did not when every binary operator counted as a level), while deep
// nesting is refused at once, before gopher-lua's parser spends memory and
// time on it (2,000,000 parentheses took it 1 GB and 8 s).
func TestSyntaxDepth(t *testing.T) {
	parens := func(n int) string { return "local x = " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) }
	cases := []struct {
		name, src, err string
	}{
		{"a sum of 11,000 terms", "local x = 1" + strings.Repeat(" + 1", 10999), ""},
		{"a chain of 11,000 calls and fields", "local x = f" + strings.Repeat("().a", 5500), ""},
		{"1,000 elseif", "if x then " + strings.Repeat("elseif x then ", 1000) + "end", ""},
		{"197 parentheses", parens(197), ""},
		{"198 parentheses", parens(198), "deep.lua:1: chunk has too many syntax levels"},
		{"2,000,000 parentheses", parens(2000000), "deep.lua:1: chunk has too many syntax levels"},
		{"2,000,000 tables", "\nx = " + strings.Repeat("{", 2000000), "deep.lua:2: chunk has too many syntax levels"},
		{"2,000,000 not", "x = " + strings.Repeat("not ", 2000000), "deep.lua:1: chunk has too many syntax levels"},
		{"a sum past MaxSyntaxDepth", "local x = 1" + strings.Repeat(" + 1", MaxSyntaxDepth), "deep.lua:1: chunk has too many syntax levels"},
		{"calls past MaxSyntaxDepth", "\nf" + strings.Repeat("()", MaxSyntaxDepth), "deep.lua:2: chunk has too many syntax levels"},
		{"elseif past MaxElseifs", "if x then " + strings.Repeat("elseif x then ", MaxElseifs+1) + "end", "deep.lua:1: chunk has too many syntax levels"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			err, alloc := loadCost(t, tc.src)
			elapsed := time.Since(start)
			if got := fmt.Sprint(err); tc.err == "" && err != nil || tc.err != "" && got != tc.err {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
			// Loose bounds: about 10 times what a refusal costs here (the
			// source itself is a few MB).
			if tc.err != "" && (elapsed > 2*time.Second || alloc > 100<<20) {
				t.Errorf("refused after %v, allocating %d MB", elapsed, alloc>>20)
			}
		})
	}
}

// FuzzLoad loads arbitrary text, repeated to nest whatever it opens: no
// Go panic, no Go stack overflow, no load of a megabyte taking seconds,
// and every error a Lua message naming the chunk and a line.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{"(", "{", "not ", "- ", "a..", "a^", "f(", "do ", "function() ",
		"if x then ", "x = 1 + ", "a.b", "()", "[[", "--[==[", "'\\", "elseif x then ", "return ", "repeat "} {
		f.Add(seed, uint16(300))
	}
	f.Add("local t = {1, 'two', [3] = f(x)} ", uint16(1))
	message := regexp.MustCompile(`^fuzz:\d+: `)
	f.Fuzz(func(t *testing.T, code string, times uint16) {
		src := strings.Repeat(code, int(times)%20000+1)
		if len(src) > 1<<20 {
			src = src[:1<<20]
		}
		L := lua.NewState()
		defer L.Close()
		start := time.Now()
		_, err := Load(L, strings.NewReader(src), "fuzz")
		if err != nil && !message.MatchString(err.Error()) {
			t.Errorf("load error %q is not a Lua message", err)
		}
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("loading %d bytes took %v", len(src), elapsed)
		}
	})
}
