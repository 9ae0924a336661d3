package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// StartFile runs a script as the first part of a session: a script that
// waits in reactor.run() is resumed by its reactor.stop(), which leaves the
// reactor running; the shutdown triggers run once, when the session stops it.
func TestStartFile(t *testing.T) {
	cases := []struct {
		name     string
		code     string
		wantDone bool
		wantErr  string
		wantOut  string
	}{
		{"a script that stops its reactor", `local reactor = require("reactor")
reactor.add_system_event_trigger("before", "shutdown", print, "shutdown")
reactor.call_when_running(print, "running")
reactor.call_later(0, reactor.stop)
print("start")
reactor.run()
print("after run", reactor.running)`, false, "", "start\nrunning\nafter run\ttrue\nsession\nshutdown\n"},
		{"a script that never runs the reactor", `print("plain")`, true, "", "plain\nsession\n"},
		{"a script that fails before run", `error("early")`, true, "early.lua:1: early", ""},
		{"a traceback, before run", `local function f() error("deep") end
f()`, true, "early.lua:1: deep", ""},
		{"a traceback, after run", `local reactor = require("reactor")
local function f() error("deep") end
reactor.call_later(0, reactor.stop)
reactor.run()
f()`, false, "early.lua:2: deep", "session\n"},
		{"a script that fails after run", `local reactor = require("reactor")
reactor.call_later(0, reactor.stop)
reactor.run()
error("late")`, false, "early.lua:4: late", "session\n"},
		{"os.exit after run", `local reactor = require("reactor")
reactor.call_later(0, reactor.stop)
reactor.run()
os.exit(3)`, false, "os.exit(3)", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "early.lua")
			if err := os.WriteFile(path, []byte(c.code), 0o644); err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			h, err := New(Options{Stdout: &out})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			var ended error
			endedCalled := false
			done, err := h.StartFile(path, func(err error) { ended, endedCalled = err, true }, "a1")
			if done != c.wantDone {
				t.Fatalf("done %v, want %v (err %v)", done, c.wantDone, err)
			}
			h.LState().SetGlobal("ended", h.LState().NewFunction(func(L *lua.LState) int {
				L.Push(lua.LBool(endedCalled))
				return 1
			}))
			if !done {
				// The session: it stops the reactor once the script has ended.
				err = h.RunString("session", `local reactor = require("reactor")
local function check()
	if ended() then print("session") reactor.stop() else reactor.call_later(0.001, check) end
end
reactor.call_later(0, check)
reactor.run()`)
				if err == nil {
					err = ended
				}
			} else if err == nil {
				h.RunString("session", `print("session")`)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if !strings.Contains(gotErr, c.wantErr) || (c.wantErr == "") != (gotErr == "") {
				t.Errorf("error %q, want %q", gotErr, c.wantErr)
			}
			// An error has the traceback RunFile's would have: where it was
			// raised, down to the main chunk, once.
			if se, ok := err.(*ScriptError); ok && strings.HasPrefix(c.name, "a traceback") {
				want := "stack traceback:\n\t[C]: in function 'error'\n\t" + path + ":"
				if !strings.HasPrefix(se.Traceback, want) || strings.Count(se.Traceback, "in main chunk") != 1 ||
					!strings.Contains(se.Traceback, "in function 'f'") {
					t.Errorf("traceback %q, want one from error() through f to the main chunk", se.Traceback)
				}
			} else if strings.HasPrefix(c.name, "a traceback") {
				t.Errorf("error %#v, want a *ScriptError", err)
			}
			if out.String() != c.wantOut {
				t.Errorf("stdout %q, want %q", out.String(), c.wantOut)
			}
		})
	}
}

// TestStartFileTimeLimit: the script of a session runs under
// MaxCallbackTime as a main chunk does, before its reactor.run() and after
// it. Before, it ran without any limit.
func TestStartFileTimeLimit(t *testing.T) {
	for _, tc := range []struct{ name, code string }{
		{"before run", `while true do end`},
		{"after run", `local reactor = require("reactor")
reactor.call_later(0, reactor.stop)
reactor.run()
while true do end`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "spin.lua")
			if err := os.WriteFile(path, []byte(tc.code), 0o644); err != nil {
				t.Fatal(err)
			}
			h, err := New(Options{Stdout: &strings.Builder{}, MaxCallbackTime: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			ended := make(chan error, 1)
			done, err := h.StartFile(path, func(err error) { ended <- err })
			if !done {
				// The session's loop: it stops once the script has ended.
				h.LState().SetGlobal("ended", h.LState().NewFunction(func(L *lua.LState) int {
					L.Push(lua.LBool(len(ended) > 0))
					return 1
				}))
				if err := h.RunString("session", `local reactor = require("reactor")
local function check()
	if ended() then reactor.stop() else reactor.call_later(0.001, check) end
end
reactor.call_later(0, check)
reactor.run()`); err != nil {
					t.Fatal(err)
				}
				err = <-ended
			}
			if err == nil || !strings.Contains(err.Error(), "exceeded the time limit") {
				t.Fatalf("error %v, want the time limit's", err)
			}
		})
	}
}
