package types_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/types"
)

// example is a ```lua block of a stub's doc text.
type example struct {
	name string // "reactor.lua: reactor", where it sits
	code string
}

// stubExamples collects the examples of every doc text of the stubs.
func stubExamples(t *testing.T) []example {
	t.Helper()
	stubs, err := types.Stubs()
	if err != nil {
		t.Fatal(err)
	}
	var all []example
	add := func(file, owner, doc string) {
		blocks := luaBlocks(doc)
		for i, code := range blocks {
			name := file + ": " + owner
			if len(blocks) > 1 {
				name += fmt.Sprintf(" #%d", i+1)
			}
			all = append(all, example{name: name, code: code})
		}
	}
	for _, s := range stubs {
		for _, c := range s.Classes {
			add(s.File, c.Name, c.Doc)
			for _, f := range c.Fields {
				add(s.File, c.Name+"."+f.Name, f.Doc)
			}
			for _, f := range c.Functions {
				add(s.File, f.FullName(), f.Doc)
			}
		}
	}
	return all
}

// luaBlocks returns the text of each ```lua ... ``` block of doc.
func luaBlocks(doc string) []string {
	var blocks []string
	var current []string
	in := false
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```lua":
			in, current = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.Join(current, "\n"))
		case in:
			current = append(current, line)
		}
	}
	return blocks
}

// notRun are examples the test compiles but does not run, each with why.
var notRun = map[string]string{
	"stdio.lua: stdio": "it takes over the test process's standard input and output",
}

// TestStubExamples runs each example of the stubs in a host of its own,
// bounded in time: it must not raise, nor report a callback's error. An
// example checks what it shows with assert.
func TestStubExamples(t *testing.T) {
	examples := stubExamples(t)
	modules := map[string]bool{}
	for _, e := range examples {
		modules[strings.SplitN(e.name, ":", 2)[0]] = true
	}
	for _, file := range types.Files() {
		if !modules[file] {
			t.Errorf("%s carries no example", file)
		}
	}
	for _, e := range examples {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			runExample(t, e)
		})
	}
}

func runExample(t *testing.T, e example) {
	var out bytes.Buffer
	var mu sync.Mutex
	var reported []string
	h, err := host.New(host.Options{
		Stdout:     &out,
		Stderr:     &out,
		MaxRunTime: 20 * time.Second, // a loaded machine; the examples take milliseconds
		OnError: func(err *host.CallbackError) {
			mu.Lock()
			defer mu.Unlock()
			reported = append(reported, err.Error())
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, skip := notRun[e.name]; skip {
		if _, err := h.LState().LoadString(e.code); err != nil {
			t.Errorf("%s does not compile: %v", e.name, err)
		}
		return
	}
	if err := h.RunString(e.name, e.code); err != nil {
		t.Errorf("%s: %v\noutput:\n%s", e.name, err, out.String())
	}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range reported {
		t.Errorf("%s: a callback failed: %s\noutput:\n%s", e.name, r, out.String())
	}
}
