package luabind

import "testing"

// fileCases are the methods of files io.open opens, against Lua 5.1
// (TestFilesLikeLua51); each makes its own file with os.tmpname.
var fileCases = []luaCase{
	{"write writes numbers as Lua 5.1",
		`local name = os.tmpname() local f = io.open(name, "w")
		print(f:write(1/3, " ", 2^53, " ", -0.0, "\n") == f, f:seek("cur"), f:seek("set", 2), f:seek("end"))
		f:close() f = io.open(name) print(f:read("*a")) f:close() os.remove(name)`,
		"false\t39\t2\t39\n0.33333333333333 9.007199254741e+15 -0\n\n"},
	{"a closed file",
		`local name = os.tmpname() local f = io.open(name, "w") f:close()
		print(io.type(f), pcall(function() return f:write("x") end))
		print(pcall(function() return f:read() end)) print(pcall(function() return f:seek() end))
		print(pcall(function() return f:close() end)) print(pcall(function() return f:lines() end)) os.remove(name)`,
		"closed file\tfalse\ttest.lua:2: attempt to use a closed file\n" +
			"false\ttest.lua:3: attempt to use a closed file\nfalse\ttest.lua:3: attempt to use a closed file\n" +
			"false\ttest.lua:4: attempt to use a closed file\nfalse\ttest.lua:4: attempt to use a closed file\n"},
	{"read's formats",
		`local name = os.tmpname() local f = io.open(name, "w") f:write("12 abc\nline two\nrest") f:close()
		f = io.open(name) print(f:read("*number", "*line", "*l", 2, "*all"))
		print(pcall(function() return f:read("*x") end)) print(pcall(function() return f:read("l") end)) print(pcall(function() return f:read({}) end))
		f:close() os.remove(name)`,
		"12\t abc\tline two\tre\tst\n" +
			"false\ttest.lua:3: bad argument #1 to 'read' (invalid format)\n" +
			"false\ttest.lua:3: bad argument #1 to 'read' (invalid option)\n" +
			"false\ttest.lua:3: bad argument #1 to 'read' (invalid option)\n"},
	{"seek's whence and setvbuf's mode",
		`local name = os.tmpname() local f = io.open(name, "w")
		print(pcall(function() return f:seek("bad") end)) print(pcall(function() return f:setvbuf("odd") end)) print(f:setvbuf("no"))
		f:close() os.remove(name)`,
		"false\ttest.lua:2: bad argument #1 to 'seek' (invalid option 'bad')\n" +
			"false\ttest.lua:2: bad argument #1 to 'setvbuf' (invalid option 'odd')\ntrue\n"},
	{"lines are read whole, and end with nothing",
		`local name = os.tmpname() local f = io.open(name, "w") f:write(string.rep("x", 10000), "\n", "short\n", string.rep("y", 5000)) f:close()
		local lens = {} for l in io.lines(name) do lens[#lens + 1] = #l end print(table.concat(lens, " "))
		f = io.open(name) local it = f:lines() print(#it(), #it(), #it(), select("#", it())) f:close()
		print(pcall(function() return it() end)) os.remove(name)`,
		"10000 5 5000\n10000\t5\t5000\t0\nfalse\ttest.lua:4: file is already closed\n"},
}

func TestFiles(t *testing.T)          { checkCases(t, fileCases) }
func TestFilesLikeLua51(t *testing.T) { checkCasesLikeLua51(t, fileCases) }
