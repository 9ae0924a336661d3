package luabind

import (
	"os/exec"
	"strings"
	"testing"
)

var reprCases = []struct {
	in         string
	str, bytes string
}{
	{"text", `'text'`, `b'text'`},
	{"it's", `"it's"`, `b"it's"`},
	{`both ' and "`, `'both \' and "'`, `b'both \' and "'`},
	{"a\tb\nc\rd\\e", `'a\tb\nc\rd\\e'`, `b'a\tb\nc\rd\\e'`},
	{"\x00\x1f\x7f", `'\x00\x1f\x7f'`, `b'\x00\x1f\x7f'`},
	{"\xe2\x80\x94", "'\xe2\x80\x94'", `b'\xe2\x80\x94'`},
}

func TestPythonRepr(t *testing.T) {
	for _, tc := range reprCases {
		if got := pythonRepr(tc.in, false); got != tc.str {
			t.Errorf("pythonRepr(%q) = %s, want %s", tc.in, got, tc.str)
		}
		if got := pythonRepr(tc.in, true); got != tc.bytes {
			t.Errorf("pythonRepr(%q, bytes) = %s, want %s", tc.in, got, tc.bytes)
		}
	}
}

// TestPythonReprLikePython checks the cases' bytes forms against Python's
// own repr (the str forms differ for non-ASCII text, which Python decodes).
func TestPythonReprLikePython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	for _, tc := range reprCases {
		cmd := exec.Command(py, "-c", "import sys; sys.stdout.write(repr(sys.stdin.buffer.read()))")
		cmd.Stdin = strings.NewReader(tc.in)
		got, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.bytes {
			t.Errorf("Python's repr of %q is %s, the case wants %s", tc.in, got, tc.bytes)
		}
	}
}
