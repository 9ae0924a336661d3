// Command goja-bench runs one of the suite's JavaScript workloads (../js) on
// goja with goja_nodejs's event loop, the way an embedding Go program would:
//
//	goja-bench SCRIPT.js [args...]
//
// It provides what the workloads use beyond the event loop: console.log and
// console.error (plain lines, no timestamp), performance.now() and the
// script's arguments as scriptArgs (goja_nodejs has no process object).
// It is its own module so that loopscript does not depend on goja.
package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/eventloop"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: goja-bench SCRIPT.js [args...]")
		os.Exit(2)
	}
	path := os.Args[1]
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goja-bench:", err)
		os.Exit(1)
	}
	start := time.Now()
	loop := eventloop.NewEventLoop(eventloop.EnableConsole(false))
	status := 0
	loop.Run(func(vm *goja.Runtime) {
		console := vm.NewObject()
		console.Set("log", printer(os.Stdout))
		console.Set("error", printer(os.Stderr))
		vm.Set("console", console)
		performance := vm.NewObject()
		performance.Set("now", func() float64 {
			return float64(time.Since(start).Nanoseconds()) / 1e6
		})
		vm.Set("performance", performance)
		vm.Set("scriptArgs", os.Args[2:])
		if _, err := vm.RunScript(path, string(src)); err != nil {
			fmt.Fprintln(os.Stderr, "goja-bench:", err)
			status = 1
		}
	})
	os.Exit(status)
}

// printer writes its arguments, space-separated, as one line.
func printer(w *os.File) func(args ...goja.Value) {
	return func(args ...goja.Value) {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = a.String()
		}
		fmt.Fprintln(w, strings.Join(parts, " "))
	}
}
