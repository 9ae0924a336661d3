package luabind

import (
	"testing"
)

// osErrorCases are io's and os's failures, collectgarbage and file names
// as Lua 5.1 gives them; want is lua5.1's output (TestOSErrorsAgainstLua51
// checks that when lua5.1 is installed).
var osErrorCases = []struct{ name, code, want string }{
	{"io.open of a missing file", `print(io.open("/nonexistent-loopscript/x"))`,
		"nil\t/nonexistent-loopscript/x: No such file or directory\t2\n"},
	{"io.open of a folder for writing", `print(io.open("/", "w"))`, "nil\t/: Is a directory\t21\n"},
	{"io.open with a mode fopen refuses", `print(io.open("/dev/null", "z"))`, "nil\t/dev/null: Invalid argument\t22\n"},
	{"io.open with modes fopen takes", `print(io.type(io.open("/dev/null", "rt")), io.type(io.open("/dev/null", "r+b")))`,
		"file\tfile\n"},
	{"os.remove of a missing file", `print(os.remove("/nonexistent-loopscript/x"))`,
		"nil\t/nonexistent-loopscript/x: No such file or directory\t2\n"},
	{"os.rename of a missing file", `print(os.rename("/nonexistent-loopscript/x", "/nonexistent-loopscript/y"))`,
		"nil\t/nonexistent-loopscript/x: No such file or directory\t2\n"},
	{"io.lines of a missing file", `print((select(2, pcall(function() return io.lines("/nonexistent-loopscript/x") end)):gsub("^.-:%d+: ", "")))`,
		"bad argument #1 to 'lines' (/nonexistent-loopscript/x: No such file or directory)\n"},
	{"collectgarbage's results", `print(type(collectgarbage("count")), collectgarbage(), collectgarbage("collect"),
  collectgarbage("setpause", 100), collectgarbage("setpause"), collectgarbage("setstepmul"), collectgarbage("stop"), collectgarbage("restart"))`,
		"number\t0\t0\t200\t100\t200\t0\t0\n"},
	{"collectgarbage's options", `print((select(2, pcall(function() return collectgarbage("bogus") end)):gsub("^.-:%d+: ", "")))`,
		"bad argument #1 to 'collectgarbage' (invalid option 'bogus')\n"},
	{"a file's name", `local f = io.open("/dev/null") print((tostring(f):gsub("0x%x+", "ADDRESS"))) f:close() print(tostring(f))`,
		"file (ADDRESS)\nfile (closed)\n"},
}

// TestOSErrors: io.open, io.lines, os.remove and os.rename fail with Lua
// 5.1's "NAME: strerror" and errno, collectgarbage takes Lua 5.1's options
// and counts, and a file's name carries its address. Before, the messages
// were Go's ("open NAME: no such file or directory", errno 1), io.lines of
// a missing file returned nothing, collectgarbage returned nothing whatever
// the option, and an open file was called "file".
func TestOSErrors(t *testing.T) {
	for _, tc := range osErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, out := testState(t, Config{})
			fn, err := L.LoadString(tc.code)
			if err != nil {
				t.Fatal(err)
			}
			if err := rt.PCall(fn); err != nil {
				t.Fatalf("error: %v", err)
			}
			if out.String() != tc.want {
				t.Errorf("printed %q, want %q", out.String(), tc.want)
			}
		})
	}
}

// TestOSErrorsAgainstLua51 runs the cases through lua5.1 and wants what
// TestOSErrors wants.
func TestOSErrorsAgainstLua51(t *testing.T) {
	lua51 := referenceLua(t, "lua5.1")
	for _, tc := range osErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			if out := runReference(t, lua51, tc.code, ""); out != tc.want {
				t.Errorf("lua5.1 printed %q, the test wants %q", out, tc.want)
			}
		})
	}
}
