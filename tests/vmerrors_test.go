package tests

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The VM's runtime errors and `..` read as Lua 5.1's in what the CLI
// reports: uncaught in the main chunk, uncaught in a callback, caught by
// pcall, and numbers joined with `..`.
func TestVMErrorsAsLua51(t *testing.T) {
	t.Parallel()
	indexErr := writeFile(t, "index.lua", []byte("local config\n\nprint(config.port)\n"))
	callErr := writeFile(t, "call.lua", []byte("local reactor = require(\"reactor\")\nreactor.call_later(0, function() stop_it() end)\nreactor.call_later(0.01, reactor.stop)\nreactor.run()\n"))
	runCLICases(t, []cliCase{
		{name: "uncaught index error", args: []string{indexErr}, code: 1,
			stderr: []check{is("loopscript: " + indexErr + ":3: attempt to index local 'config' (a nil value)\nstack traceback:\n\t" + indexErr + ":3: in main chunk\n")}},
		{name: "uncaught call error in a callback", args: []string{callErr},
			stderr: []check{contains(callErr + ":2: attempt to call global 'stop_it' (a nil value)"), count("Unhandled error", 1)}},
		{name: "pcall'd errors", args: []string{"-e", `local t = {}
print(select(2, pcall(function() return t.a.b end)))
print(select(2, pcall(function() return t + 1 end)))
print(select(2, pcall(function() return "x" .. t.name end)))
print(select(2, pcall(function() return t < 1 end)))
print(select(2, pcall(function() return #t.n end)))
print(select(2, pcall(function() t:run() end)))
print(select(2, pcall(function() for i = t, 2 do end end)))`},
			stdout: []check{is(`(command line):2: attempt to index field 'a' (a nil value)
(command line):3: attempt to perform arithmetic on upvalue 't' (a table value)
(command line):4: attempt to concatenate field 'name' (a nil value)
(command line):5: attempt to compare table with number
(command line):6: attempt to get length of field 'n' (a nil value)
(command line):7: attempt to call method 'run' (a nil value)
(command line):8: 'for' initial value must be a number
`)}},
		{name: "numbers joined with ..", args: []string{"-e", `print("" .. 1/3, "" .. 1e15, "" .. 2^53, 1/0 .. "", -1/0 .. "", "n=" .. 10)`},
			stdout: []check{is("0.33333333333333\t1e+15\t9.007199254741e+15\tinf\t-inf\tn=10\n")}},
	})
}

// TestVMErrorsMatchLua51CLI: the uncaught error's first line is lua5.1's,
// with loopscript's name in front.
func TestVMErrorsMatchLua51CLI(t *testing.T) {
	t.Parallel()
	interp, err := exec.LookPath("lua5.1")
	if err != nil {
		t.Skip("lua5.1 is not installed: TestVMErrorsAsLua51 checks the literal messages")
	}
	for _, src := range []string{
		"local config\n\nprint(config.port)\n",
		"local t = {}\nt.handler()\n",
		"local s = 'a' .. {}\n",
		"print(#nil)\n",
		"local n\nif n > 1 then end\n",
	} {
		script := writeFile(t, "t.lua", []byte(src))
		r := run(t, script)
		cmd := exec.Command(interp, filepath.Base(script))
		cmd.Dir = filepath.Dir(script)
		out, _ := cmd.CombinedOutput()
		want, _, _ := strings.Cut(strings.Replace(string(out), interp+": ", "loopscript: "+filepath.Dir(script)+"/", 1), "\n")
		if got, _, _ := strings.Cut(r.stderr, "\n"); got != want {
			t.Errorf("%q:\n got %q\nwant %q", src, got, want)
		}
	}
}

// lua51OutputCases print what lua5.1 prints. Most overflow the call stack,
// each way a script can, caught by pcall and by xpcall, on the main thread
// and in a coroutine. Lua 5.1
// raises "stack overflow" at the line of the call that went too deep and
// runs xpcall's handler on the room it keeps past its limit. For a
// metamethod that recurses (an __index function indexing its table again)
// it raises "C stack overflow" after 200 nested calls; loopscript counts
// those calls as frames and raises "stack overflow", at the same line.
var lua51OutputCases = []lua51Case{
	{"recursion", `local function f() return f() + 1 end
local h = function(m) return "handled: " .. m end
print(pcall(f))
print(xpcall(f, h))
print(coroutine.resume(coroutine.create(function() return xpcall(f, h) end)))
print(coroutine.resume(coroutine.create(f)))
print(select(2, xpcall(f, debug.traceback)):match("^[^\n]*\nstack traceback:\n") ~= nil)
`, `false	t.lua:1: stack overflow
false	handled: t.lua:1: stack overflow
true	false	handled: t.lua:1: stack overflow
false	t.lua:1: stack overflow
true
`},
	{"a handler that overflows too", `local function f() return f() + 1 end
print(xpcall(f, function(m) return f() end))
print(coroutine.resume(coroutine.create(function() return xpcall(f, function(m) return f() end) end)))
`, `false	error in error handling
true	false	error in error handling
`},
	{"metamethods", `local h = function(m) return "handled: " .. m:gsub("C stack", "stack") end
local index = setmetatable({}, {__index = function(t, k) return t[k] end})
local newindex = setmetatable({}, {__newindex = function(t, k, v) t[k] = v end})
local add = setmetatable({}, {__add = function(a, b) return a + b end})
local unm = setmetatable({}, {__unm = function(a) return -a end})
local concat = setmetatable({}, {__concat = function(a, b) return a .. b end})
local lt = {__lt = function(a, b) return a < b end}
local x, y = setmetatable({}, lt), setmetatable({}, lt)
for _, f in ipairs({
  function() return index.x end,
  function() newindex.x = 1 end,
  function() return add + 1 end,
  function() return -unm end,
  function() return concat .. "" end,
  function() return x < y end,
}) do
  print(xpcall(f, h))
  print(coroutine.resume(coroutine.create(function() return xpcall(f, h) end)))
end
`, `false	handled: t.lua:2: stack overflow
true	false	handled: t.lua:2: stack overflow
false	handled: t.lua:3: stack overflow
true	false	handled: t.lua:3: stack overflow
false	handled: t.lua:4: stack overflow
true	false	handled: t.lua:4: stack overflow
false	handled: t.lua:5: stack overflow
true	false	handled: t.lua:5: stack overflow
false	handled: t.lua:6: stack overflow
true	false	handled: t.lua:6: stack overflow
false	handled: t.lua:7: stack overflow
true	false	handled: t.lua:7: stack overflow
`},
	{"a table's length", `print(#setmetatable({1, 2}, {__len = function() return 9 end}))
`, "2\n"},
}

// TestOutputsAsLua51: each case prints what it should (an overflow reads
// as Lua 5.1's, and xpcall's handler runs on it); with lua5.1 installed,
// its output is compared too, "C stack overflow" read as "stack overflow".
func TestOutputsAsLua51(t *testing.T) {
	t.Parallel()
	runLua51Cases(t, lua51OutputCases, func(out string) string {
		return strings.ReplaceAll(out, "C stack overflow", "stack overflow")
	})
}
