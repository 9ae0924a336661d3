package luastate

import (
	"os"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// FileReader finds the buffer of a file gopher-lua's io.open opened for
// reading, none for one opened to write, and reports false for any value
// that is not such a file.
func TestFileReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(path, []byte("abc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	L := lua.NewState()
	defer L.Close()
	L.SetGlobal("path", lua.LString(path))
	L.SetGlobal("other", lua.LString(path+".out"))
	open := func(mode string) lua.LValue {
		name := "path"
		if mode == "w" {
			name = "other" // the file read stays whole
		}
		if err := L.DoString(`f = assert(io.open(` + name + `, "` + mode + `"))`); err != nil {
			t.Fatal(err)
		}
		return L.GetGlobal("f")
	}
	cases := []struct {
		name       string
		v          lua.LValue
		isFile     bool
		hasReader  bool
		firstBytes string
	}{
		{"read", open("r"), true, true, "abc"},
		{"read and write", open("r+"), true, true, "abc"},
		{"write", open("w"), true, false, ""},
		{"a table", L.NewTable(), false, false, ""},
		{"a userdata of another kind", L.NewUserData(), false, false, ""},
		{"nil", lua.LNil, false, false, ""},
	}
	for _, c := range cases {
		r, isFile := FileReader(c.v)
		if isFile != c.isFile || (r != nil) != c.hasReader {
			t.Errorf("%s: reader %v, isFile %v; want a reader %v, isFile %v", c.name, r, isFile, c.hasReader, c.isFile)
			continue
		}
		if r != nil {
			if b, err := r.Peek(3); err != nil || string(b) != c.firstBytes {
				t.Errorf("%s: the reader holds %q (%v), want %q", c.name, b, err, c.firstBytes)
			}
		}
	}
}
