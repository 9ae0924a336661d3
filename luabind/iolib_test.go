package luabind

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// ioRun runs code as "io.lua" with Config.Stdout and Config.Stderr captured,
// print writing to the same stdout as a host's does.
func ioRun(t *testing.T, code string) (stdout, stderr string) {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	var out, errOut strings.Builder
	rt := Open(L, Config{Stdout: &out, Stderr: &errOut})
	defer rt.Close()
	L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int {
		parts := make([]string, L.GetTop())
		for i := range parts {
			parts[i] = L.ToStringMeta(L.Get(i + 1)).String()
		}
		out.WriteString(strings.Join(parts, "\t") + "\n")
		return 0
	}))
	fn, err := L.Load(strings.NewReader(code), "io.lua")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := rt.PCall(fn); err != nil {
		t.Fatalf("run: %v", err)
	}
	return out.String(), errOut.String()
}

func TestIOFollowsConfigWriters(t *testing.T) {
	tests := []struct{ name, code, stdout, stderr string }{
		{"io.write, in order with print", `print("a") io.write("b", 1, "\n") print("c")`, "a\nb1\nc\n", ""},
		{"io.stdout:write and io.output():write", `io.stdout:write("x") io.output():write("y\n")`, "xy\n", ""},
		{"io.stderr:write", `io.stderr:write("oops\n")`, "", "oops\n"},
		{"write returns true", `print(io.write(""), io.stdout:write(""))`, "true\ttrue\n", ""},
		{"io.type and tostring", `print(io.type(io.stdout), io.type(io.stderr), io.type(42), (tostring(io.stdout):gsub("0x%x+", "ADDR")))`,
			"file\tfile\tnil\tfile (ADDR)\n", ""},
		{"closing a standard stream fails softly, as in Lua 5.1",
			`print(io.stdout:close()) print(io.close()) print(io.close(io.stderr)) io.write("still open\n")`,
			"nil\tcannot close standard file\nnil\tcannot close standard file\nnil\tcannot close standard file\nstill open\n", ""},
		{"flush and setvbuf", `print(io.flush(), io.stdout:flush(), io.stdout:setvbuf("full", 1024), io.stdout:setvbuf("no"))`,
			"true\ttrue\ttrue\ttrue\n", ""},
		{"read and seek fail as on a pipe", `print(io.stdout:read()) print(io.stdout:seek())`,
			"nil\tBad file descriptor\t9\nnil\tIllegal seek\t29\n", ""},
		{"bad arguments", `print(pcall(io.write, {})) print(pcall(function() io.stdout:write("ok", nil) end))
print(pcall(function() io.stdout:setvbuf("bogus") end)) print(pcall(function() io.stdout.write("x") end))
print(pcall(function() io.stdout:wrtie("x") end)) print(pcall(io.output, 42))`,
			"false\tio.lua:1: bad argument #1 to 'write' (string expected, got table)\n" +
				"false\tio.lua:1: bad argument #2 to 'write' (string expected, got nil)\n" +
				"false\tio.lua:2: bad argument #1 to 'setvbuf' (invalid option 'bogus')\n" +
				"false\tio.lua:2: bad argument #1 to 'write' (FILE* expected, got string; use file:write, not file.write)\n" +
				"false\tio.lua:3: FILE* has no field 'wrtie' (did you mean 'write'?)\n" +
				"false\tio.lua:3: bad argument #1 to 'output' (file expected, got number)\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr := ioRun(t, tt.code)
			if stdout != tt.stdout || stderr != tt.stderr {
				t.Errorf("stdout %q, stderr %q; want %q, %q", stdout, stderr, tt.stdout, tt.stderr)
			}
		})
	}
}

// io.output(name) still sends io.write to a file, and io.output(io.stdout)
// brings it back; FlushOutput flushes the file when setvbuf buffered it.
func TestIOOutputToAFileAndBack(t *testing.T) {
	name := filepath.Join(t.TempDir(), "out.txt")
	stdout, _ := ioRun(t, `local name = `+strconv.Quote(name)+`
io.write("before\n")
io.output(name)
io.write("in the file\n")
print(io.close())
io.output(io.stdout)
io.write("after\n")
local f = io.open(name)
io.write(f:read("*a"))
f:close()`)
	if want := "before\ntrue\nafter\nin the file\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
}

func TestFlushOutput(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	var out strings.Builder
	buffered := bufio.NewWriter(&out)
	name := filepath.Join(t.TempDir(), "out.txt")
	rt := Open(L, Config{Stdout: buffered})
	defer rt.Close()
	if err := L.DoString(`io.stdout:write("to stdout")
local f = io.open(` + strconv.Quote(name) + `, "w")
f:setvbuf("full")
io.output(f)
io.write("to the file")`); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(name); out.Len() != 0 || len(data) != 0 {
		t.Fatalf("before FlushOutput: stdout %q, file %q; want both empty (buffered)", out.String(), data)
	}
	if err := rt.FlushOutput(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(name); out.String() != "to stdout" || string(data) != "to the file" {
		t.Errorf("after FlushOutput: stdout %q, file %q", out.String(), data)
	}
}

// Without an io library (a sandbox) there is nothing to replace.
func TestNoIOLibraryNoIO(t *testing.T) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	lua.OpenBase(L)
	lua.OpenPackage(L)
	rt := Open(L, Config{})
	defer rt.Close()
	if v := L.GetGlobal("io"); v != lua.LNil {
		t.Fatalf("io is %v, want nil", v)
	}
	if err := rt.FlushOutput(); err != nil {
		t.Fatal(err)
	}
}
