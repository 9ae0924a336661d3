package luabind

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// osTimeCases are os.date, os.time and os.difftime against Lua 5.1
// (TestOSTimeLikeLua51). os.date's cases are in UTC ("!"); os.time's
// compare times made in the same local zone, so they hold in any zone that
// has no daylight saving change in January 2000.
var osTimeCases = []luaCase{
	{"every conversion, a leap day",
		`local out = {} for c in ("aAbBcCdDeEfFgGhHIjklmMnpPrRStTuUVwWxXyYzZ%+-:"):gmatch(".") do out[#out + 1] = os.date("!%" .. c, 951782400) end
		print(table.concat(out, "|"))`,
		"Tue|Tuesday|Feb|February|Tue Feb 29 00:00:00 2000|20|29|02/29/00|29|%E|%f|2000-02-29|00|2000|Feb|00|12|060| 0|12|02|00|\n|AM|am|12:00:00 AM|00:00|00|\t|00:00:00|2|09|09|2|09|02/29/00|00:00:00|00|2000|+0000|GMT|%|%+|%-|%:\n"},
	{"every conversion, before 1970",
		`local out = {} for c in ("aAbBcCdDeEfFgGhHIjklmMnpPrRStTuUVwWxXyYzZ%+-:"):gmatch(".") do out[#out + 1] = os.date("!%" .. c, -34560000) end
		print(table.concat(out, "|"))`,
		"Wed|Wednesday|Nov|November|Wed Nov 27 00:00:00 1968|19|27|11/27/68|27|%E|%f|1968-11-27|68|1968|Nov|00|12|332| 0|12|11|00|\n|AM|am|12:00:00 AM|00:00|00|\t|00:00:00|3|47|48|3|48|11/27/68|00:00:00|68|1968|+0000|GMT|%|%+|%-|%:\n"},
	{"%s is the time in local time in any zone (glibc's %s of a gmtime reads its fields as local time)",
		`print(os.date("%s", 951782400), os.date("%s", -34560000))`,
		"951782400\t-34560000\n"},
	{"ISO weeks and week numbers at a year's end",
		`print(os.date("!%G %g %V %U %W %j %u %w", 1735689599), os.date("!%G-W%V-%u", 1104537600))`,
		"2025 25 01 52 53 366 2 2\t2004-W53-6\n"},
	{"a lone %, text around conversions, a fraction of a second",
		`print(os.date("!%", 0), os.date("!at %H:%M%", 3661.9), os.date("!", 0), os.date("!%Ey", 0))`,
		"%\tat 01:01%\t\t%Ey\n"},
	{"*t",
		`local t = os.date("!*t", 3 * 86400 + 13 * 3600 + 61)
		print(t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst)`,
		"1970\t1\t4\t13\t1\t1\t1\t4\tfalse\n"},
	{"os.time's defaults and normalisation",
		`local base = os.time{year = 2000, month = 1, day = 1, hour = 0}
		print(os.time{year = 2000, month = 1, day = 1} - base, os.time{year = 2000, month = 1, day = 1, hour = 0, min = 90, sec = -30} - base,
			os.time{year = 1999, month = 13, day = 1, hour = 0} == base, os.time{year = "2000", month = 1, day = "2", hour = 0} - base)`,
		"43200\t5370\ttrue\t86400\n"},
	{"os.time's missing field",
		`print(pcall(function() return os.time{year = 2000} end)) print(pcall(function() return os.time{year = 2000, month = "x", day = 1} end))`,
		"false\ttest.lua:1: field 'day' missing in date table\nfalse\ttest.lua:1: field 'month' missing in date table\n"},
	{"difftime",
		`print(os.difftime(10, 5), os.difftime(10), os.difftime("7", 2.9), type(os.time()))`,
		"5\t10\t5\tnumber\n"},
	{"bad arguments",
		`print(pcall(function() return os.date({}) end)) print(pcall(function() return os.date("%Y", "x") end))
		print(pcall(function() return os.time(5) end)) print(pcall(function() return os.difftime() end))`,
		"false\ttest.lua:1: bad argument #1 to 'date' (string expected, got table)\n" +
			"false\ttest.lua:1: bad argument #2 to 'date' (number expected, got string)\n" +
			"false\ttest.lua:2: bad argument #1 to 'time' (table expected, got number)\n" +
			"false\ttest.lua:2: bad argument #1 to 'difftime' (number expected, got no value)\n"},
}

func TestOSTime(t *testing.T)          { checkCases(t, osTimeCases) }
func TestOSTimeLikeLua51(t *testing.T) { checkCasesLikeLua51(t, osTimeCases) }

// FuzzOSDate gives os.date any format and time: it returns a string (or nil
// for a year struct tm cannot hold), never fails on a number, and a format
// with no % comes back as it went in.
func FuzzOSDate(f *testing.F) {
	for _, seed := range []string{"%c", "!%Y-%m-%d %H:%M:%S", "*t", "!*t", "%", "%%%E%q", "plain"} {
		f.Add(seed, 951782400.0)
	}
	f.Add("!%Y", 1e18)
	f.Add("%s", -1e15)
	f.Fuzz(func(t *testing.T, format string, when float64) {
		L, _, _ := fuzzState(t, nil)
		L.Push(L.GetField(L.GetGlobal("os"), "date"))
		L.Push(lua.LString(format))
		L.Push(lua.LNumber(when))
		if err := L.PCall(2, 1, nil); err != nil {
			t.Fatalf("os.date(%q, %v): %v", format, when, err)
		}
		switch v := L.Get(-1).(type) {
		case lua.LString:
			body := strings.TrimPrefix(format, "!")
			if !strings.Contains(body, "%") && body != "*t" && string(v) != body {
				t.Fatalf("os.date(%q) = %q", format, v)
			}
		case *lua.LTable, *lua.LNilType:
		default:
			t.Fatalf("os.date(%q, %v) returned a %s", format, when, v.Type())
		}
	})
}
