package luabind

import (
	"strings"
	"testing"
)

// coroutine.resume answers as coroutine.resume, whoever made the coroutine:
// true and the values, even for the thread of a wrapped function.
func TestResumeOfWrappedCoroutine(t *testing.T) {
	res := runLua(t, `local co
local w = coroutine.wrap(function() co = coroutine.running(); print("in", coroutine.yield()); return "done" end)
w()
print("resume", coroutine.resume(co, "x"))
print("again", coroutine.resume(co))
local w2 = coroutine.wrap(function() local a = coroutine.yield(1); return a * 2 end)
print(w2(), w2(21))`)
	want := "in\tx\nresume\ttrue\tdone\nagain\tfalse\tcannot resume dead coroutine\n1\t42\n"
	if res.err != nil || res.out != want {
		t.Fatalf("output %q, error %v; want %q", res.out, res.err, want)
	}
}

// Protected calls and resumes nest at most maxCNesting deep: past it they
// fail with Lua's "C stack overflow" instead of growing the Go stack.
func TestCStackOverflow(t *testing.T) {
	res := runLua(t, `local function viaPcall(n) if n == 0 then return "bottom" end
  local ok, e = pcall(viaPcall, n - 1) if not ok then error(e, 0) end return e end
local function viaResume(n) if n == 0 then return "bottom" end
  local ok, e = coroutine.resume(coroutine.create(viaResume), n - 1) if not ok then error(e, 0) end return e end
print(pcall(viaPcall, 150))
print(pcall(viaPcall, 250))
print(pcall(viaResume, 150))
print(pcall(viaResume, 250))`)
	want := "true\tbottom\nfalse\tC stack overflow\ntrue\tbottom\nfalse\tC stack overflow\n"
	if res.err != nil || res.out != want {
		t.Fatalf("output %q, error %v; want %q", res.out, res.err, want)
	}
}

// pcall and xpcall keep Lua 5.1's answers for odd arguments.
func TestPCallArguments(t *testing.T) {
	res := runLua(t, `print(pcall(42))
print(pcall(setmetatable({}, {__call = function(_, a) return a end}), "called"))
print(select("#", pcall(function() end)))
print(xpcall(function() return 1, 2 end, print))
print(xpcall(function() error("x") end, function() error("again") end))
print(pcall(function() return pcall() end))
print(pcall(function() return xpcall(print) end))`)
	want := "false\tattempt to call a number value\n" +
		"true\tcalled\n" +
		"1\n" +
		"true\t1\t2\n" +
		"false\terror in error handling\n" +
		"false\ttest.lua:6: bad argument #1 to 'pcall' (value expected)\n" +
		"false\ttest.lua:7: bad argument #2 to 'xpcall' (value expected)\n"
	if res.err != nil || res.out != want {
		t.Fatalf("output:\n%s\nerror %v; want:\n%s", res.out, res.err, want)
	}
	if strings.Contains(res.out, "runPCall") {
		t.Error("a runner shows through")
	}
}

// debug.traceback's level counts the script's frames as Lua 5.1 does:
// luabind's runners, which tracebacks hide, take no level (expected output
// from lua5.1, without its last "[C]: ?", the interpreter's own frame).
func TestTracebackLevels(t *testing.T) {
	res := runLua(t, `local function level4() error("error!") end
local function level3() level4() end
local function level2() level3() end
local function level1() level2() end
for _, lv in ipairs({6, 7, 8, 9}) do
  local ok, result = xpcall(level1, function(err) return debug.traceback("msg", lv) end)
  print(lv, result)
end`)
	want := "6\tmsg\nstack traceback:\n\ttest.lua:4: in function 'level1'\n\t[C]: in function 'xpcall'\n\ttest.lua:6: in main chunk\n" +
		"7\tmsg\nstack traceback:\n\t[C]: in function 'xpcall'\n\ttest.lua:6: in main chunk\n" +
		"8\tmsg\nstack traceback:\n\ttest.lua:6: in main chunk\n" +
		"9\tmsg\nstack traceback:\n"
	if res.err != nil || res.out != want {
		t.Fatalf("output:\n%s\nerror %v; want:\n%s", res.out, res.err, want)
	}
}

// error's level names the function Lua 5.1 names (lua5.1's output): 1 the
// caller of error, 2 its caller, and so on, luabind's runners taking no
// level; numbers get the position too; no value raises nil.
func TestErrorLevels(t *testing.T) {
	res := runLua(t, `local function f() error("in f", 2) end
local function g() f() end
print(pcall(g))
local function deep() error("deep", 3) end
local function mid() deep() end
local function top() mid() end
print(pcall(top))
print(pcall(error, 42))
print(pcall(function() error(42) end))
print(pcall(function() error("x", 0) end))
print(pcall(function() error() end))
local t = {}
print(select(2, pcall(error, t)) == t)`)
	want := "false\ttest.lua:2: in f\n" +
		"false\ttest.lua:6: deep\n" +
		"false\t42\n" +
		"false\ttest.lua:9: 42\n" +
		"false\tx\n" +
		"false\tnil\n" +
		"true\n"
	if res.err != nil || res.out != want {
		t.Fatalf("output:\n%s\nerror %v; want:\n%s", res.out, res.err, want)
	}
}
