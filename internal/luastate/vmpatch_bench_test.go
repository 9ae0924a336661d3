package luastate

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// vmLoop exercises every wrapped instruction on its common path: indexing
// tables, arithmetic on numbers, calls, comparisons, lengths, string-only
// concatenation and numeric for loops.
const vmLoop = `
local t = {x = 1, list = {1, 2, 3}}
local function add(a, b) return a + b end
local s = ""
local n = 0
for i = 1, 20000 do
	t.x = add(t.x, i) * 2 % 1000
	n = n + #t.list - t.list[2]
	if n < i and i <= 1e9 then n = -n end
	local obj = t.list
	s = "a" .. "b"
end
return n
`

// concatLoop joins numbers to strings, the `..` a marked state does itself.
const concatLoop = `
local s
for i = 1, 20000 do
	s = "item " .. i .. ": " .. i / 4
end
return s
`

// methodLoop is object-oriented Lua: methods found through a metatable's
// __index table, fields in the object, the lookups the fast index path
// (fastindex.go) must not slow down.
const methodLoop = `
local Point = {}
Point.__index = Point
function Point:get() return self.x end
local p = setmetatable({x = 1}, Point)
local n = 0
for i = 1, 20000 do
	n = n + p:get() + p.x
end
return n
`

// BenchmarkMethodLoop compares method calls and fields of objects with a
// metatable on gopher-lua's handlers and the wrapped ones.
func BenchmarkMethodLoop(b *testing.B) { benchHandlers(b, methodLoop) }

// BenchmarkVMLoop compares the loop on gopher-lua's own handlers with the
// wrapped ones, on a marked state: the wrappers' type checks are the cost.
func BenchmarkVMLoop(b *testing.B) { benchHandlers(b, vmLoop) }

// BenchmarkConcatNumbers compares gopher-lua's `..` of numbers with Lua
// 5.1's, as the test formatter writes them.
func BenchmarkConcatNumbers(b *testing.B) { benchHandlers(b, concatLoop) }

func benchHandlers(b *testing.B, src string) {
	if err := Lua51VM(); err != nil {
		b.Skip(err)
	}
	proto := compile(b, src)
	for _, c := range []struct {
		name    string
		handler func(op int) instFunc
	}{
		{"gopher-lua", func(op int) instFunc { return original[op] }},
		{"lua51", func(op int) instFunc { return jumpTable[op] }},
	} {
		b.Run(c.name, func(b *testing.B) {
			withHandlers(c.handler, func() {
				L := newMarkedState(b)
				defer L.Close()
				for b.Loop() {
					L.Push(L.NewFunctionFromProto(proto))
					if err := L.PCall(0, 0, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// withHandlers runs f with the replaced entries of the instruction table
// set to handler(op), then puts the wrappers back. Only for benchmarks that
// run no other state meanwhile.
func withHandlers(handler func(op int) instFunc, f func()) {
	saved := jumpTable
	for op, h := range original {
		if h != nil {
			jumpTable[op] = handler(op)
		}
	}
	defer func() { jumpTable = saved }()
	f()
}

func compile(b *testing.B, src string) *lua.FunctionProto {
	b.Helper()
	L := lua.NewState()
	defer L.Close()
	fn, err := L.Load(strings.NewReader(src), "bench.lua")
	if err != nil {
		b.Fatal(err)
	}
	return fn.Proto
}
