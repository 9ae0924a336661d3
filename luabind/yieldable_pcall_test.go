package luabind

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// yieldCases are pcall and xpcall yielding inside coroutines. want is what
// Lua 5.4 prints (checked against lua5.4 by TestYieldablePCallLikeLua54
// when it is installed); Lua 5.1 refuses every one of these yields.
var yieldCases = []struct {
	name, code, want string
}{
	{"yield inside pcall, then an error", `
local co = coroutine.create(function()
  local ok, e = pcall(function()
    local x = coroutine.yield("in pcall")
    print("got", x)
    error("boom", 0)
  end)
  print("pcall:", ok, e)
  return "end"
end)
print(coroutine.resume(co))
print(coroutine.status(co))
print(coroutine.resume(co, "X"))
print(coroutine.status(co))`, "true\tin pcall\nsuspended\ngot\tX\npcall:\tfalse\tboom\ntrue\tend\ndead\n"},
	{"values through a yield and back", `
local co = coroutine.wrap(function(a)
  print(pcall(function(b) local c, d = coroutine.yield(a + b); return c * d, "two" end, 10))
end)
print(co(1))
co(6, 7)`, "11\ntrue\t42\ttwo\n"},
	{"nested pcalls", `
local co = coroutine.wrap(function()
  print(pcall(function() return pcall(function() return coroutine.yield("deep") end) end))
  print(pcall(function() return select(2, pcall(function() error("inner", 0) end)) end))
end)
print(co())
co("back")`, "deep\ntrue\ttrue\tback\ntrue\tinner\n"},
	{"pcall of yield itself", `
local co = coroutine.wrap(function() print(pcall(coroutine.yield, 1, 2)) end)
print(co())
co("a", "b")`, "1\t2\ntrue\ta\tb\n"},
	{"xpcall's handler sees the error", `
local co = coroutine.wrap(function()
  print(xpcall(function() coroutine.yield() error({code = 7}) end, function(e) return "handled " .. e.code end))
end)
co() co()`, "false\thandled 7\n"},
	{"running and status inside pcall", `
local co
co = coroutine.create(function()
  pcall(function()
    print(coroutine.running() == co, coroutine.status(co))
    coroutine.yield()
    print(coroutine.running() == co, coroutine.status(co))
  end)
end)
coroutine.resume(co)
print(coroutine.status(co))
coroutine.resume(co)
print(coroutine.status(co))`, "true\trunning\nsuspended\ntrue\trunning\ndead\n"},
	{"upvalues of frames an error ends are closed", `
local get
local co = coroutine.wrap(function()
  pcall(function() local v = "kept"; get = function() return v end; coroutine.yield(); error("x") end)
  local w = "other" -- reuses the dead frame's slots
  print(get(), w)
end)
co() co()`, "kept\tother\n"},
	{"yield in a tail call", `
local co = coroutine.create(function() return coroutine.yield("first") end)
print(coroutine.resume(co))
print(coroutine.resume(co, "result", 2))
print(coroutine.status(co))
local function f() return coroutine.yield("in f") end
local w = coroutine.wrap(function() local a, b = f() print("f gave", a, b) return "done" end)
print(w())
print(w(1, 2))`, "true\tfirst\ntrue\tresult\t2\ndead\nin f\nf gave\t1\t2\ndone\n"},
	{"a generator with pcall inside", `
local gen = coroutine.wrap(function()
  for i = 1, 3 do
    local ok = pcall(function() coroutine.yield(i) end)
    assert(ok)
  end
end)
print(gen(), gen(), gen())`, "1\t2\t3\n"},
	{"a resume with fewer values than the yield is assigned to", `
local function y(v)
  local tag = coroutine.yield(v)
  if tag == "T" then error("thrown", 0) end
  return tag
end
local co = coroutine.create(function()
  print(pcall(y, 3))
  print(y(4))
  local a, b, c = coroutine.yield()
  print(a, b, c)
end)
print(coroutine.resume(co))
print(coroutine.resume(co, "T"))
print(coroutine.resume(co))
print(coroutine.resume(co, 1))`, "true\t3\nfalse\tthrown\ntrue\t4\nnil\ntrue\n1\tnil\tnil\ntrue\n"},
	{"yield from Go code under pcall is refused", `
local co = coroutine.wrap(function()
  print(pcall(table.sort, {3, 2, 1}, function(a, b) coroutine.yield() return a < b end))
end)
co()`, "false\tattempt to yield across a C-call boundary\n"},
}

func TestYieldablePCall(t *testing.T) {
	for _, tc := range yieldCases {
		t.Run(tc.name, func(t *testing.T) {
			res := runLua(t, tc.code)
			if res.err != nil {
				t.Fatalf("error: %v", res.err)
			}
			want := tc.want
			if tc.name == "yield from Go code under pcall is refused" {
				want = "false\tattempt to yield across metamethod/C-call boundary\n" // Lua 5.1's words
			}
			if res.out != want {
				t.Errorf("got:\n%s\nwant:\n%s", res.out, want)
			}
		})
	}
}

// TestYieldablePCallLikeLua54 checks yieldCases' expectations against the
// reference interpreter of a Lua whose pcall yields.
func TestYieldablePCallLikeLua54(t *testing.T) {
	lua54 := referenceLua(t, "lua5.4")
	for _, tc := range yieldCases {
		t.Run(tc.name, func(t *testing.T) {
			if out := runReference(t, lua54, tc.code, ""); out != tc.want {
				t.Errorf("lua5.4 printed:\n%s\nthe case wants:\n%s", out, tc.want)
			}
		})
	}
}

func TestYieldablePCallTraceback(t *testing.T) {
	res := runLua(t, `
local co = coroutine.wrap(function()
  print(xpcall(function() coroutine.yield() local t = nil; return t.x end, debug.traceback))
end)
co() co()`)
	if res.err != nil {
		t.Fatal(res.err)
	}
	// The failing function, the xpcall, then the coroutine's body: one stack.
	want := "stack traceback:\n\ttest.lua:3: in function <test.lua:3>\n\t[C]: in function 'xpcall'\n\ttest.lua:3: in function <test.lua:2>\n"
	if !strings.Contains(res.out, want) {
		t.Errorf("got:\n%s\nwant it to contain:\n%s", res.out, want)
	}
}

// TestAbandonedCoroutinesAreCollected: a coroutine left suspended inside a
// pcall is garbage like any other, and so is its sub-thread.
func TestAbandonedCoroutinesAreCollected(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	rt := Open(L, Config{Clock: reactor.NewVirtualClock()})
	defer rt.Close()
	if err := L.DoString(`
		keep = {}
		for i = 1, 1000 do
			local co = coroutine.wrap(function() pcall(function() coroutine.yield() end) end)
			co()
			keep[i] = co
		end`); err != nil {
		t.Fatal(err)
	}
	if n := len(rt.pendingPCalls); n != 1000 {
		t.Fatalf("%d pending pcalls, want 1000", n)
	}
	if err := L.DoString(`keep = nil`); err != nil {
		t.Fatal(err)
	}
	// Collected coroutines are forgotten at the next pcall in a coroutine.
	for try := 0; try < 20 && len(rt.pendingPCalls) > 100; try++ {
		L.SetTop(0)
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // cleanups run on their own goroutine
		if err := L.DoString(`coroutine.wrap(function() pcall(print, "") end)()`); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(rt.pendingPCalls); n > 100 {
		t.Errorf("%d of 1000 abandoned coroutines still held", n)
	}
}
