package luabind

import "testing"

// package.loadlib answers as a Lua 5.1 without dynamic libraries, and the
// names gopher-lua adds are gone.
func TestLua51Names(t *testing.T) {
	res := runLua(t, `print(package.loadlib("x.so", "luaopen_x"))
print(pcall(function() return package.loadlib("x.so") end))
print(_GOPHER_LUA_VERSION, _printregs, rawget(string, "__index"), getmetatable("").__index == string)
print(package.loaded.package == package)`)
	want := "nil\tdynamic libraries not enabled; check your Lua installation\tabsent\n" +
		"false\ttest.lua:2: bad argument #2 to 'loadlib' (string expected, got no value)\n" +
		"nil\tnil\tnil\ttrue\n" +
		"true\n"
	if res.err != nil || res.out != want {
		t.Fatalf("output %q, error %v; want %q", res.out, res.err, want)
	}
}
