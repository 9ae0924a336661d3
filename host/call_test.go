package host_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/host"
	lua "github.com/yuin/gopher-lua"
)

func TestCall(t *testing.T) {
	h, out := newHost(t, host.Options{})
	if err := h.RunString("fns.lua", `
function greet(who) print("hello", who) end
function fail(msg) error(msg) end
callable = setmetatable({}, {__call = function(self, x) print("called", x) end})`); err != nil {
		t.Fatal(err)
	}
	L := h.LState()
	tests := []struct {
		name      string
		fn        string
		arg       lua.LValue
		out       string
		message   string // the *ScriptError's message; "" for success
		traceback string // a line the traceback must contain
	}{
		{name: "function with an argument", fn: "greet", arg: lua.LString("world"), out: "hello\tworld\n"},
		{name: "callable table", fn: "callable", arg: lua.LNumber(7), out: "called\t7\n"},
		{name: "error", fn: "fail", arg: lua.LString("boom"), message: "fns.lua:3: boom", traceback: "fns.lua:3: in function 'fail'"},
		{name: "not callable", fn: "nothing", message: "attempt to call a nil value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out.Reset()
			err := h.Call(L.GetGlobal(tt.fn), tt.arg)
			if out.String() != tt.out {
				t.Errorf("printed %q, want %q", out.String(), tt.out)
			}
			if tt.message == "" {
				if err != nil {
					t.Fatalf("Call: %v", err)
				}
				return
			}
			var se *host.ScriptError
			if !errors.As(err, &se) || !strings.Contains(se.Message, tt.message) || !strings.Contains(se.Traceback, tt.traceback) {
				t.Fatalf("Call error %#v, want a ScriptError with %q and a traceback with %q", err, tt.message, tt.traceback)
			}
		})
	}
	h.Close()
	if err := h.Call(L.GetGlobal("greet")); !errors.Is(err, host.ErrClosed) {
		t.Errorf("Call on a closed host = %v, want ErrClosed", err)
	}
}
