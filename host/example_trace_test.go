package host_test

import (
	"fmt"
	"os"

	"github.com/loopscript/loopscript/host"
)

// A trace of every callback, on the virtual clock (as the CLI's
// --clock virtual --trace): repeatable to the byte, so a test can compare it
// with a golden text.
func ExampleOptions_trace() {
	clock, err := host.ParseClock("virtual")
	if err != nil {
		panic(err)
	}
	h, err := host.New(host.Options{Clock: clock, Trace: os.Stdout})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	err = h.RunString("tick.lua", `local reactor = require("reactor")
local task = require("task")
local n = 0
local function tick()
  n = n + 1
  if n == 3 then reactor.stop() end
end
task.looping_call(tick):start(0.5)
reactor.call_later(0.25, print, "a quarter second in")
reactor.run()`)
	fmt.Println("error:", err)
	// Output:
	// [   0.000] looping tick  tick.lua:4
	// [   0.250] later   print
	// a quarter second in
	// [   0.500] looping tick  tick.lua:4
	// [   1.000] looping tick  tick.lua:4
	// error: <nil>
}

func ExampleParseClock() {
	for _, name := range []string{"real", "virtual", "sundial"} {
		clock, err := host.ParseClock(name)
		fmt.Printf("%s: %T, %v\n", name, clock, err)
	}
	// Output:
	// real: <nil>, <nil>
	// virtual: *reactor.VirtualClock, <nil>
	// sundial: <nil>, unknown clock 'sundial' (want real or virtual)
}
