package repl

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/loopscript/loopscript/host"
)

// The driver tells an incomplete chunk from a wrong one as lua.c does,
// prints bare expressions and =expr as Lua 5.4's REPL does, and gives the
// text of a chunk's values or error.
func TestDriverEval(t *testing.T) {
	cases := []struct {
		name, src  string
		wantStatus string
		want       string // the message, or the values' text ("<none>" for none)
	}{
		{"a bare expression", "1 + 2", "running", "3"},
		{"=expr", "=1, 'a', nil", "running", "1\ta\tnil"},
		{"a statement", "local x = 1", "running", "<none>"},
		{"a call's results", "string.rep('ab', 2)", "running", "abab"},
		{"a module is a global at the prompt", "type(reactor.call_later)", "running", "function"},
		{"an unfinished function", "function f()", "incomplete", ""},
		{"an unfinished string", "x = [[abc", "incomplete", ""},
		{"an unfinished call", "print(1,", "incomplete", ""},
		{"a syntax error", "x = = 1", "error", "stdin:1: unexpected symbol near '='"},
		{"an error", "error('boom')", "failed", "stdin:1: boom\nstack traceback:"},
		{"an error value that is not a string", "error(42, 0)", "failed", "42"},
	}
	h, err := host.New(host.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	L := h.LState()
	drv, err := loadDriver(L)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := pcall(L, 2, drv.eval, lua.LString(c.src))
			if err != nil {
				t.Fatal(err)
			}
			status, got := lua.LVAsString(res[0]), lua.LVAsString(res[1])
			if status == "running" {
				// Nothing awaits: the Deferred has fired already.
				d := res[1]
				var text lua.LValue = lua.LNil
				onValues := L.NewFunction(func(L *lua.LState) int {
					v, err := pcall(L, 1, drv.values, L.Get(1))
					if err != nil {
						t.Error(err)
					}
					text = first(v)
					return 0
				})
				onFailure := L.NewFunction(func(L *lua.LState) int {
					v, err := pcall(L, 1, drv.failure, L.Get(1))
					if err != nil {
						t.Error(err)
					}
					status, text = "failed", first(v)
					return 0
				})
				if _, err := pcall(L, 0, L.GetField(d, "add_callbacks"), d, onValues, onFailure); err != nil {
					t.Fatal(err)
				}
				got = "<none>"
				if text != lua.LNil {
					got = lua.LVAsString(text)
				}
			}
			if strings.Contains(got, "\trepl:") {
				t.Errorf("eval(%q): the driver's own frames show: %q", c.src, got)
			}
			if status != c.wantStatus || !strings.HasPrefix(got, c.want) {
				t.Errorf("eval(%q) = %s %q, want %s %q", c.src, status, got, c.wantStatus, c.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"repl:61: interrupted!", "interrupted!"},
		{"stdin:1: boom", "stdin:1: boom"},
		{"repl: odd", "repl: odd"},
	}
	for _, c := range cases {
		if got := errorText(&lua.ApiError{Object: lua.LString(c.in)}); got != c.want {
			t.Errorf("errorText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
