package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/types"
)

// TestTypesFlag: --types DIR writes every stub into DIR, says where, and
// runs nothing else; without DIR it is bad usage.
func TestTypesFlag(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "stubs")
	cases := []struct {
		args    []string
		code    int
		stdout  string
		stderr  string
		wantDir bool
	}{
		{[]string{"--types", dir}, 0, "loopscript: type stubs written to " + dir + "\n", "", true},
		{[]string{"--types=" + dir, "-e", "print('not run')"}, 0, "loopscript: type stubs written to " + dir + "\n", "", true},
		{[]string{"--types"}, 2, "", "'--types' needs an argument", false},
	}
	for _, c := range cases {
		os.RemoveAll(dir)
		code, stdout, stderr := runCLI(t, t.TempDir(), nil, c.args...)
		if code != c.code || stdout != c.stdout || !strings.Contains(stderr, c.stderr) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, %q, %q", c.args, code, stdout, stderr, c.code, c.stdout, c.stderr)
		}
		for _, name := range types.Files() {
			got, err := os.ReadFile(filepath.Join(dir, name))
			want, _ := types.Read(name)
			if c.wantDir && (err != nil || !bytes.Equal(got, want)) {
				t.Errorf("%q: %s not written as embedded (%v)", c.args, name, err)
			}
			if !c.wantDir && err == nil {
				t.Errorf("%q: wrote %s", c.args, name)
			}
		}
	}
}
