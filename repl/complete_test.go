package repl

import (
	"reflect"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestCompletion(t *testing.T) {
	// names stands for the loop's tables: a path joined with "." to the
	// names under it.
	names := map[string][]string{
		"":        {"reactor", "require", "print"},
		"reactor": {"call_later", "call_when_running", "run", "stop"},
		"obj":     {"method"},
	}
	lookup := func(path []string, partial string) []string {
		var found []string
		for _, n := range names[strings.Join(path, ".")] {
			if strings.HasPrefix(n, partial) {
				found = append(found, n)
			}
		}
		return found
	}
	cases := []struct {
		name, line string
		pos        int // -1: the end of line
		wantLine   string
		wantPos    int
		wantOK     bool
		listing    string
	}{
		{"a unique field", "reactor.ru", -1, "reactor.run", 11, true, ""},
		{"the common prefix of fields", "reactor.ca", -1, "reactor.call_", 13, true, ""},
		{"a listing when nothing is common", "reactor.call_", -1, "", 0, false, "call_later  call_when_running"},
		{"a global", "x = pri", -1, "x = print", 9, true, ""},
		{"globals sharing a prefix", "re", -1, "", 0, false, "reactor  require"},
		{"mid-line, the rest kept", "reactor.st(1)", 10, "reactor.stop(1)", 12, true, ""},
		{"a method", "obj:me", -1, "obj:method", 10, true, ""},
		{"after a method name", "obj:me.x", -1, "", 0, false, ""},
		{"nothing matches", "reactor.zz", -1, "", 0, false, ""},
		{"an unknown table", "nope.x", -1, "", 0, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pos := c.pos
			if pos < 0 {
				pos = len(c.line)
			}
			line, p, ok, listing := completion(c.line, pos, lookup)
			if line != c.wantLine || p != c.wantPos || ok != c.wantOK || listing != c.listing {
				t.Errorf("completion(%q, %d) = %q, %d, %v, listing %q; want %q, %d, %v, listing %q",
					c.line, pos, line, p, ok, listing, c.wantLine, c.wantPos, c.wantOK, c.listing)
			}
		})
	}
}

// candidates looks names up in the Lua state: globals and modules, fields,
// and the methods a metatable's __index table gives, never metamethods.
func TestCandidates(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`
package.preload.mymodule = function() return {} end
methods = {write = 1, wait = 2, __gc = 3}
obj = setmetatable({width = 1}, {__index = methods})
strict = setmetatable({}, {__index = function(_, k) error("no field " .. k) end})
nested = {inner = {alpha = 1, beta = 2}}
`); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		path    []string
		partial string
		want    []string
	}{
		{"fields and methods, sorted", []string{"obj"}, "w", []string{"wait", "width", "write"}},
		{"no metamethods", []string{"methods"}, "_", nil},
		{"a module not loaded yet", nil, "mymod", []string{"mymodule"}},
		{"a nested table", []string{"nested", "inner"}, "", []string{"alpha", "beta"}},
		{"not a table", []string{"obj", "width"}, "", nil},
		{"a strict table's missing field", []string{"strict", "x"}, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := candidates(L, c.path, c.partial); !reflect.DeepEqual(got, c.want) {
				t.Errorf("candidates(%q, %q) = %q, want %q", c.path, c.partial, got, c.want)
			}
		})
	}
}
