package host_test

import (
	"fmt"
	"time"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// A Go program runs a Lua countdown on a reactor. The virtual clock makes the
// five seconds pass at once; leave Clock nil for real time.
func Example() {
	h, err := host.New(host.Options{Clock: reactor.NewVirtualClock()})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	err = h.RunString("countdown.lua", `
		local reactor = require("reactor")
		local function count(n)
			if n == 0 then return reactor.stop() end
			print(n .. " ...")
			reactor.call_later(1, count, n - 1)
		end
		reactor.call_when_running(count, 3)
		reactor.run()
		print("Stop! at", reactor.seconds())`)
	fmt.Println("error:", err)
	// Output:
	// 3 ...
	// 2 ...
	// 1 ...
	// Stop! at	3
	// error: <nil>
}

// A plugin is a Lua module written in Go.
func ExampleHost_AddPlugin() {
	h, _ := host.New(host.Options{})
	defer h.Close()
	h.AddPlugin(host.Plugin{Name: "greet", Loader: func(L *lua.LState) int {
		mod := L.NewTable()
		mod.RawSetString("hello", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LString("hello, " + L.CheckString(1)))
			return 1
		}))
		L.Push(mod)
		return 1
	}})
	h.RunString("main.lua", `print(require("greet").hello("reactor"))`)
	// Output: hello, reactor
}

// Work done on another goroutine comes back to the Lua state through
// CallFromGoroutine, the one thread-safe door into the loop.
func ExampleHost_CallFromGoroutine() {
	h, _ := host.New(host.Options{})
	defer h.Close()
	h.AddPlugin(host.Plugin{Name: "slow", Loader: func(L *lua.LState) int {
		h.Reactor() // install it now, on the loop's goroutine
		L.Push(L.NewFunction(func(L *lua.LState) int {
			callback := L.CheckFunction(1)
			go func() {
				time.Sleep(10 * time.Millisecond) // stands for blocking work
				h.CallFromGoroutine(func(L *lua.LState) {
					L.Push(callback)
					L.Push(lua.LString("done"))
					L.Call(1, 0)
				})
			}()
			return 0
		}))
		return 1
	}})
	h.RunString("main.lua", `
		local reactor = require("reactor")
		require("slow")(function(result) print(result) reactor.stop() end)
		reactor.run()`)
	// Output: done
}
