package luabind

import (
	"os"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// stdinCases read Config.Stdin through the io library; want is what
// lua5.1 prints with the same standard input (TestStdinAgainstLua51
// checks that when lua5.1 is installed).
var stdinCases = []struct{ name, input, code, want string }{
	{"a line", "hello\nworld\n", `print(io.read())`, "hello\n"},
	{"lines and the end", "a\nb", `print(io.read("*l", "*l", "*l"))`, "a\tb\tnil\n"},
	{"numbers", "  12 3.5e2 x", `print(io.read("*n", "*n"))`, "12\t350\n"},
	{"a number then the rest of its line", "12abc\nnext\n", `print(io.read("*n", "*l", "*l"))`, "12\tabc\tnext\n"},
	{"no number", "abc", `print(io.read("*n"))`, "nil\n"},
	{"a failed format ends the list", "x1\n", `print(select("#", io.read("*n", "*l")), io.read("*l"))`, "1\tx1\n"},
	{"counts", "abcdef", `print(io.read(3, 0, 100))`, "abc\t\tdef\n"},
	{"zero at the end", "", `print(io.read(0))`, "nil\n"},
	{"all of nothing", "", `print(io.read("*a", "*a", "*l"))`, "\t\tnil\n"},
	{"all", "x\ny\n", `io.read(1) print(io.read("*a"))`, "\ny\n\n"},
	{"io.lines", "a\r\nbb\n\nccc", `for l in io.lines() do print(#l) end print(io.read())`, "2\n2\n0\n3\nnil\n"},
	{"stdin:lines", "1\n2\n", `for l in io.stdin:lines() do print(l) end`, "1\n2\n"},
	{"stdin:read", "p q\n", `print(io.stdin:read("*l"))`, "p q\n"},
	{"invalid option", "", `print((select(2, pcall(function() return io.read("x") end)):gsub("^.-:%d+: ", "")))`, "bad argument #1 to 'read' (invalid option)\n"},
	{"invalid format", "", `print((select(2, pcall(function() return io.read("*x") end)):gsub("^.-:%d+: ", "")))`, "bad argument #1 to 'read' (invalid format)\n"},
	{"a method's invalid option", "", `print((select(2, pcall(function() return io.stdin:read("y") end)):gsub("^.-:%d+: ", "")))`, "bad argument #1 to 'read' (invalid option)\n"},
	{"a numeric string is an option", "", `print((select(2, pcall(function() return io.read("5") end)):gsub("^.-:%d+: ", "")))`, "bad argument #1 to 'read' (invalid option)\n"},
	{"close", "", `print(io.stdin:close())`, "nil\tcannot close standard file\n"},
	{"type", "", `print(io.type(io.stdin), io.input() == io.stdin)`, "file\ttrue\n"},
	{"hex", "0x1A 0X1p4 -0x.8", `print(io.read("*n", "*n", "*n"))`, "26\t16\t-0.5\n"},
	{"inf and nan", "inf -Infinity nan", `print(io.read("*n", "*n", "*n"))`, "inf\t-inf\tnan\n"},
	{"signs and points", "-.5 +3. .e1", `print(io.read("*n", "*n", "*n"))`, "-0.5\t3\tnil\n"},
	{"a negative count reads all", "abc", `print(io.read(-1))`, "abc\n"},
	{"a number, then lines", "5\nx\ny", `print(io.read("*n")) for l in io.lines() do print("[" .. l .. "]") end`, "5\n[]\n[x]\n[y]\n"},
	{"huge", "1e400 -1e400 1e-400", `print(io.read("*n", "*n", "*n"))`, "inf\t-inf\t0\n"},
}

// runStdinLua runs code with input as Config.Stdin and returns what it
// printed.
func runStdinLua(t *testing.T, input, code string) string {
	t.Helper()
	L, rt, out := testState(t, Config{Stdin: strings.NewReader(input)})
	fn, err := L.LoadString(code)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.PCall(fn); err != nil {
		t.Fatalf("error: %v\nprinted: %s", err, out)
	}
	return out.String()
}

// TestStdin: with Config.Stdin set, io.read, io.lines and io.stdin read
// it with Lua 5.1's formats and results. Before, they read the process's
// own standard input whatever the embedder gave.
func TestStdin(t *testing.T) {
	for _, tc := range stdinCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := runStdinLua(t, tc.input, tc.code); got != tc.want {
				t.Errorf("printed %q, want %q", got, tc.want)
			}
		})
	}
}

// TestStdinAgainstLua51 runs the cases through lua5.1 and wants what
// TestStdin wants.
func TestStdinAgainstLua51(t *testing.T) {
	lua51 := referenceLua(t, "lua5.1")
	for _, tc := range stdinCases {
		t.Run(tc.name, func(t *testing.T) {
			if out := runReference(t, lua51, tc.code, tc.input); out != tc.want {
				t.Errorf("lua5.1 printed %q, the test wants %q", out, tc.want)
			}
		})
	}
}

// TestStdinInputSwitch: io.input(name) makes io.read and io.lines read the
// file, io.input(io.stdin) brings them back to Config.Stdin, which kept its
// place.
func TestStdinInputSwitch(t *testing.T) {
	path := t.TempDir() + "/f.txt"
	if err := os.WriteFile(path, []byte("file 1\nfile 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := runStdinLua(t, "in 1\nin 2\nin 3\n", `
print(io.read())
local f = io.input("`+path+`")
print(io.type(f), f ~= io.stdin, io.input() == f)
print(io.read())
for l in io.lines() do print(l) end
io.input(io.stdin)
print(io.read("*a"))
print((select(2, pcall(io.input, {})):gsub("^.-:%d+: ", "")))`)
	want := "in 1\nfile\ttrue\ttrue\nfile 1\nfile 2\nin 2\nin 3\n\n" +
		"bad argument #1 to 'input' (file expected, got table)\n"
	if got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
}

// FuzzStdinRead: whatever the input and the format, reading never panics
// or raises but for a bad format, and the lines io.lines returns, put back
// together, are the input.
func FuzzStdinRead(f *testing.F) {
	f.Add("a\nb\n12 x\n", "*n")
	f.Add("0x1p4 -inf nan 1e", "*n")
	f.Add("x\r\n\n\ny", "*l")
	f.Add("", "*a")
	f.Fuzz(func(t *testing.T, input, format string) {
		if len(input) > 1<<12 || len(format) > 8 {
			return
		}
		L, rt, out := testState(t, Config{Stdin: strings.NewReader(input)})
		L.SetGlobal("FORMAT", lua.LString(format))
		fn, err := L.LoadString(`
local ok, err = pcall(io.read, FORMAT, 3, "*n", 0, "*a")
if not ok and not tostring(err):find("invalid", 1, true) then error(err) end`)
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.PCall(fn); err != nil {
			t.Fatalf("format %q on %q: %v", format, input, err)
		}
		L, rt, out = testState(t, Config{Stdin: strings.NewReader(input)})
		fn, err = L.LoadString(`
local parts = {}
for l in io.lines() do parts[#parts + 1] = l end
print(table.concat(parts, "\n") .. (#parts > 0 and "\n" or ""))`)
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.PCall(fn); err != nil {
			t.Fatalf("lines of %q: %v", input, err)
		}
		want := input
		if want != "" && !strings.HasSuffix(want, "\n") {
			want += "\n"
		}
		if out.String() != want+"\n" {
			t.Errorf("the lines of %q put back together are %q", input, out.String())
		}
	})
}
