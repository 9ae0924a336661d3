package hosttest_test

import (
	"fmt"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/host/hosttest"
	lua "github.com/yuin/gopher-lua"
)

// In a test, hosttest.New(t, ...) builds the same host and closes it when
// the test ends; Start is for code without a *testing.T, as here.
func Example() {
	greet := host.ModuleFunc(func(env *host.Env) (lua.LValue, error) {
		L := env.LState()
		mod := L.NewTable()
		mod.RawSetString("hello", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LString("hello, " + L.CheckString(1)))
			return 1
		}))
		return mod, nil
	})
	h, err := hosttest.Start(hosttest.WithModule("greet", greet))
	if err != nil {
		panic(err)
	}
	defer h.Close()
	h.Run(`
		local reactor = require("reactor")
		local greet = require("greet")
		reactor.call_later(60, function() print(greet.hello("a minute later")) end)
		reactor.call_later(61, function() error("oops") end)
		reactor.call_later(62, reactor.stop)
		reactor.run()`)
	fmt.Printf("stdout: %q\n", h.Stdout())
	for _, e := range h.Errors() {
		fmt.Println("error:", e.Message)
	}
	// Output:
	// stdout: "hello, a minute later\n"
	// error: test.lua:5: oops
}
