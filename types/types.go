// Package types ships loopscript's type stubs for lua-language-server: one
// `---@meta` file per Lua module (reactor, task, protocol, ...), declaring
// its functions, classes and fields with their documentation, so an editor
// completes and checks scripts without running them. The stubs are embedded
// in the binary, and `loopscript --types DIR` writes them out with WriteTo.
//
// The stubs are also the source of the Markdown reference in docs/:
// ParseStub reads their annotations, Reference renders a page per module
// and an index, and `go generate ./types` writes them (go test ./types fails
// when docs/ is not what the stubs make).
package types

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

//go:embed *.lua
var stubs embed.FS

// Files are the names of the stub files, sorted: one per module, named
// after it ("reactor.lua").
func Files() []string {
	entries, err := fs.ReadDir(stubs, ".")
	if err != nil {
		panic(err) // an embed.FS always lists its root
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// Read returns the text of the stub file name (as Files lists it).
func Read(name string) ([]byte, error) {
	return stubs.ReadFile(name)
}

// WriteTo writes every stub file into dir, creating dir when it does not
// exist and replacing stub files already there; other files in dir are left
// alone. An editor's workspace.library may then point at dir.
func WriteTo(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range Files() {
		data, err := stubs.ReadFile(name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("writing the type stubs: %w", err)
		}
	}
	return nil
}
