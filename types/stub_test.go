package types

import (
	"reflect"
	"strings"
	"testing"
)

func TestScanType(t *testing.T) {
	tests := []struct {
		in, typ, rest string
	}{
		{"string", "string", ""},
		{"integer? the port", "integer?", "the port"},
		{`"before"|"during"|"after"`, `"before"|"during"|"after"`, ""},
		{`string | integer desc`, `string | integer`, "desc"},
		{"(string|number)[]", "(string|number)[]", ""},
		{"(ErrorClass|string)?", "(ErrorClass|string)?", ""},
		{"{interface?: string, backlog?: integer} the options", "{interface?: string, backlog?: integer}", "the options"},
		{"{[1]: string, [2]: integer}|Address", "{[1]: string, [2]: integer}|Address", ""},
		{"table<string, string>", "table<string, string>", ""},
		{"fun(d: Deferred)", "fun(d: Deferred)", ""},
		{"fun(...): Deferred rest", "fun(...): Deferred", "rest"},
		{"fun(message?: string): ErrorValue", "fun(message?: string): ErrorValue", ""},
		{"file*|{write: function}", "file*|{write: function}", ""},
		{`string|integer "TERM", "KILL"`, "string|integer", `"TERM", "KILL"`},
		{`"a)b"|'c'`, `"a)b"|'c'`, ""},
		{"TCPSocket[] readable", "TCPSocket[]", "readable"},
	}
	for _, tt := range tests {
		typ, rest, err := scanType(tt.in)
		if err != nil || typ != tt.typ || rest != tt.rest {
			t.Errorf("scanType(%q) = %q, %q, %v; want %q, %q", tt.in, typ, rest, err, tt.typ, tt.rest)
		}
	}
}

func TestScanTypeErrors(t *testing.T) {
	for _, in := range []string{"", "   ", "{a: string", "(string|number", `"open`, "fun(a: b", "string|", "[]string", "table<string", "{a: (b}", "# a comment"} {
		if typ, rest, err := scanType(in); err == nil {
			t.Errorf("scanType(%q) = %q, %q; want an error", in, typ, rest)
		}
	}
}

// stubOf is a stub file of module m with the lines given after its meta line
// and its module class.
func stubOf(lines ...string) string {
	return "---@meta m\n\n---The module.\n---@class m\nlocal m = {}\n\n" + strings.Join(lines, "\n") + "\n\nreturn m\n"
}

func TestParseStub(t *testing.T) {
	src := stubOf(
		"---Does f.",
		"---Second line.",
		"---@param a string the first",
		"---@param ... any passed on",
		"---@param b? integer",
		"---@return Deferred? d # what comes",
		"---@return string",
		"function m.f(a, b, ...) end",
		"",
		"---A callable.",
		"---@alias Fn function|table",
		"",
		"---A thing.",
		"---@class Thing: Base",
		"---The size.",
		"---@field size integer",
		"---@field name? string # its name",
		"---@overload fun(x: any): Thing",
		"local Thing = {}",
		"",
		"---Resets it:",
		"---```lua",
		"---if x then",
		"---  thing:reset()",
		"---end",
		"---```",
		"function Thing:reset() end",
		"-- a plain comment",
	)
	s, err := ParseStub("m.lua", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Module != "m" || len(s.Classes) != 2 || len(s.Aliases) != 1 {
		t.Fatalf("module %q, %d classes, %d aliases; want m, 2, 1", s.Module, len(s.Classes), len(s.Aliases))
	}
	f := s.ModuleClass().Functions[0]
	want := &Function{Class: "m", Name: "f", Doc: "Does f.\nSecond line.", Line: 14,
		Params: []*Param{
			{Name: "a", Type: "string", Doc: "the first"},
			{Name: "b", Optional: true, Type: "integer"},
			{Name: "...", Type: "any", Doc: "passed on"},
		},
		Returns: []*Return{{Type: "Deferred?", Name: "d", Doc: "what comes"}, {Type: "string"}},
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("m.f parsed as %+v, want %+v", f, want)
	}
	if got := f.Signature(); got != "function m.f(a, b, ...)" {
		t.Errorf("signature %q", got)
	}
	thing := s.Class("Thing")
	wantThing := &Class{Name: "Thing", Parent: "Base", Doc: "A thing.", Line: 20,
		Fields:    []*Field{{Name: "size", Type: "integer", Doc: "The size."}, {Name: "name", Optional: true, Type: "string", Doc: "its name"}},
		Overloads: []string{"fun(x: any): Thing"},
		Functions: []*Function{{Class: "Thing", Name: "reset", Method: true, Line: 33,
			Doc: "Resets it:\n```lua\nif x then\n  thing:reset()\nend\n```"}},
	}
	if !reflect.DeepEqual(thing, wantThing) {
		t.Errorf("Thing parsed as %+v, want %+v", thing, wantThing)
	}
	if a := s.Aliases[0]; a.Name != "Fn" || a.Type != "function|table" || a.Doc != "A callable." {
		t.Errorf("alias %+v", a)
	}
}

// TestParseStubErrors: each mistake is refused with a message naming it
// and the line.
func TestParseStubErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no meta", "---The module.\n---@class m\n", "m.lua:1: the first line must be ---@meta"},
		{"no module class", "---@meta m\n---A.\n---@class A\n", "declares no ---@class m"},
		{"undocumented function", stubOf("function m.f() end"), "m.f has no doc text"},
		{"undocumented class", stubOf("---@class A"), "---@class A has no doc text"},
		{"undocumented field", stubOf("---A.", "---@class A", "---@field x integer"), "---@field x has no doc text"},
		{"param not declared", stubOf("---F.", "---@param a string", "---@param b string", "function m.f(a) end"), "---@param b names no parameter"},
		{"parameter without param", stubOf("---F.", "---@param a string", "function m.f(a, b) end"), "parameter b has no ---@param"},
		{"param twice", stubOf("---F.", "---@param a string", "---@param a string", "function m.f(a) end"), "---@param a is given twice"},
		{"dangling params", stubOf("---F.", "---@param a string", "", "function m.f(a) end"), "not followed by a function declaration"},
		{"dangling doc", stubOf("---Nothing.", ""), "doc text that describes nothing"},
		{"doc after params", stubOf("---F.", "---@param a string", "---more", "function m.f(a) end"), "put it above them"},
		{"unknown owner", stubOf("---F.", "function other.f() end"), "no ---@class other"},
		{"unknown tag", stubOf("---F.", "---@deprecated", "function m.f() end"), "---@deprecated is not an annotation"},
		{"field outside class", stubOf("---X.", "---@field x integer"), "---@field outside a ---@class block"},
		{"param in class block", stubOf("---A.", "---@class A", "---@param a string", "function A.f(a) end"), "---@param in a ---@class block"},
		{"bad type", stubOf("---F.", "---@param a {string", "function m.f(a) end"), "unclosed {"},
		{"class twice", stubOf("---A.", "---@class A", "", "---A.", "---@class A"), "declared twice"},
		{"function twice", stubOf("---F.", "function m.f() end", "---F.", "function m.f() end"), "m.f is declared twice"},
		{"code", stubOf("m.x = 1"), `not "m.x = 1"`},
		{"wrong return", "---@meta m\n---M.\n---@class m\nreturn other\n", "a stub returns its module, m"},
		{"varargs not last", stubOf("---F.", "---@param ... any", "---@param a any", "function m.f(..., a) end"), "... must be the last parameter"},
		{"overload not fun", stubOf("---A.", "---@class A", "---@overload string"), "---@overload takes one fun(...)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseStub("m.lua", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "m.lua:") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// TestAnchor checks GitHub's heading ids for the headings the pages use.
func TestAnchor(t *testing.T) {
	for heading, want := range map[string]string{
		"reactor.call_later":  "reactorcall_later",
		"DelayedCall:cancel":  "delayedcallcancel",
		"Module `protocol`":   "module-protocol",
		"Int32StringReceiver": "int32stringreceiver",
	} {
		if got := anchor(heading); got != want {
			t.Errorf("anchor(%q) = %q, want %q", heading, got, want)
		}
	}
}

// FuzzParseStub: ParseStub never panics; what it accepts renders, every
// accepted function's heading is on the page, and parsing is deterministic.
// The seeds are the shipped stubs; `go test -fuzz FuzzParseStub ./types`
// runs it for as long as -fuzztime says.
func FuzzParseStub(f *testing.F) {
	for _, name := range Files() {
		data, _ := Read(name)
		f.Add(data)
	}
	f.Add([]byte(stubOf("---F.", "---@param a fun(x: {y: 'z'}): any", "function m.f(a) end")))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := ParseStub("fuzz.lua", src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.lua:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		again, _ := ParseStub("fuzz.lua", src)
		if !reflect.DeepEqual(s, again) {
			t.Fatal("two parses of the same text differ")
		}
		pages, err := renderReference([]*Stub{s})
		if err != nil {
			return // a parent declared elsewhere, or headings sharing an anchor
		}
		page := string(pages[s.Module+".md"])
		for _, c := range s.Classes {
			for _, fn := range c.Functions {
				if !strings.Contains(page, "### "+fn.FullName()+"\n") {
					t.Fatalf("%s is not on the page", fn.FullName())
				}
			}
		}
	})
}

// FuzzScanType: a type scanned is a prefix of the input, the rest is what
// follows it, and scanning the type alone gives it back whole.
func FuzzScanType(f *testing.F) {
	for _, s := range []string{"string", "fun(a: b): c|d rest", `{x?: "y"}[]? # doc`, "table<string, (a|b)[]>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		typ, rest, err := scanType(in)
		if err != nil {
			return
		}
		trimmed := strings.TrimLeft(in, " \t")
		if typ == "" || !strings.HasPrefix(trimmed, typ) || strings.TrimSpace(trimmed[len(typ):]) != rest {
			t.Fatalf("scanType(%q) = %q, %q", in, typ, rest)
		}
		if typ2, rest2, err := scanType(typ); err != nil || typ2 != typ || rest2 != "" {
			t.Fatalf("scanType(%q) = %q, %q, %v; want it whole", typ, typ2, rest2, err)
		}
	})
}
