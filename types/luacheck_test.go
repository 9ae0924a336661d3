package types_test

import (
	"os/exec"
	"testing"
)

// TestLuacheck runs luacheck (Debian's lua-check) over the tutorial scripts
// and the stubs with the repository's .luacheckrc, where it is installed.
func TestLuacheck(t *testing.T) {
	luacheck, err := exec.LookPath("luacheck")
	if err != nil {
		t.Skip("luacheck is not installed (apt-get install lua-check)")
	}
	cmd := exec.Command(luacheck, "--no-color", "--codes", "--config", ".luacheckrc", "scripts/", "types/")
	cmd.Dir = ".." // the repository's root, where .luacheckrc is
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("luacheck scripts/ types/: %v\n%s", err, out)
	}
}
