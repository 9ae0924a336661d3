package luabind

import (
	"os/exec"
	"strings"
	"testing"
)

// twistedPython finds a python3 with Twisted 22.4 (the reference for
// behaviour) for the differential tests, or skips the test.
func twistedPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		out, err := exec.Command(path, "-c", "import twisted, twisted.protocols.basic, twisted.internet.testing; print(twisted.__version__)").Output()
		if err == nil && strings.HasPrefix(string(out), "22.4.") {
			return path
		}
	}
	t.Skip("needs python3 with Twisted 22.4 to compare with (Debian: apt-get install python3-twisted)")
	return ""
}
