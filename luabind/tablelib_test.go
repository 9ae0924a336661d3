package luabind

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// tableCases are the table library against Lua 5.1; each want is what
// lua5.1 prints (TestTableLikeLua51 checks them against the reference
// interpreter when it is installed). Errors are raised inside a Lua
// function: a library function called straight from pcall names itself
// with the caller's position in loopscript (see the README).
var tableCases = []luaCase{
	{"sort calls the comparator as Lua 5.1",
		`local calls, t = {}, {3, 1, 2, 5, 4}
		table.sort(t, function(a, b) calls[#calls+1] = a .. "<" .. b return a < b end)
		print(table.concat(calls, ","), table.concat(t, " "))`,
		"4<3,2<3,1<3,5<3,3<5,3<1,4<5,1<2\t1 2 3 4 5\n"},
	{"sort with the default order",
		`local t = {"b", "a", "c", "B", "aa"} table.sort(t) print(table.concat(t, " "))
		t = {5, 3, 8, 1, 9, 2, 7, 3} table.sort(t, nil) print(table.concat(t, " "))`,
		"B a aa b c\n1 2 3 3 5 7 8 9\n"},
	{"sort an inconsistent comparator",
		`print(pcall(function() table.sort({3, 2, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12}, function(a, b) return true end) end))`,
		"false\ttest.lua:1: invalid order function for sorting\n"},
	{"sort values that do not compare",
		`print(pcall(function() table.sort({1, "x", 2}) end))
		print(pcall(function() table.sort({{}, {}}) end))
		print(pcall(function() table.sort({1, true}) end))`,
		"false\tattempt to compare string with number\nfalse\tattempt to compare two table values\nfalse\tattempt to compare boolean with number\n"},
	{"sort through __lt",
		`local mt = {__lt = function(a, b) return a.v < b.v end}
		local t = {} for i, v in ipairs({4, 2, 9, 1}) do t[i] = setmetatable({v = v}, mt) end
		table.sort(t) for i = 1, #t do t[i] = t[i].v end print(table.concat(t, " "))`,
		"1 2 4 9\n"},
	{"sort a bad comparator",
		`print(pcall(function() table.sort({1, 2}, 3) end))`,
		"false\ttest.lua:1: bad argument #2 to 'sort' (function expected, got number)\n"},
	{"sort an error in the comparator",
		`print(pcall(function() table.sort({1, 2, 3}, function(a, b) error("no") end) end))`,
		"false\ttest.lua:1: no\n"},
	{"insert",
		`local t = {1, 2, 3} table.insert(t, 4) table.insert(t, 1, 0) table.insert(t, 8, "x")
		print(table.concat(t, " ", 1, 5), t[6], t[8], select("#", table.insert(t, 1)))`,
		"0 1 2 3 4\tnil\tx\t0\n"},
	{"insert a wrong number of arguments",
		`print(pcall(function() table.insert({}, 1, 2, 3) end))
		print(pcall(function() table.insert({}) end))
		print(pcall(function() table.insert(nil, 1) end))
		print(pcall(function() table.insert({}, "x", 1) end))`,
		"false\ttest.lua:1: wrong number of arguments to 'insert'\n" +
			"false\ttest.lua:2: wrong number of arguments to 'insert'\n" +
			"false\ttest.lua:3: bad argument #1 to 'insert' (table expected, got nil)\n" +
			"false\ttest.lua:4: bad argument #2 to 'insert' (number expected, got string)\n"},
	{"remove",
		`local t = {1, 2, 3, 4, 5}
		print(table.remove(t), table.remove(t, 1), table.remove(t, "2"), #t, t[1], t[2])
		print(select("#", table.remove({})), select("#", table.remove({1, 2, 3}, 7)), select("#", table.remove({1}, 0)))`,
		"5\t1\t3\t2\t2\t4\n0\t0\t0\n"},
	{"maxn, getn and setn",
		`print(table.maxn({1, 2, [10] = 3, [2.5] = 1, x = 4}), table.maxn({}), table.maxn({[-3] = 1}), table.getn({1, 2, 3}))
		print(pcall(function() return table.setn({}, 1) end))`,
		"10\t0\t0\t3\nfalse\ttest.lua:2: 'setn' is obsolete\n"},
	{"foreach and foreachi",
		`table.foreachi({"a", "b"}, print)
		print(table.foreachi({5, 6, 7}, function(i, v) if v == 6 then return i * 10 end end))
		print(table.foreach({x = 1}, function(k, v) return k .. v end))
		print(pcall(function() table.foreach({}, 1) end))`,
		"1\ta\n2\tb\n20\nx1\nfalse\ttest.lua:4: bad argument #2 to 'foreach' (function expected, got number)\n"},
	{"the library's functions",
		`local names = {} for k in pairs(table) do names[#names+1] = k end table.sort(names) print(table.concat(names, " "))`,
		"concat foreach foreachi getn insert maxn remove setn sort\n"},
}

func TestTable(t *testing.T)          { checkCases(t, tableCases) }
func TestTableLikeLua51(t *testing.T) { checkCasesLikeLua51(t, tableCases) }

// FuzzTableSort sorts arrays of small numbers with the default order, a
// comparator, and a comparator that answers from the fuzzer's bytes (often
// inconsistent): the first two must give the sorted permutation, the last
// must finish, raise "invalid order function for sorting", or run until the
// comparator stops it (Lua 5.1's quicksort can loop for ever on an
// inconsistent order, and loopscript's is the same algorithm), never fail
// otherwise.
func FuzzTableSort(f *testing.F) {
	f.Add([]byte{3, 1, 2}, []byte{1, 0})
	f.Add([]byte{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3}, []byte{1})
	f.Fuzz(func(t *testing.T, values, answers []byte) {
		if len(values) > 200 || len(answers) == 0 {
			return
		}
		nums := make([]string, len(values))
		for i, v := range values {
			nums[i] = fmt.Sprint(v % 16)
		}
		bits := make([]string, len(answers))
		for i, a := range answers {
			bits[i] = fmt.Sprint(a&1 == 1)
		}
		list := strings.Join(nums, ", ")
		code := fmt.Sprintf(`
local a, b = {%s}, {%s}
table.sort(a) table.sort(b, function(x, y) return x > y end)
print(table.concat(a, " ")) print(table.concat(b, " "))
local answers, n, calls = {%s}, 0, 0
local ok, err = pcall(function() table.sort({%s}, function()
  calls = calls + 1
  if calls > 20000 then error("runaway", 0) end
  n = n %% #answers + 1 return answers[n] end) end)
print(ok or err)`, list, list, strings.Join(bits, ", "), list)
		res := runLua(t, code)
		if res.err != nil {
			t.Fatal(res.err)
		}
		ints := append([]byte(nil), values...)
		for i := range ints {
			ints[i] %= 16
		}
		sort.Slice(ints, func(i, j int) bool { return ints[i] < ints[j] })
		up := make([]string, len(ints))
		down := make([]string, len(ints))
		for i, v := range ints {
			up[i] = fmt.Sprint(v)
			down[len(ints)-1-i] = fmt.Sprint(v)
		}
		want := strings.Join(up, " ") + "\n" + strings.Join(down, " ") + "\n"
		lines := strings.SplitAfterN(res.out, "\n", 3)
		if len(lines) < 3 || lines[0]+lines[1] != want {
			t.Fatalf("sorted %v to %q, want %q", values, res.out, want)
		}
		if last := lines[2]; last != "true\n" && last != "runaway\n" && !strings.HasSuffix(last, ": invalid order function for sorting\n") {
			t.Fatalf("the inconsistent comparator: %q", last)
		}
	})
}
