// Command docgen writes loopscript's Markdown reference, one page per Lua
// module and an index, from the type stubs (types.Reference) into the
// directory given as its argument, and removes the .md files there that
// the stubs no longer make. `go generate ./types` runs it as
// `go run ./docgen ../docs`.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/loopscript/loopscript/types"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: docgen DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	pages, err := types.Reference()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, wanted := pages[e.Name()]; !wanted && strings.HasSuffix(e.Name(), ".md") {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	for name, data := range pages {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
