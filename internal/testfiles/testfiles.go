// Package testfiles is what tests in several packages share: the small
// trees of Lua files they run loopscript on, and pipes safe to make while
// other tests fork.
package testfiles

import (
	"os"
	"path/filepath"
	"testing"
)

// Write creates files (slash-separated name -> content) under a new
// temporary folder of t, making the folders they need, and returns it.
func Write(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
