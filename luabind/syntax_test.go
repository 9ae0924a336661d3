package luabind

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// loadMessages are chunks and the message loadstring gives for each, as
// lua5.1 gives it (TestLoadMessagesMatchLua51 checks the table itself
// against lua5.1 when it is installed).
var loadMessages = []struct{ src, want string }{
	{"x = = 1", `[string "x = = 1"]:1: unexpected symbol near '='`},
	{"x = ", `[string "x = "]:1: unexpected symbol near '<eof>'`},
	{"for", `[string "for"]:1: '<name>' expected near '<eof>'`},
	{"x = 'abc", `[string "x = 'abc"]:1: unfinished string near '<eof>'`},
	{"x = \"abc\ny", `[string "x = "abc..."]:1: unfinished string near '"abc'`},
	{"function f()", `[string "function f()"]:1: 'end' expected near '<eof>'`},
	{"function f()\n\n", `[string "function f()..."]:3: 'end' expected (to close 'function' at line 1) near '<eof>'`},
	{"local function f()\nreturn 1", `[string "local function f()..."]:2: 'end' expected (to close 'function' at line 1) near '<eof>'`},
	{"x = function\n(a)", `[string "x = function..."]:2: 'end' expected near '<eof>'`},
	{"if x then\nelse", `[string "if x then..."]:2: 'end' expected (to close 'if' at line 1) near '<eof>'`},
	{"x = [[abc", `[string "x = [[abc"]:1: unfinished long string near '<eof>'`},
	{"--[[ abc\n", `[string "--[[ abc..."]:2: unfinished long comment near '<eof>'`},
	{"x = [[ a [[ b ]] ]]", `[string "x = [[ a [[ b ]] ]]"]:1: nesting of [[...]] is deprecated near '['`},
	{"x = [=x", `[string "x = [=x"]:1: invalid long string delimiter near '[='`},
	{"return return", `[string "return return"]:1: unexpected symbol near 'return'`},
	{"x = {1,2", `[string "x = {1,2"]:1: '}' expected near '<eof>'`},
	{"x = {\n1,\n2", `[string "x = {..."]:3: '}' expected (to close '{' at line 1) near '<eof>'`},
	{"x = ((1)", `[string "x = ((1)"]:1: ')' expected near '<eof>'`},
	{"local 1 = 2", `[string "local 1 = 2"]:1: '<name>' expected near '1'`},
	{"x = 3x", `[string "x = 3x"]:1: malformed number near '3x'`},
	{"x = 0x", `[string "x = 0x"]:1: malformed number near '0x'`},
	{"x = 1e", `[string "x = 1e"]:1: malformed number near '1e'`},
	{"x = 1..2", `[string "x = 1..2"]:1: malformed number near '1..2'`},
	{"x = 1e+5 + .5 + 0xA + 5E-1", ""},
	{"x = 0x.8", `[string "x = 0x.8"]:1: malformed number near '0x'`},
	{"x = '\\300'", `[string "x = '\300'"]:1: escape sequence too large near '''`},
	{"x = '\\65\\q\\\n' y", `[string "x = '\65\q\..."]:2: '=' expected near '<eof>'`},
	{"x = 'a\\\nb", `[string "x = 'a\..."]:2: unfinished string near '<eof>'`},
	{"x = 'a\\27b\n", `[string "x = 'a\27b..."]:1: unfinished string near ''a<\27>b'`},
	{"a.b:c = 1", `[string "a.b:c = 1"]:1: function arguments expected near '='`},
	{"break", `[string "break"]:1: no loop to break near '<eof>'`},
	{"while 1 do local function f() break end end", `[string "while 1 do local function f() break end end"]:1: no loop to break near 'end'`},
	{"return 1 2", `[string "return 1 2"]:1: '<eof>' expected near '2'`},
	{"(f)", `[string "(f)"]:1: syntax error near '<eof>'`},
	{"x", `[string "x"]:1: '=' expected near '<eof>'`},
	{"a, f() = 1", `[string "a, f() = 1"]:1: syntax error near '='`},
	{"f() = 1", `[string "f() = 1"]:1: unexpected symbol near '='`},
	{"function f() x = ... end", `[string "function f() x = ... end"]:1: cannot use '...' outside a vararg function near '...'`},
	{"for i=1 do end", `[string "for i=1 do end"]:1: ',' expected near 'do'`},
	{"for a,b = 1,2 do end", `[string "for a,b = 1,2 do end"]:1: 'in' expected near '='`},
	{"for a b", `[string "for a b"]:1: '=' or 'in' expected near 'b'`},
	{"repeat x = 1", `[string "repeat x = 1"]:1: 'until' expected near '<eof>'`},
	{"while true", `[string "while true"]:1: 'do' expected near '<eof>'`},
	{"x = ~= 1", `[string "x = ~= 1"]:1: unexpected symbol near '~='`},
	{"x = ~ 1", `[string "x = ~ 1"]:1: unexpected symbol near '~'`},
	{"x = @", `[string "x = @"]:1: unexpected symbol near '@'`},
	{"\x01", `[string "` + "\x01" + `"]:1: unexpected symbol near 'char(1)'`},
	{"x = \x00", `[string "x = "]:1: unexpected symbol`},
	{"a = 1\n\n\nb = = 2", `[string "a = 1..."]:4: unexpected symbol near '='`},
	{"a = 1\r\n\r\nb = = 2", `[string "a = 1..."]:3: unexpected symbol near '='`},
	{"function a.b.c:d.e() end", `[string "function a.b.c:d.e() end"]:1: '(' expected near '.'`},
	{"x = function(..., a) end", `[string "x = function(..., a) end"]:1: ')' expected near ','`},
	{"x = function(1) end", `[string "x = function(1) end"]:1: <name> or '...' expected near '1'`},
	{"x = a:b", `[string "x = a:b"]:1: function arguments expected near '<eof>'`},
	{"x = f\n(g)", `[string "x = f..."]:2: ambiguous syntax (function call x new statement) near '('`},
	{"t = {a\n(b)}", ""},
	{"if x then else elseif end", `[string "if x then else elseif end"]:1: 'end' expected near 'elseif'`},
	{"return 1;;", `[string "return 1;;"]:1: '<eof>' expected near ';'`},
	{"x = nil nil", `[string "x = nil nil"]:1: unexpected symbol near 'nil'`},
	{"x = 'ab' 'cd'", `[string "x = 'ab' 'cd'"]:1: unexpected symbol near ''cd''`},
	{"x = [==[ab]==] [[c]]", `[string "x = [==[ab]==] [[c]]"]:1: unexpected symbol near '[[c]]'`},
	{"x = {a b}", `[string "x = {a b}"]:1: '}' expected near 'b'`},
	{"local t = {} t.x.y.z(", `[string "local t = {} t.x.y.z("]:1: unexpected symbol near '<eof>'`},
	{"x = 'an extremely long line of code that goes on and on' +", `[string "x = 'an extremely long line of code that goes on and on' +"]:1: unexpected symbol near '<eof>'`},
	{"local " + strings.Repeat("a,", 200) + "a", `[string "local ` + strings.Repeat("a,", 28) + `a..."]:1: main function has more than 200 local variables`},
	{"function f(a)\n local " + strings.Repeat("a,", 199) + "a end", `[string "function f(a)..."]:2: function at line 1 has more than 200 local variables`},
	{strings.Repeat("a,", 198) + "a = 1", `[string "` + strings.Repeat("a,", 31) + `a..."]:1: main function has more than 197 variables in assignment`},
	{"return " + strings.Repeat("(", 197) + "1" + strings.Repeat(")", 197), `[string "return ` + strings.Repeat("(", 56) + `..."]:1: chunk has too many syntax levels`},
	{"return " + strings.Repeat("(", 196) + "1" + strings.Repeat(")", 196), ""},
	{"return \n" + strings.Repeat("{\n", 198), `[string "return ..."]:199: chunk has too many syntax levels`},
	{strings.Repeat("do ", 198), `[string "` + strings.Repeat("do ", 21) + `..."]:1: chunk has too many syntax levels`},
	{"return " + strings.Repeat("not ", 197) + "1", `[string "return ` + strings.Repeat("not ", 14) + `..."]:1: chunk has too many syntax levels`},
	{"return " + strings.Repeat("a..", 197) + "a", `[string "return ` + strings.Repeat("a..", 18) + `a...."]:1: chunk has too many syntax levels`},
	{"return " + strings.Repeat("function() return ", 99) + "1" + strings.Repeat(" end", 99), `[string "return ` + strings.Repeat("function() return ", 3) + `fu..."]:1: chunk has too many syntax levels`},
	{"x = 1 + 1 + 1", ""},
}

// gopherOnlyMessages are loaded as gopher-lua's extensions of Lua 5.1 have
// it: goto and labels, a NUL in the middle of the source.
var gopherOnlyMessages = []struct{ src, want string }{
	{"goto done; ::done::", ""},
	{"goto = 1", `[string "goto = 1"]:1: '<name>' expected near '='`},
	{":: x", `[string ":: x"]:1: '::' expected near '<eof>'`},
	{"do ; end ;; x = 1; ; return 1;", ""},
	{"return 1;;", `[string "return 1;;"]:1: '<eof>' expected near ';'`},
}

func loadString(t *testing.T, src string) string {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	rt := Open(L, Config{})
	defer rt.Close()
	L.Push(L.GetGlobal("loadstring"))
	L.Push(lua.LString(src))
	L.Call(1, 2)
	if msg := L.Get(-1); msg != lua.LNil {
		return msg.String()
	}
	return ""
}

func TestLoadMessages(t *testing.T) {
	for _, tc := range append(loadMessages, gopherOnlyMessages...) {
		if got := loadString(t, tc.src); got != tc.want {
			t.Errorf("loadstring(%q):\n got %q\nwant %q", tc.src, got, tc.want)
		}
	}
}

// luaQuote writes s as a Lua string literal that any Lua reads back the same.
func luaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= ' ' && c < 0x7f && c != '"' && c != '\\' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\%03d", c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// lua51Output runs code under lua5.1 and returns its output.
func lua51Output(t *testing.T, code string) string {
	t.Helper()
	lua51, err := exec.LookPath("lua5.1")
	if err != nil {
		t.Skip("lua5.1 is not installed: the expected messages are not checked against it")
	}
	out, err := exec.Command(lua51, "-e", code).CombinedOutput()
	if err != nil {
		t.Fatalf("lua5.1: %v\n%s", err, out)
	}
	return string(out)
}

// TestLoadMessagesMatchLua51 holds the table of expected messages to
// lua5.1's own.
func TestLoadMessagesMatchLua51(t *testing.T) {
	var code strings.Builder
	for _, tc := range loadMessages {
		fmt.Fprintf(&code, "io.write(select(2, loadstring(%s)) or '', '\\0')\n", luaQuote(tc.src))
	}
	got := strings.Split(lua51Output(t, code.String()), "\x00")
	for i, tc := range loadMessages {
		// loopscript spells control bytes of a quoted token as <\27>.
		if want := printableNear(got[i]); want != tc.want {
			t.Errorf("loadstring(%q): lua5.1 says\n %q\nthe table says\n %q", tc.src, want, tc.want)
		}
	}
}

// printableNear applies printable to the token a message quotes.
func printableNear(msg string) string {
	i := strings.Index(msg, " near '")
	if i < 0 {
		return msg
	}
	return msg[:i] + printable(msg[i:])
}

// chunkNameScript prints what the loading functions name chunks in syntax
// errors, runtime errors and require's message. It runs in a folder holding
// bad_mod.lua (a syntax error on line 3).
const chunkNameScript = `
local long = "@" .. string.rep("d/", 50) .. "f.lua"
print(pcall(loadstring("error('x')")))
print(pcall(loadstring("error('x') -- a comment that is long enough to be cut in a runtime error")))
print(loadstring("x = = 1 -- a comment long enough to be cut, but not in a syntax error"))
local s = "x = = 1"
print(load(function() local t = s s = nil return t end))
s = "x = = 1"
print(load(function() local t = s s = nil return t end, "=stdin"))
print(loadstring("x = = 1", "=" .. string.rep("n", 100)))
print(loadstring("x = = 1", long))
print(pcall(loadstring("error('x')", long)))
print(loadfile("bad_mod.lua"))
print(pcall(dofile, "bad_mod.lua"))
package.path = "./?.lua"
print(pcall(require, "bad_mod"))
`

// TestChunkNames: chunks are named as lua5.1 names them, in syntax errors
// and in runtime errors; require words a module's syntax error as lua5.1.
func TestChunkNames(t *testing.T) {
	long := strings.Repeat("d/", 50) + "f.lua"
	want := `false	[string "error('x')"]:1: x
false	[string "error('x') -- a comment that is long enough..."]:1: x
nil	[string "x = = 1 -- a comment long enough to be cut, but not in a syntax..."]:1: unexpected symbol near '='
nil	(load):1: unexpected symbol near '='
nil	stdin:1: unexpected symbol near '='
nil	` + strings.Repeat("n", 79) + `:1: unexpected symbol near '='
nil	...` + long[len(long)-72:] + `:1: unexpected symbol near '='
false	...` + long[len(long)-52:] + `:1: x
nil	bad_mod.lua:3: unexpected symbol near '='
false	bad_mod.lua:3: unexpected symbol near '='
false	error loading module 'bad_mod' from file './bad_mod.lua':
	./bad_mod.lua:3: unexpected symbol near '='
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad_mod.lua"), []byte("local x = 1\n\nx = = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	t.Run("loopscript", func(t *testing.T) {
		res := runLua(t, chunkNameScript)
		if res.err != nil || res.out != want {
			t.Errorf("error %v, output\n%s\nwant\n%s", res.err, res.out, want)
		}
	})
	t.Run("lua5.1", func(t *testing.T) {
		if got := lua51Output(t, chunkNameScript); got != want {
			t.Errorf("lua5.1 prints\n%s\nthe test wants\n%s", got, want)
		}
	})
}
