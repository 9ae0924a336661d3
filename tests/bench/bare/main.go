//go:build ignore

// Command bare is the floor under loopscript's numbers: gopher-lua alone, no
// reactor. The runner builds it with
//
//	go build -o BIN tests/bench/bare/main.go
//
// and runs "BIN w1" (NewState and print "hello"), "BIN w3 N" (N protected
// calls of a Lua step function from Go, as a reactor would make them) and
// "BIN w6 N" (N protected calls of a function that raises, each with
// debug.traceback as message handler and the report written to stderr).
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	lua "github.com/yuin/gopher-lua"
)

const stepCode = `
local i = 0
function step() i = i + 1 end
function fail() i = i + 1; error("boom") end
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bare w1 | w3 N | w6 N")
		os.Exit(2)
	}
	L := lua.NewState()
	defer L.Close()
	n := 200000
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	switch os.Args[1] {
	case "w1":
		must(L.DoString(`print("hello")`))
	case "w3":
		must(L.DoString(stepCode))
		step := L.GetGlobal("step")
		t0 := time.Now()
		for range n {
			L.Push(step)
			must(L.PCall(0, 0, nil))
		}
		fmt.Printf("steps=%d us_per_step=%.3f\n", n, perCall(t0, n))
	case "w6":
		must(L.DoString(stepCode))
		fail := L.GetGlobal("fail")
		handler := L.GetField(L.GetGlobal("debug"), "traceback").(*lua.LFunction)
		t0 := time.Now()
		for range n {
			L.Push(fail)
			if err := L.PCall(0, 0, handler); err != nil {
				io.WriteString(os.Stderr, "Unhandled error in callback:\n"+err.Error()+"\n")
			}
		}
		fmt.Printf("errors=%d us_per_error=%.3f\n", n, perCall(t0, n))
	default:
		fmt.Fprintln(os.Stderr, "bare: unknown workload", os.Args[1])
		os.Exit(2)
	}
}

func perCall(t0 time.Time, n int) float64 {
	return float64(time.Since(t0).Nanoseconds()) / 1e3 / float64(n)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}
