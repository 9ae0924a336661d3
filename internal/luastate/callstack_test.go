package luastate

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// A call stack that grows on demand (MinimizeStackMemory) ends as a fixed
// one does: "stack overflow" at the calling line, after the same number of
// frames, whichever kind of call fills it, at the limit (see
// TestHandlerFrames) and at the stack's end, where gopher-lua's own growing
// stack panics with "lua callstack overflow" and no position.
func TestGrowingCallStackOverflowIsPositioned(t *testing.T) {
	if err := Lua51VM(); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, src string }{
		{"Lua call", "local d = 0\nlocal function f() d = d + 1; f() end\nlocal ok, e = pcall(f)\nreturn e .. ' ' .. d"},
		{"call of a Go function", "local d = 0\nlocal function f() d = d + 1; return 0 + select(1, f()) end\nlocal ok, e = pcall(f)\nreturn e .. ' ' .. d"},
		// Depths on both sides of the limit, so that one of them makes its
		// tail call of type() with the stack full.
		{"tail call of a Go function", "local function f(n) if n == 0 then return type(n) end return (f(n - 1)) end\nlocal out = {}\nfor n = 90, 105 do local ok, e = pcall(f, n) out[#out + 1] = e end\nreturn table.concat(out, ',')"},
		{"generic for's generator", "local d = 0\nlocal function gen() d = d + 1; for _ in gen do end end\nlocal ok, e = pcall(gen)\nreturn e .. ' ' .. d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const depth = 100
			for _, atEnd := range []bool{false, true} {
				want := map[bool]string{}
				for _, grow := range []bool{false, true} {
					L := lua.NewState(lua.Options{CallStackSize: depth, MinimizeStackMemory: grow})
					MarkLua51(L, lua51Number)
					if atEnd {
						EnterHandler(L) // the handler's frames too: up to the end
					}
					msg, got := run(L, c.src)
					L.Close()
					if msg != "" {
						t.Fatalf("grow=%v: error %q", grow, msg)
					}
					want[grow] = got.String()
				}
				if !strings.Contains(want[true], "t.lua:") || !strings.Contains(want[true], "stack overflow") {
					t.Errorf("at the end %v: growing stack: %q, want a positioned stack overflow", atEnd, want[true])
				}
				if want[true] != want[false] {
					t.Errorf("at the end %v: growing stack: %q, fixed stack: %q; want the same message and depth", atEnd, want[true], want[false])
				}
			}
		})
	}
}

// A protected call made from a Go function at every depth up to a full
// stack leaves the stack as it found it, on a growing stack as on a fixed
// one: the same results and messages at every depth, and the stack back to
// its depth after. gopher-lua's own PCall, entered on a growing stack that is
// full, loses the last segment's frames from its count (see PCallSafe).
func TestProtectedCallOnAFullStack(t *testing.T) {
	if err := Lua51VM(); err != nil {
		t.Fatal(err)
	}
	const depth = 64 // eight segments
	callees := map[string]lua.LGFunction{
		"returns": func(L *lua.LState) int { L.Push(lua.LNumber(1)); return 1 },
		"raises":  func(L *lua.LState) int { L.RaiseError("e"); return 0 },
		"panics":  func(L *lua.LState) int { panic("go panic") },
	}
	for name, callee := range callees {
		t.Run(name, func(t *testing.T) {
			results := map[bool]string{}
			for _, grow := range []bool{false, true} {
				L := lua.NewState(lua.Options{CallStackSize: depth, MinimizeStackMemory: grow})
				MarkLua51(L, lua51Number)
				EnterHandler(L) // the Lua calls may fill the stack to its end
				L.SetGlobal("sp", L.NewFunction(func(L *lua.LState) int {
					L.Push(lua.LNumber(stateOf(L).stack.(frameStack).Sp()))
					return 1
				}))
				L.SetGlobal("call", L.NewFunction(func(L *lua.LState) int {
					safe := PCallSafe(L)
					L.Push(L.NewFunction(callee))
					err, _ := ProtectedCall(L, 0, 1, func(L *lua.LState) {
						panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: L.Get(-1)})
					})
					switch {
					case err != nil:
						L.Push(lua.LString(fmt.Sprintf("%v error %s", safe, lua.LVAsString(err.Object))))
					default:
						L.Push(lua.LString(fmt.Sprintf("%v %s", safe, L.Get(-1))))
					}
					return 1
				}))
				msg, got := run(L, `
local function r(k) if k == 0 then return call() end local v = r(k - 1) return v end
local out, before = {}, sp()
for n = 50, 66 do
  local ok, v = pcall(r, n)
  out[#out + 1] = n .. " " .. tostring(v)
  if sp() ~= before then out[#out + 1] = "depth " .. sp() .. ", was " .. before end
end
return table.concat(out, "\n")`)
				L.Close()
				if msg != "" {
					t.Fatalf("grow=%v: error %q", grow, msg)
				}
				results[grow] = got.String()
			}
			if strings.Contains(results[true], "depth") {
				t.Errorf("the growing stack's depth changed:\n%s", results[true])
			}
			// PCallSafe differs where the growing stack is full: true on the
			// fixed one, whose push raises instead.
			fixed := strings.ReplaceAll(results[false], "true error", "false error")
			if grown := strings.ReplaceAll(results[true], "true error", "false error"); grown != fixed {
				t.Errorf("growing stack:\n%s\nfixed stack:\n%s", results[true], results[false])
			}
			if !strings.Contains(results[true], "false error") {
				t.Errorf("no call found the growing stack full:\n%s", results[true])
			}
		})
	}
}

// handlerFrameCases each return a function that overflows the call stack
// one way: by Lua calls, or by a metamethod the VM calls from Go.
var handlerFrameCases = []struct{ name, src string }{
	{"Lua call", "local function f() return f() + 1 end\nreturn f"},
	{"__index", "local t = setmetatable({}, {__index = function(t, k) return t.x end})\nreturn function() return t.x end"},
	{"__index, a key in a register", "local k = 'x'\nlocal t = setmetatable({}, {__index = function(t) return t[k] end})\nreturn function() return t[k] end"},
	{"__index along a chain", "local t = {}\nlocal mid = setmetatable({}, {__index = function() return t.x end})\nsetmetatable(t, {__index = mid})\nreturn function() return t.x end"},
	{"__index of a userdata", "local u = newproxy()\ndebug.setmetatable(u, {__index = function(u, k) return u[k] end})\nreturn function() return u.x end"},
	{"method call through __index", "local t = setmetatable({}, {__index = function(t, k) return t:m() end})\nreturn function() return t:m() end"},
	{"__newindex", "local t = setmetatable({}, {__newindex = function(t, k, v) t.x = v end})\nreturn function() t.x = 1 end"},
	{"__newindex of a userdata", "local u = newproxy()\ndebug.setmetatable(u, {__newindex = function(u, k, v) u.x = v end})\nreturn function() u.x = 1 end"},
	{"__newindex, a key in a register", "local k = 'x'\nlocal t = setmetatable({}, {__newindex = function(t, _, v) t[k] = v end})\nreturn function() t[k] = 1 end"},
	{"__add", "local a = setmetatable({}, {__add = function(a, b) return a + b end})\nreturn function() return a + 1 end"},
	{"__unm", "local a = setmetatable({}, {__unm = function(a) return -a end})\nreturn function() return -a end"},
	{"__concat", "local a = setmetatable({}, {__concat = function(a, b) return a .. b end})\nreturn function() return a .. 'x' end"},
	{"__lt", "local mt = {__lt = function(a, b) return a < b end}\nlocal a, b = setmetatable({}, mt), setmetatable({}, mt)\nreturn function() return a < b end"},
	{"__le", "local mt = {__le = function(a, b) return a <= b end}\nlocal a, b = setmetatable({}, mt), setmetatable({}, mt)\nreturn function() return a <= b end"},
}

// A marked state's calls stop at the limit WithHandlerFrames was given,
// with a positioned "stack overflow", whichever call goes too deep, on a
// fixed stack as on a growing one: the frames past it are the message
// handler's. Between EnterHandler and LeaveHandler the calls go on to the
// stack's end, with the same message.
func TestHandlerFrames(t *testing.T) {
	if err := Lua51VM(); err != nil {
		t.Fatal(err)
	}
	const limit = 100
	size := WithHandlerFrames(limit)
	if size-handlerFrames(size) != limit || size <= limit {
		t.Fatalf("WithHandlerFrames(%d) = %d keeps %d frames", limit, size, handlerFrames(size))
	}
	position := regexp.MustCompile(`^t\.lua:\d+: stack overflow$`)
	for _, c := range handlerFrameCases {
		for _, grow := range []bool{false, true} {
			for _, inHandler := range []bool{false, true} {
				name := fmt.Sprintf("%s/grow=%v/handler=%v", c.name, grow, inHandler)
				L := lua.NewState(lua.Options{CallStackSize: size, MinimizeStackMemory: grow})
				MarkLua51(L, lua51Number)
				L.SetGlobal("newproxy", L.NewFunction(func(L *lua.LState) int { L.Push(L.NewUserData()); return 1 }))
				msg, f := run(L, c.src)
				if msg != "" {
					t.Fatalf("%s: %s", name, msg)
				}
				var prev *lua.LState
				if inHandler {
					prev = EnterHandler(L)
				}
				sp := -1
				L.Push(f)
				err, _ := ProtectedCall(L, 0, 0, func(L *lua.LState) {
					sp = stateOf(L).stack.(frameStack).Sp()
					panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: L.Get(-1)})
				})
				if inHandler {
					LeaveHandler(L, prev)
				}
				want := limit
				if inHandler {
					want = size
				}
				switch {
				case err == nil:
					t.Errorf("%s: no error", name)
				case !position.MatchString(lua.LVAsString(err.Object)):
					t.Errorf("%s: error %q, want a positioned stack overflow", name, lua.LVAsString(err.Object))
				case sp != want:
					t.Errorf("%s: raised with %d frames in use, want %d", name, sp, want)
				}
				L.Close()
			}
		}
	}
}
