package luatest_test

import (
	"fmt"
	"os"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/luatest"
	lua "github.com/yuin/gopher-lua"
)

// A Go program tests its Lua code with its own plugins: the Runner gives
// every test's host the program's options.
func ExampleRunner() {
	perUnit := map[string]float64{"m": 1, "km": 1000}
	units := host.Plugin{Name: "units", Loader: func(L *lua.LState) int {
		mod := L.NewTable()
		L.SetField(mod, "metres", L.NewFunction(func(L *lua.LState) int {
			L.Push(L.CheckNumber(1) * lua.LNumber(perUnit[L.CheckString(2)]))
			return 1
		}))
		L.Push(mod)
		return 1
	}}
	runner := &luatest.Runner{
		Options:  host.Options{Plugins: []host.Plugin{units}},
		Reporter: luatest.Human(os.Stdout, true),
	}
	summary, err := runner.Run("testdata/example")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("all passed:", summary.OK())
	// Output:
	// ok   testdata/example/units_test.lua:6: a kilometre is a thousand metres
	// ok   testdata/example/units_test.lua:10: a Lua module using the plugin
	// 2 passed, 0 failed
	// all passed: true
}
