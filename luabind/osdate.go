package luabind

import (
	"math"
	"strconv"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1's os.date, os.time and os.difftime (loslib.c), in place of
// gopher-lua's, whose strftime named every Thursday "mon", wrote %x as
// 00/00/00 and knew no %j or %U, and whose os.time made up a missing day.
// os.date hands each conversion to C's strftime one at a time, so the
// conversions are glibc's in the C locale, and anything else after a % (a
// modifier such as %E, a flag, an unknown letter) is written as it stands.
// Local time is Go's time.Local, which reads TZ and /etc/localtime as C's
// localtime does.

var (
	fnDate     = fname{name: "date"}
	fnTime     = fname{name: "time"}
	fnDifftime = fname{name: "difftime"}
)

// installOSTime puts Lua 5.1's date, time and difftime in the os library,
// where the sandbox left them.
func (rt *Runtime) installOSTime() {
	L := rt.L
	osLib, ok := L.GetGlobal("os").(*lua.LTable)
	if !ok {
		return
	}
	for name, fn := range map[string]lua.LGFunction{"date": osDate, "time": osTime, "difftime": osDifftime} {
		if osLib.RawGetString(name) != lua.LNil {
			osLib.RawSetString(name, L.NewFunction(fn))
		}
	}
}

func osDate(L *lua.LState) int {
	format := "%c"
	if L.Get(1) != lua.LNil {
		format = checkStringArg(L, 1, fnDate)
	}
	var t time.Time
	if L.Get(2) == lua.LNil {
		t = time.Now()
	} else {
		t = time.Unix(cLong(luaNumberArg(L, 2, fnDate)), 0) // (time_t) of the number
	}
	utc := len(format) > 0 && format[0] == '!'
	if utc {
		format = format[1:]
		t = t.UTC()
	} else {
		t = t.Local()
	}
	if year := int64(t.Year()) - 1900; year > math.MaxInt32 || year < math.MinInt32 {
		L.Push(lua.LNil) // beyond struct tm: gmtime and localtime fail
		return 1
	}
	if format == "*t" {
		tbl := L.CreateTable(0, 9)
		for _, f := range []struct {
			name  string
			value int
		}{
			{"sec", t.Second()}, {"min", t.Minute()}, {"hour", t.Hour()}, {"day", t.Day()},
			{"month", int(t.Month())}, {"year", t.Year()}, {"wday", int(t.Weekday()) + 1}, {"yday", t.YearDay()},
		} {
			tbl.RawSetString(f.name, lua.LNumber(f.value))
		}
		tbl.RawSetString("isdst", lua.LBool(!utc && t.IsDST()))
		L.Push(tbl)
		return 1
	}
	out := make([]byte, 0, len(format)+16)
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			out = append(out, format[i])
			continue
		}
		i++
		out = strftime(out, format[i], t, utc)
	}
	L.Push(lua.LString(out))
	return 1
}

var (
	weekdayNames = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames   = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
)

// strftime appends glibc's strftime of the one conversion %c of t, in the
// C locale; utc is gmtime's time, whose zone is "GMT".
func strftime(out []byte, c byte, t time.Time, utc bool) []byte {
	num := func(n, width int, pad byte) []byte {
		s := strconv.Itoa(n)
		for i := len(s); i < width; i++ {
			out = append(out, pad)
		}
		return append(out, s...)
	}
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	wday, yday := int(t.Weekday()), t.YearDay()-1
	switch c {
	case 'a':
		return append(out, weekdayNames[wday][:3]...)
	case 'A':
		return append(out, weekdayNames[wday]...)
	case 'b', 'h':
		return append(out, monthNames[t.Month()-1][:3]...)
	case 'B':
		return append(out, monthNames[t.Month()-1]...)
	case 'c':
		return composite(out, t, utc, "a b e T Y")
	case 'C':
		return num(floorDiv(t.Year(), 100), 2, '0')
	case 'd':
		return num(t.Day(), 2, '0')
	case 'D', 'x':
		return composite(out, t, utc, "m/d/y")
	case 'e':
		return num(t.Day(), 2, ' ')
	case 'F':
		return composite(out, t, utc, "Y-m-d")
	case 'g':
		year, _ := t.ISOWeek()
		return num(floorMod(year, 100), 2, '0')
	case 'G':
		year, _ := t.ISOWeek()
		return num(year, 1, '0')
	case 'H':
		return num(t.Hour(), 2, '0')
	case 'I':
		return num(hour12, 2, '0')
	case 'j':
		return num(yday+1, 3, '0')
	case 'k':
		return num(t.Hour(), 2, ' ')
	case 'l':
		return num(hour12, 2, ' ')
	case 'm':
		return num(int(t.Month()), 2, '0')
	case 'M':
		return num(t.Minute(), 2, '0')
	case 'n':
		return append(out, '\n')
	case 'p':
		if t.Hour() < 12 {
			return append(out, "AM"...)
		}
		return append(out, "PM"...)
	case 'P':
		if t.Hour() < 12 {
			return append(out, "am"...)
		}
		return append(out, "pm"...)
	case 'r':
		return composite(out, t, utc, "I:M:S p")
	case 'R':
		return composite(out, t, utc, "H:M")
	case 's': // glibc's is mktime of the fields, read as local time even from gmtime
		local := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.Local)
		return strconv.AppendInt(out, local.Unix(), 10)
	case 'S':
		return num(t.Second(), 2, '0')
	case 't':
		return append(out, '\t')
	case 'T', 'X':
		return composite(out, t, utc, "H:M:S")
	case 'u':
		if wday == 0 {
			return append(out, '7')
		}
		return num(wday, 1, '0')
	case 'U':
		return num((yday+7-wday)/7, 2, '0')
	case 'V':
		_, week := t.ISOWeek()
		return num(week, 2, '0')
	case 'w':
		return num(wday, 1, '0')
	case 'W':
		return num((yday+7-(wday+6)%7)/7, 2, '0')
	case 'y':
		return num(floorMod(t.Year(), 100), 2, '0')
	case 'Y':
		return num(t.Year(), 1, '0')
	case 'z':
		_, offset := t.Zone()
		sign := byte('+')
		if offset < 0 {
			sign, offset = '-', -offset
		}
		out = append(out, sign)
		return num(offset/3600*100+offset%3600/60, 4, '0')
	case 'Z':
		if utc {
			return append(out, "GMT"...)
		}
		name, _ := t.Zone()
		return append(out, name...)
	case '%':
		return append(out, '%')
	}
	return append(out, '%', c) // glibc writes what it does not know as it stands
}

// composite appends the conversions that stand for several: each letter of
// spec is a conversion, anything else is written as it is.
func composite(out []byte, t time.Time, utc bool, spec string) []byte {
	for i := 0; i < len(spec); i++ {
		if c := spec[i]; c >= 'A' && c <= 'z' {
			out = strftime(out, c, t, utc)
		} else {
			out = append(out, c)
		}
	}
	return out
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

func osTime(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		L.Push(lua.LNumber(time.Now().Unix()))
		return 1
	}
	tbl := tableArg(L, 1, fnTime)
	field := func(key string, def int) int {
		v := L.GetField(tbl, key)
		switch n := v.(type) {
		case lua.LNumber:
			return int(int32(cLong(float64(n)))) // (int)lua_tointeger
		case lua.LString:
			if f, ok := stringNumber(string(n)); ok {
				return int(int32(cLong(f)))
			}
		}
		if def < 0 {
			L.RaiseError("field '%s' missing in date table", key)
		}
		return def
	}
	sec, min, hour := field("sec", 0), field("min", 0), field("hour", 12)
	day, month, year := field("day", -1), field("month", -1), field("year", -1)
	t := time.Date(year, time.Month(month), day, hour, min, sec, 0, time.Local)
	L.Push(lua.LNumber(t.Unix()))
	return 1
}

func osDifftime(L *lua.LState) int {
	t2 := cLong(luaNumberArg(L, 1, fnDifftime))
	var t1 int64
	if L.Get(2) != lua.LNil {
		t1 = cLong(luaNumberArg(L, 2, fnDifftime))
	}
	L.Push(lua.LNumber(float64(t2) - float64(t1)))
	return 1
}
