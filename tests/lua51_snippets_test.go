package tests

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// lua51SnippetCases are short scripts whose whole output (standard output
// and standard error) is what lua5.1 prints for them. Each was a
// discrepancy once. A case prints values and messages, never addresses, so
// that it can be compared with lua5.1's output as it is.
var lua51SnippetCases = []lua51Case{
	{"a file method numbers its arguments by how it was called", `local f = io.open("t.lua")
print(pcall(function() return f:seek("bogus") end))
print(pcall(function() return f:seek("set", "x") end))
print(pcall(function() return f:read("*x") end))
print(pcall(function() return f:setvbuf("bogus") end))
print(pcall(function() return io.stdout:write({}) end))
print(pcall(function() return io.stdout.write(io.stdout, {}) end))
f:close()
`, `false	t.lua:2: bad argument #1 to 'seek' (invalid option 'bogus')
false	t.lua:3: bad argument #2 to 'seek' (number expected, got string)
false	t.lua:4: bad argument #1 to 'read' (invalid format)
false	t.lua:5: bad argument #1 to 'setvbuf' (invalid option 'bogus')
false	t.lua:6: bad argument #1 to 'write' (string expected, got table)
false	t.lua:7: bad argument #2 to 'write' (string expected, got table)
`},
	{"loadfile and dofile fail with C's strerror", `print(loadfile("/nonexistent/x.lua"))
print(loadfile("/"))
print(pcall(dofile, "/nonexistent/x.lua"))
print(pcall(dofile, "/"))
`, `nil	cannot open /nonexistent/x.lua: No such file or directory
nil	cannot read /: Is a directory
false	cannot open /nonexistent/x.lua: No such file or directory
false	cannot read /: Is a directory
`},
	{"load returns its reader's errors", `local function try(reader) return pcall(function() return load(reader) end) end
print(try(function() return {} end))
print(try(function() error("in reader") end))
print(try(function() error("plain", 0) end))
print(type(select(3, try(function() error({}) end))))
print(try(function() error() end))
local n = 0
print(try(function() n = n + 1 if n == 1 then return "return " end error("second", 0) end))
print(coroutine.resume(coroutine.create(function() return load(function() error("co", 0) end) end)))
`, `true	nil	t.lua:1: reader function must return a string
true	nil	t.lua:3: in reader
true	nil	plain
table
true	nil	nil
true	nil	second
true	nil	co
`},
	{"unpack's limit and C int arguments", `print(pcall(function() return select("#", unpack({}, 1, 7997)) end))
print(pcall(function() return select("#", unpack({}, 1, 7998)) end))
print(pcall(function() return select("#", unpack({}, 2, 7999)) end))
print(pcall(function() return select("#", unpack({}, 1)) end))
print(pcall(function() return unpack({1, 2, 3}, "2", "3") end))
print(pcall(function() return unpack({1, 2, 3}, 2.7) end))
print(pcall(function() return unpack({1, 2, 3}, -1, 1) end))
print(pcall(function() return unpack({1, 2, 3}, 3, 1) end))
print(pcall(function() return unpack({1, 2, 3}, nil, 2) end))
print(pcall(function() return unpack({1, 2, 3}, "x") end))
print(pcall(function() return unpack() end))
print(pcall(function() return unpack({n = 5, 1}) end))
print(pcall(function() return unpack(setmetatable({}, {__index = function(_, k) return k end}), 1, 3) end))
`, `true	7997
false	t.lua:2: too many results to unpack
false	t.lua:3: too many results to unpack
true	0
true	2	3
true	2	3
true	nil	nil	1
true
true	1	2
false	t.lua:10: bad argument #2 to 'unpack' (number expected, got string)
false	t.lua:11: bad argument #1 to 'unpack' (table expected, got no value)
true	1
true	nil	nil	nil
`},
	{"getfenv and setfenv levels and refusals", `print(pcall(function() setfenv(1, {print=print, x=1}) print(x) end))
local function f() return getfenv(1) end
print(getfenv(f) == _G, f() == _G, getfenv(0) == _G, getfenv() == _G, getfenv(print) == _G)
print(pcall(function() return getfenv(100) end))
print(pcall(function() return getfenv(-1) end))
print(pcall(function() return setfenv(100, {}) end))
print(pcall(function() return setfenv(print, {}) end))
print(pcall(function() return setfenv(1, 2) end))
print(pcall(function() return setfenv({}, {}) end))
print(pcall(function() return setfenv(nil, {}) end))
print(pcall(function() return setfenv() end))
print(pcall(function() return getfenv("x") end))
print(pcall(function() return getfenv("1") == _G end))
print(pcall(function() return getfenv(2) == _G end))
print(pcall(function() return getfenv(3) == _G end))
local g = function() return y end
setfenv(g, {y = 5}); print(g())
print(type(setfenv(g, {y=6})), g())
local function inner() local e = {print = print, getfenv = getfenv} setfenv(2, e) end
local function outer() inner() z = 1 return getfenv(1) end
local env = outer() print(env.z, z, env ~= _G)
print(getfenv(0) == _G)
print(pcall(function() return setfenv(0, _G) end))
print(select('#', setfenv(0, _G)))
local t = setmetatable({}, {__index = function() return getfenv(1) == _G, getfenv(2) == _G end})
print(t.x)
`, `1
true
true	true	true	true	true
false	t.lua:4: bad argument #1 to 'getfenv' (invalid level)
false	t.lua:5: bad argument #1 to 'getfenv' (level must be non-negative)
false	t.lua:6: bad argument #1 to 'setfenv' (invalid level)
false	t.lua:7: 'setfenv' cannot change environment of given object
false	t.lua:8: bad argument #2 to 'setfenv' (table expected, got number)
false	t.lua:9: bad argument #1 to 'setfenv' (number expected, got table)
false	t.lua:10: bad argument #1 to 'setfenv' (number expected, got nil)
false	t.lua:11: bad argument #2 to 'setfenv' (table expected, got no value)
false	t.lua:12: bad argument #1 to 'getfenv' (number expected, got string)
true	true
true	true
true	true
5
function	6
1	nil	true
true
true
0
true
`},
	{"require", `local function write(name, code) local f = assert(io.open(name, "w")) f:write(code) f:close() end
write("loopy.lua", 'return require("loopy")')
write("bad.lua", 'error("bad module", 0)')
write("setsself.lua", 'package.loaded.setsself = "self" return "returned"')
write("none.lua", 'x_loaded = (x_loaded or 0) + 1')
write("args.lua", 'return select("#", ...) .. " " .. ...')
package.path, package.cpath = "./?.lua;./?/init.lua", ""
local function try(name) return pcall(function() return require(name) end) end
print(try("nosuch.mod"))
print(try("loopy"))
print(try("bad"))
print(try("bad"))
print(require("setsself"), package.loaded.setsself)
print(require("none"), require("none"), x_loaded)
print(require("args"))
package.preload.pre = function(...) return "preloaded " .. select("#", ...) .. " " .. ... end
print(require("pre"))
print(require("string") == string, package.loaded._G == _G)
table.insert(package.loaders, 2, function(name) return "\n\tno custom " .. name end)
print(try("zzz"))
package.loaders = {function(n) return 42 end}
print(try("yyy"))
package.loaders = nil
print(try("yyy"))
for _, f in ipairs({"loopy.lua", "bad.lua", "setsself.lua", "none.lua", "args.lua"}) do os.remove(f) end
`, `false	t.lua:8: module 'nosuch.mod' not found:
	no field package.preload['nosuch.mod']
	no file './nosuch/mod.lua'
	no file './nosuch/mod/init.lua'
false	./loopy.lua:1: loop or previous error loading module 'loopy'
false	bad module
false	t.lua:8: loop or previous error loading module 'bad'
returned	returned
true	true	1
1 args
preloaded 1 pre
true	true
false	t.lua:8: module 'zzz' not found:
	no field package.preload['zzz']
	no custom zzz
	no file './zzz.lua'
	no file './zzz/init.lua'
false	t.lua:8: module 'yyy' not found:42
false	t.lua:8: 'package.loaders' must be a table
`},
	{"print stops each value at a zero byte, io.write does not", `print("a\0b", "c", "\0d")
io.write("x\0y\n")
print(string.gsub("abc", "b", "%"))
print(#string.gsub("abc", "b", "%"))
`, "a\tc\t\nx\x00y\na\t1\n3\n"},
	{"the names of Lua 5.1 and no others", `local function keys(t)
  local r = {}
  for k in pairs(t) do r[#r + 1] = tostring(k) end
  table.sort(r)
  return table.concat(r, " ")
end
print(keys(_G))
print(keys(string))
print((keys(os):gsub(" setenv", "")))
print(keys(package.loaded))
local mt = getmetatable("")
print(keys(mt), mt.__index == string, mt == string, package.loaded.package == package)
string.shout = function(s) return s:upper() .. "!" end
print(("hi"):shout(), ("%d"):format(5))
`, `_G _VERSION arg assert collectgarbage coroutine debug dofile error gcinfo getfenv getmetatable io ipairs load loadfile loadstring math module newproxy next os package pairs pcall print rawequal rawget rawset require select setfenv setmetatable string table tonumber tostring type unpack xpcall
byte char dump find format gfind gmatch gsub len lower match rep reverse sub upper
clock date difftime execute exit getenv remove rename setlocale time tmpname
_G coroutine debug io math os package string table
__index	true	false	true
HI!	5
`},
	{"newproxy takes a boolean or a proxy", `local function try(...) return pcall(function(...) local p = newproxy(...) return type(p), type(getmetatable(p)) end, ...) end
print(try())
print(try(nil))
print(try(false))
print(try(true))
print(try(1))
print(try({}))
print(try("x"))
local p = newproxy(true)
getmetatable(p).__index = function(_, k) return k .. "!" end
local q = newproxy(p)
print(getmetatable(q) == getmetatable(p), q.hi)
print(try(newproxy(false)))
print(try(q))
print(try(io.stdout))
`, `true	userdata	nil
true	userdata	nil
true	userdata	nil
true	userdata	table
false	t.lua:1: bad argument #1 to 'newproxy' (boolean or proxy expected)
false	t.lua:1: bad argument #1 to 'newproxy' (boolean or proxy expected)
false	t.lua:1: bad argument #1 to 'newproxy' (boolean or proxy expected)
true	hi!
false	t.lua:1: bad argument #1 to 'newproxy' (boolean or proxy expected)
true	userdata	table
false	t.lua:1: bad argument #1 to 'newproxy' (boolean or proxy expected)
`},
	{"debug.traceback returns a message that is not a string, nil too", `local function show(...) local r = {} for i = 1, select('#', ...) do local v = select(i, ...) r[i] = type(v) == "string" and (v:gsub("\n.*", " ...")) or tostring(type(v)) end return table.concat(r, ",") end
print(show(debug.traceback(42)))
print(show(debug.traceback(nil)))
print(show(debug.traceback({})))
print(show(debug.traceback()))
print(show(debug.traceback("m", 2)))
print(show(debug.traceback(nil, 2)))
print(show(debug.traceback(false)))
local co = coroutine.create(function() coroutine.yield() end) coroutine.resume(co)
print(show(debug.traceback(co)))
print(show(debug.traceback(co, "x")))
print(show(debug.traceback(co, nil)))
print(show(debug.traceback(co, {})))
print(show(xpcall(function() error() end, debug.traceback)))
print(show(xpcall(function() error({}) end, debug.traceback)))
`, `42 ...
nil
table
stack traceback: ...
m ...
nil
boolean
stack traceback: ...
x ...
nil
table
boolean,nil
boolean,table
`},
	{"debug.getinfo has short_src, C functions and main chunks", `local function f(a, b) local c = 3 return 1 end
local info = debug.getinfo(f)
print(info.nups, info.linedefined, info.lastlinedefined, info.short_src, info.currentline)
local info2 = debug.getinfo(print)
print(info2.short_src, info2.source, info2.currentline, info2.linedefined, info2.lastlinedefined, info2.nups)
local function where() local i = debug.getinfo(2, "Sl") return i.short_src .. ":" .. i.currentline end
print(where())
print(debug.getinfo(1).short_src, debug.getinfo(1).what, debug.getinfo(1).currentline)
local t = setmetatable({}, {__index = function() local i = debug.getinfo(1, "S") return i.short_src end})
print(t.x)
print(debug.getinfo(1).linedefined, debug.getinfo(loadstring("return 1")).what, debug.getinfo(loadstring("return 1")).linedefined)
print(loadstring("return debug.getinfo(1, \"S\").what")())
`, `0	1	1	t.lua	-1
[C]	=[C]	-1	-1	-1	0
t.lua:7
t.lua	main	8
t.lua
0	main	0
main
`},
	{"a file's read formats, and a file opened the other way", `local name = os.tmpname()
local f = assert(io.open(name, "w")) f:write("line1\n2\n3.5\nlast") f:close()
f = io.open(name)
print(f:read("*l"))
print(f:read("*n"))
print(f:read("*n"))
print(string.format("%q", f:read("*a")))
f:close()
f = io.open(name, "w") f:write("  12  0x1F -3e2 .5 abc") f:close()
f = io.open(name)
print(f:read("*n", "*n", "*n", "*n", "*n"))
print(f:read("*a"))
f:close()
f = io.open(name, "w") f:write("7\n8\n") f:close()
io.input(name)
print(io.read("*n", "*n", "*n"))
io.input():close()
local n = 0 for l in io.lines(name) do n = n + tonumber(l) end print(n)
f = io.open(name, "r") print(f:write("x")) print(f:read("*a")) f:close()
f = io.open(name, "w") print(f:read("*a")) print(f:read("*l")) f:close()
os.remove(name)
local dir = io.open(".", "r")
print(dir:read(1))
print(dir:read("*n"))
dir:close()
`, `line1
2
3.5
"\
last"
12	31	-300	0.5	nil
abc
7	8	nil
15
nil	Bad file descriptor	9
7
8

nil	Bad file descriptor	9
nil	Bad file descriptor	9
nil	Is a directory	21
nil	Is a directory	21
`},
}

// lua51Case is a script and the whole output (standard output and
// standard error) loopscript must print for it.
type lua51Case struct{ name, src, want string }

// TestLua51Snippets runs each case and checks its output; with lua5.1
// installed, lua5.1's output for the case must be the same.
func TestLua51Snippets(t *testing.T) {
	t.Parallel()
	runLua51Cases(t, lua51SnippetCases, nil)
}

// runLua51Cases runs each case and checks its output. With lua5.1
// installed it runs each under lua5.1 too, whose output, read through
// asLoopscript (nil: as it is), must be the same.
func runLua51Cases(t *testing.T, cases []lua51Case, asLoopscript func(string) string) {
	interp, _ := exec.LookPath("lua5.1")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			script := writeFile(t, "t.lua", []byte(c.src))
			cmd := exec.Command(loopscript, "t.lua")
			cmd.Dir = filepath.Dir(script)
			out, err := cmd.CombinedOutput()
			if err != nil || string(out) != c.want {
				t.Errorf("error %v, output:\n%s\nwant:\n%s", err, out, c.want)
			}
			if interp == "" {
				return
			}
			cmd = exec.Command(interp, "t.lua")
			cmd.Dir = filepath.Dir(script)
			ref, err := cmd.CombinedOutput()
			want := string(ref)
			if asLoopscript != nil {
				want = asLoopscript(want)
			}
			if err != nil || want != c.want {
				t.Errorf("lua5.1 (error %v) prints:\n%s\nthe case wants:\n%s", err, ref, c.want)
			}
		})
	}
}
