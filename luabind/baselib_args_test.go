package luabind

import "testing"

// baseArgCases are the argument errors of the base functions kept from
// gopher-lua, against Lua 5.1 (TestBaseArgsLikeLua51). Each call is made
// inside a Lua function: see the README on a function called straight from
// pcall.
var baseArgCases = []luaCase{
	{"value expected",
		`print(pcall(function() return rawequal(1) end)) print(pcall(function() return type() end))
		print(pcall(function() return tostring() end)) print(pcall(function() return getmetatable() end))`,
		"false\ttest.lua:1: bad argument #2 to 'rawequal' (value expected)\n" +
			"false\ttest.lua:1: bad argument #1 to 'type' (value expected)\n" +
			"false\ttest.lua:2: bad argument #1 to 'tostring' (value expected)\n" +
			"false\ttest.lua:2: bad argument #1 to 'getmetatable' (value expected)\n"},
	{"the iterators still iterate",
		`local t = {10, 20, x = 1} local n = 0
		for i, v in ipairs(t) do n = n + i * v end for k in pairs(t) do n = n + 1 end
		print(n, next({}), next({5}), select("#", unpack({1, nil, 3}, 1, 3)))`,
		"53\tnil\t1\t3\n"},
	{"nil is a value",
		`print(type(nil), tostring(nil), rawequal(nil, nil), getmetatable(nil))`,
		"nil\tnil\ttrue\tnil\n"},
	{"table expected",
		`print(pcall(function() return ipairs() end)) print(pcall(function() return pairs(1) end))
		print(pcall(function() return next("x") end)) print(pcall(function() return rawget(1, 2) end))
		print(pcall(function() return unpack(nil) end)) print(pcall(function() return rawset({}) end))`,
		"false\ttest.lua:1: bad argument #1 to 'ipairs' (table expected, got no value)\n" +
			"false\ttest.lua:1: bad argument #1 to 'pairs' (table expected, got number)\n" +
			"false\ttest.lua:2: bad argument #1 to 'next' (table expected, got string)\n" +
			"false\ttest.lua:2: bad argument #1 to 'rawget' (table expected, got number)\n" +
			"false\ttest.lua:3: bad argument #1 to 'unpack' (table expected, got nil)\n" +
			"false\ttest.lua:3: bad argument #2 to 'rawset' (value expected)\n"},
	{"setmetatable takes only tables",
		`print(pcall(function() return setmetatable(1, {}) end)) print(pcall(function() return setmetatable("s", {}) end))
		print(pcall(function() return setmetatable({}, 1) end)) print(pcall(function() return setmetatable({}) end))
		print(pcall(function() return (3).x end), ("x"):rep(2), getmetatable(setmetatable({}, nil)))`,
		"false\ttest.lua:1: bad argument #1 to 'setmetatable' (table expected, got number)\n" +
			"false\ttest.lua:1: bad argument #1 to 'setmetatable' (table expected, got string)\n" +
			"false\ttest.lua:2: bad argument #2 to 'setmetatable' (nil or table expected)\n" +
			"false\ttest.lua:2: bad argument #2 to 'setmetatable' (nil or table expected)\n" +
			"false\txx\tnil\n"},
	{"integers as numeric strings",
		`print(unpack({1, 2, 3}, "2")) print(unpack({1, 2, 3}, 1, " 2 ")) print(pcall(function() return unpack({}, "x") end))
		print(pcall(function() error("lvl", "1") end)) print(pcall(function() error("lvl", {}) end))`,
		"2\t3\n1\t2\nfalse\ttest.lua:1: bad argument #2 to 'unpack' (number expected, got string)\n" +
			"false\ttest.lua:2: lvl\nfalse\ttest.lua:2: bad argument #2 to 'error' (number expected, got table)\n"},
	{"pcall needs a value",
		`print(pcall(function() return pcall() end))`,
		"false\ttest.lua:1: bad argument #1 to 'pcall' (value expected)\n"},
	{"gcinfo",
		`local g = gcinfo() print(type(g), g == math.floor(g), g > 0)`,
		"number\ttrue\ttrue\n"},
}

func TestBaseArgs(t *testing.T)          { checkCases(t, baseArgCases) }
func TestBaseArgsLikeLua51(t *testing.T) { checkCasesLikeLua51(t, baseArgCases) }

// coroutineArgCases are the coroutine library's refusals against Lua 5.1
// (TestCoroutineArgsLikeLua51).
var coroutineArgCases = []luaCase{
	{"create and wrap take Lua functions only",
		`print(pcall(function() return coroutine.create(1) end)) print(pcall(function() return coroutine.create(print) end))
		print(pcall(function() return coroutine.wrap(string.rep) end))`,
		"false\ttest.lua:1: bad argument #1 to 'create' (Lua function expected)\n" +
			"false\ttest.lua:1: bad argument #1 to 'create' (Lua function expected)\n" +
			"false\ttest.lua:2: bad argument #1 to 'wrap' (Lua function expected)\n"},
	{"resume and status take coroutines",
		`print(pcall(function() return coroutine.resume({}) end)) print(pcall(function() return coroutine.status() end))`,
		"false\ttest.lua:1: bad argument #1 to 'resume' (coroutine expected)\n" +
			"false\ttest.lua:1: bad argument #1 to 'status' (coroutine expected)\n"},
	{"yield outside a coroutine",
		`print(pcall(function() coroutine.yield(1) end))`,
		"false\tattempt to yield across metamethod/C-call boundary\n"},
	{"a stack overflow in a coroutine has a position",
		`local function f() return 1 + f() end
		print(coroutine.resume(coroutine.create(f)))
		print(coroutine.resume(coroutine.create(function() return select(1, f()) end)))`,
		"false\ttest.lua:1: stack overflow\nfalse\ttest.lua:1: stack overflow\n"},
}

func TestCoroutineArgs(t *testing.T)          { checkCases(t, coroutineArgCases) }
func TestCoroutineArgsLikeLua51(t *testing.T) { checkCasesLikeLua51(t, coroutineArgCases) }
