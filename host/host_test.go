package host_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

func newHost(t *testing.T, opts host.Options) (*host.Host, *strings.Builder) {
	t.Helper()
	var out strings.Builder
	opts.Stdout = &out
	if opts.Clock == nil {
		opts.Clock = reactor.NewVirtualClock()
	}
	h, err := host.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, &out
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, code string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name      string
		path      string
		message   string // the whole error message
		traceback string // a line the traceback must have; "" for none at all
		scriptErr bool
	}{
		{"missing file", filepath.Join(dir, "nope.lua"), "cannot open " + filepath.Join(dir, "nope.lua") + ": No such file or directory", "", false},
		{"directory", dir, "cannot read " + dir + ": Is a directory", "", false},
		{"syntax error", write("syntax.lua", "local x = \nx = = 2\n"), filepath.Join(dir, "syntax.lua") + ":2: unexpected symbol near '='", "", true},
		{"runtime error", write("runtime.lua", "local t\n\nprint(t.x)\n"), filepath.Join(dir, "runtime.lua") + ":3: attempt to index local 't' (a nil value)", "in main chunk", true},
		{"error in a function", write("fn.lua", "local function f()\n  error('deep')\nend\nf()\n"), filepath.Join(dir, "fn.lua") + ":2: deep", "in function 'f'", true},
		{"binary garbage", write("bin.lua", "\x1bLua\x51\x00\x01\x04\xff\xfe"), "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHost(t, host.Options{})
			err := h.RunFile(tt.path)
			if err == nil {
				t.Fatal("no error")
			}
			var se *host.ScriptError
			if errors.As(err, &se) != tt.scriptErr {
				t.Errorf("error %T %v: ScriptError %v, want %v", err, err, !tt.scriptErr, tt.scriptErr)
			}
			if tt.message != "" && err.Error() != tt.message {
				t.Errorf("message %q, want %q", err.Error(), tt.message)
			}
			if se != nil && !strings.Contains(se.Traceback, tt.traceback) {
				t.Errorf("traceback %q, want it to contain %q", se.Traceback, tt.traceback)
			}
			if se != nil && tt.traceback == "" && se.Traceback != "" {
				t.Errorf("unexpected traceback %q", se.Traceback)
			}
		})
	}
}

func TestShebangLineIsSkipped(t *testing.T) {
	h, out := newHost(t, host.Options{})
	if err := h.RunString("s.lua", "#!/usr/bin/env loopscript\nprint('ok')\nerror('line 3')"); err == nil || err.Error() != "s.lua:3: line 3" {
		t.Fatalf("error %v: line numbers must survive the #! line", err)
	}
	if out.String() != "ok\n" {
		t.Fatalf("output %q", out.String())
	}
}

func TestArgsAndArgTable(t *testing.T) {
	h, out := newHost(t, host.Options{})
	h.SetArg([]string{"loopscript", "-e", "x", "script.lua", "a", "b"}, 3)
	if err := h.RunString("script.lua", `print(arg[-3], arg[0], arg[1], arg[2], #arg, ...)`, "a", "b"); err != nil {
		t.Fatal(err)
	}
	if want := "loopscript\tscript.lua\ta\tb\t2\ta\tb\n"; out.String() != want {
		t.Fatalf("output %q, want %q", out.String(), want)
	}
}

func TestPlugins(t *testing.T) {
	loader := func(L *lua.LState) int { L.Push(lua.LString("plugin value")); return 1 }
	tests := []struct {
		name   string
		plugin host.Plugin
		err    error
	}{
		{"plain name", host.Plugin{Name: "mine", Loader: loader}, nil},
		{"dotted name", host.Plugin{Name: "my.mod", Loader: loader}, nil},
		{"taken by loopscript", host.Plugin{Name: "reactor", Loader: loader}, host.ErrPluginExists},
		{"bad name", host.Plugin{Name: "no spaces", Loader: loader}, host.ErrPluginName},
		{"empty name", host.Plugin{Loader: loader}, host.ErrPluginName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, out := newHost(t, host.Options{})
			err := h.AddPlugin(tt.plugin)
			if !errors.Is(err, tt.err) {
				t.Fatalf("AddPlugin: %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if err := h.RunString("p.lua", `print(require("`+tt.plugin.Name+`"))`); err != nil {
				t.Fatal(err)
			}
			if out.String() != "plugin value\n" {
				t.Fatalf("output %q", out.String())
			}
			if err := h.AddPlugin(tt.plugin); !errors.Is(err, host.ErrPluginExists) {
				t.Fatalf("second AddPlugin: %v", err)
			}
		})
	}
	if _, err := host.New(host.Options{Plugins: []host.Plugin{{Name: "x"}}}); err == nil {
		t.Error("a plugin without a loader was accepted")
	}
}

func TestUnknownReactorKind(t *testing.T) {
	if _, err := host.New(host.Options{Reactor: "kqueue"}); !errors.Is(err, reactor.ErrUnknownPoller) {
		t.Fatalf("error %v", err)
	}
}

func TestReactorKindOption(t *testing.T) {
	for _, kind := range reactor.PollerNames {
		h, out := newHost(t, host.Options{Reactor: kind})
		if err := h.RunString("k.lua", `print(require("reactor").name)`); err != nil {
			t.Fatal(err)
		}
		if out.String() != kind+"\n" {
			t.Errorf("%s: output %q", kind, out.String())
		}
	}
}

func TestInstallBeforeTheScript(t *testing.T) {
	h, _ := newHost(t, host.Options{})
	if err := h.Install("select"); err != nil {
		t.Fatal(err)
	}
	err := h.RunString("i.lua", `require("pollreactor").install()`)
	if err == nil || !strings.HasSuffix(err.Error(), "reactor already installed (select, by host.Install)") {
		t.Fatalf("error %v", err)
	}
}

func TestOnErrorReceivesCallbackErrors(t *testing.T) {
	var reports []*host.CallbackError
	h, out := newHost(t, host.Options{OnError: func(e *host.CallbackError) { reports = append(reports, e) }})
	err := h.RunString("e.lua", `
local reactor = require("reactor")
local function fail(n) error("failure " .. n) end
for i = 1, 3 do reactor.call_later(i, fail, i) end
reactor.call_later(4, function() print("alive") reactor.stop() end)
reactor.run()`)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "alive\n" || len(reports) != 3 {
		t.Fatalf("output %q, %d reports", out.String(), len(reports))
	}
	for i, r := range reports {
		if want := "e.lua:3: failure " + string(rune('1'+i)); r.Message != want || r.Function != "function 'fail'" || r.Defined != "e.lua:3" {
			t.Errorf("report %d: %+v", i, r)
		}
	}
}

func TestCallFromGoroutineBeforeInstallAndAfterStop(t *testing.T) {
	h, _ := newHost(t, host.Options{})
	if err := h.CallFromGoroutine(func(*lua.LState) {}); !errors.Is(err, reactor.ErrNotRunning) {
		t.Fatalf("before install: error %v, want ErrNotRunning", err)
	}
	if err := h.RunString("s.lua", `local r = require("reactor") r.call_when_running(r.stop) r.run()`); err != nil {
		t.Fatal(err)
	}
	if err := h.CallFromGoroutine(func(*lua.LState) {}); !errors.Is(err, reactor.ErrNotRunning) {
		t.Fatalf("error %v, want ErrNotRunning", err)
	}
}

func TestCallFromManyGoroutines(t *testing.T) {
	h, out := newHost(t, host.Options{Clock: reactor.NewMonotonicClock()})
	const n = 200
	var wg sync.WaitGroup
	h.AddPlugin(host.Plugin{Name: "flood", Loader: func(L *lua.LState) int {
		if _, err := h.Reactor(); err != nil { // installed here, on the loop's goroutine
			L.RaiseError("%v", err)
		}
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h.CallFromGoroutine(func(L *lua.LState) {
					if err := L.DoString(`count = count + 1 if count == 200 then require("reactor").stop() end`); err != nil {
						panic(err)
					}
				})
			}()
		}
		return 0
	}})
	err := h.RunString("f.lua", `count = 0 require("flood") require("reactor").run() print(count)`)
	wg.Wait()
	if err != nil || out.String() != "200\n" {
		t.Fatalf("output %q, error %v", out.String(), err)
	}
}

func TestClosedHost(t *testing.T) {
	h, _ := newHost(t, host.Options{})
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if err := h.RunString("x.lua", "print(1)"); !errors.Is(err, host.ErrClosed) {
		t.Fatalf("RunString after Close: %v", err)
	}
}
