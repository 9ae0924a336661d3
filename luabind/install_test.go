package luabind

import (
	"errors"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// TestInstallTwice: installing the kind already installed does nothing;
// another kind fails with a message naming the installed kind and who
// installed it, where.
func TestInstallTwice(t *testing.T) {
	def := reactor.DefaultPoller
	other := "select"
	cases := []struct {
		name, code string
		want       string // the error's message; "" for none
	}{
		{"same kind twice", `require("pollreactor").install() require("pollreactor").install() print(require("reactor").name)`, ""},
		{"default, then its kind", `require("reactor") require("` + def + `reactor").install()`, ""},
		{"looping_call, then its kind", `require("task").looping_call(print) require("` + def + `reactor").install()`, ""},
		{"after require reactor", "local r = require('reactor')\nrequire('" + other + "reactor').install()",
			`test.lua:2: reactor already installed (` + def + `, by require("reactor") at test.lua:1)`},
		{"after looping_call", "local task = require('task')\nlocal lc = task.looping_call(print)\nrequire('" + other + "reactor').install()",
			`test.lua:3: reactor already installed (` + def + `, by looping_call at test.lua:2)`},
		{"after another install", "require('pollreactor').install()\n\nrequire('selectreactor').install()",
			`test.lua:3: reactor already installed (poll, by require("pollreactor").install() at test.lua:1)`},
		{"install under pcall", "pcall(require('pollreactor').install)\nrequire('selectreactor').install()",
			`test.lua:2: reactor already installed (poll, by require("pollreactor").install() at test.lua:1)`},
		{"require under pcall", "pcall(require, 'reactor')\nrequire('" + other + "reactor').install()",
			`test.lua:2: reactor already installed (` + def + `, by require("reactor") at test.lua:1)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runLua(t, c.code)
			if c.want == "" {
				if res.err != nil {
					t.Fatalf("error %v, want none", res.err)
				}
				return
			}
			if res.err == nil || !strings.HasPrefix(res.err.Error(), c.want) {
				t.Fatalf("error %v, want %q", res.err, c.want)
			}
		})
	}
}

// TestInstallByFromGo: a Go caller names itself; a second install of the
// same kind is a no-op, of another kind an ErrAlreadyInstalled naming it.
func TestInstallByFromGo(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	rt := Open(L, Config{Clock: reactor.NewVirtualClock()})
	defer rt.Close()
	steps := []struct {
		kind, by string
		want     string // "" for no error
	}{
		{"poll", "--reactor", ""},
		{"poll", "host.Install", ""},
		{"select", "host.Install", "reactor already installed (poll, by --reactor)"},
	}
	for _, s := range steps {
		err := rt.InstallBy(s.kind, s.by)
		switch {
		case s.want == "" && err != nil:
			t.Errorf("InstallBy(%q, %q): %v", s.kind, s.by, err)
		case s.want != "" && (err == nil || err.Error() != s.want || !errors.Is(err, ErrAlreadyInstalled)):
			t.Errorf("InstallBy(%q, %q) = %v, want %q (ErrAlreadyInstalled)", s.kind, s.by, err, s.want)
		}
	}
	if err := rt.Install("epoll"); err == nil || err.Error() != "reactor already installed (poll, by --reactor)" {
		t.Errorf("Install from Go with no Lua running = %v", err)
	}
}
