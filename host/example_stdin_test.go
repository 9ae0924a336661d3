package host_test

import (
	"fmt"
	"strings"

	"github.com/loopscript/loopscript/host"
)

// Options.Stdin feeds the io library's reading: a script that reads its
// input with io.read or io.lines can be given it from Go.
func ExampleOptions_stdin() {
	h, err := host.New(host.Options{Stdin: strings.NewReader("3 4\nfirst\nsecond\n")})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	err = h.RunString("sum.lua", `
		local a, b = io.read("*n", "*n")
		print("sum", a + b)
		io.read() -- the rest of the numbers' line
		for line in io.lines() do print("line", line) end`)
	fmt.Println("error:", err)
	// Output:
	// sum	7
	// line	first
	// line	second
	// error: <nil>
}
