package host

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// The host's own chunks keep their names whole in syntax errors (Lua would
// cut a long file name), with luabind's Lua 5.1 wording.
func TestScriptSyntaxMessages(t *testing.T) {
	long := "/a/folder/with/a/rather/long/name/for/a/script/that/has/a/syntax/error/in/it.lua"
	for _, tc := range []struct{ name, code, want string }{
		{"s.lua", "local x = \nx = = 2\n", "s.lua:2: unexpected symbol near '='"},
		{"s.lua", "f(", "s.lua:1: unexpected symbol near '<eof>'"},
		{"s.lua", "x = 'a\x1b[31m\n", "s.lua:1: unfinished string near ''a<\\27>[31m'"},
		{long, "x = = 1", long + ":1: unexpected symbol near '='"},
		{"(command line)", "return (", "(command line):1: unexpected symbol near '<eof>'"},
	} {
		h, err := New(Options{Stdout: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		err = h.RunString(tc.name, tc.code)
		h.Close()
		var se *ScriptError
		if !errors.As(err, &se) || se.Message != tc.want || se.Traceback != "" {
			t.Errorf("RunString(%q, %q) = %v, want a ScriptError %q", tc.name, tc.code, err, tc.want)
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

// A sandboxed require words a module's syntax error as Lua 5.1's require:
// no position of its own, the module's error on the next line.
func TestSandboxRequireSyntaxMessage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad_mod.lua")
	if err := os.WriteFile(path, []byte("local x = 1\n\nx = = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := New(Options{Stdout: io.Discard, Sandbox: &Sandbox{AllowedDirs: []string{dir}}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var out strings.Builder
	h.state.SetGlobal("print", h.state.NewFunction(func(L *lua.LState) int {
		out.WriteString(L.Get(1).String() + "\t" + L.Get(2).String() + "\n")
		return 0
	}))
	if err := h.RunString("main.lua", `print(pcall(require, "bad_mod"))`); err != nil {
		t.Fatal(err)
	}
	want := "false\terror loading module 'bad_mod' from file '" + path + "':\n\t" + path + ":3: unexpected symbol near '='\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
