package host

import (
	"errors"
	"testing"
)

// The syntax-error patterns are compiled lazily; they must still rewrite
// gopher-lua's wording the way the lua interpreter words it.
func TestSyntaxMessage(t *testing.T) {
	for _, tc := range []struct{ gopher, want string }{
		{"s.lua line:3(column:7) near '=':   syntax error", "s.lua:3: syntax error near '='"},
		{"s.lua at EOF:   syntax error", "s.lua: syntax error near <eof>"},
		{"something else", "s.lua: something else"},
	} {
		if got := syntaxMessage("s.lua", errors.New(tc.gopher)); got != tc.want {
			t.Errorf("syntaxMessage(%q) = %q, want %q", tc.gopher, got, tc.want)
		}
	}
}

func TestPluginNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"json", true}, {"my.plugin_2", true}, {"_x", true},
		{"", false}, {"2x", false}, {"a..b", false}, {"a.", false}, {"a-b", false}, {"ü", false},
	} {
		if got := moduleName().MatchString(tc.name); got != tc.ok {
			t.Errorf("module name %q accepted = %v, want %v", tc.name, got, tc.ok)
		}
	}
}
