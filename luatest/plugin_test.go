package luatest

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/internal/testfiles"
	lua "github.com/yuin/gopher-lua"
)

// workerPlugin is a plugin that does its work on another goroutine and
// hands the result back with CallFromGoroutine, announcing it with
// HoldPending: worker.later(fn) calls fn(42) a little later.
func workerPlugin(h *host.Host) host.Plugin {
	return host.Plugin{Name: "worker", Loader: func(L *lua.LState) int {
		mod := L.NewTable()
		L.SetField(mod, "later", L.NewFunction(func(L *lua.LState) int {
			fn := L.CheckFunction(1)
			r, err := h.Reactor()
			if err != nil {
				L.RaiseError("%v", err)
			}
			release := r.HoldPending()
			go func() {
				defer release()
				time.Sleep(20 * time.Millisecond) // the loop is waiting by then
				h.CallFromGoroutine(func(L *lua.LState) {
					L.Push(fn)
					L.Push(lua.LNumber(42))
					L.Call(1, 0)
				})
			}()
			return 0
		}))
		L.Push(mod)
		return 1
	}}
}

// TestSetupPlugins: Setup adds plugins that need the host; work a plugin
// announces keeps the reactor from counting as idle until it has arrived.
func TestSetupPlugins(t *testing.T) {
	dir := testfiles.Write(t, map[string]string{"a_test.lua": `
local reactor = require("reactor")
local worker = require("worker")
test("work from a goroutine", function()
  local got
  worker.later(function(v) got = v reactor.stop() end)
  reactor.run()
  assert_eq(got, 42)
end)
test("forgets to stop after the work", function()
  worker.later(function(v) print("got", v) end)
  reactor.run()
end)`})
	t.Chdir(dir)
	c := &collector{}
	rn := Runner{
		Setup:    func(h *host.Host) error { return h.AddPlugin(workerPlugin(h)) },
		Timeout:  20 * time.Second,
		Reporter: c,
	}
	if _, err := rn.Run("."); err != nil {
		t.Fatal(err)
	}
	if len(c.results) != 2 {
		t.Fatalf("results %+v", c.results)
	}
	if r := c.results[0]; r.Failed {
		t.Errorf("%s: %s", r.Name, r.Message)
	}
	if r := c.results[1]; !r.Failed || r.Message != idleMessage || r.Output != "got\t42\n" {
		t.Errorf("%s: failed %v, message %q, output %q; want the idle failure once the work came", r.Name, r.Failed, r.Message, r.Output)
	}
}

// TestSetupError: an error from Setup fails the file.
func TestSetupError(t *testing.T) {
	dir := testfiles.Write(t, map[string]string{"a_test.lua": `test("x", function() end)`})
	t.Chdir(dir)
	var out strings.Builder
	rn := Runner{Setup: func(*host.Host) error { return errors.New("no database") }, Reporter: Human(&out, false)}
	sum, err := rn.Run(".")
	if err != nil || sum.OK() {
		t.Fatalf("%+v, %v", sum, err)
	}
	if want := "FAIL a_test.lua\n    a_test.lua: no database\n0 passed, 1 failed\n"; out.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestRunnersInParallel: runners on several goroutines each find the
// modules beside their own files: none changes the current folder.
func TestRunnersInParallel(t *testing.T) {
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			dir := testfiles.Write(t, map[string]string{
				"sub/helper.lua": fmt.Sprintf("return {id = %d}\n", i),
				"sub/a_test.lua": fmt.Sprintf(`test("own helper", function() assert_eq(require("helper").id, %d) end)`, i),
			})
			var out strings.Builder
			rn := Runner{Reporter: Human(&out, false)}
			sum, err := rn.Run(filepath.Join(dir, "sub"))
			if err != nil || !sum.OK() {
				t.Errorf("%+v, %v\n%s", sum, err, out.String())
			}
		})
	}
}
