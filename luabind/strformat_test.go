package luabind

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// formatter runs loopscript's string.format on a Runtime of its own.
type formatter struct {
	L      *lua.LState
	format lua.LValue
}

func newFormatter(t testing.TB, maxString int) *formatter {
	t.Helper()
	L := lua.NewState()
	rt := Open(L, Config{Clock: reactor.NewVirtualClock(), Limits: Limits{MaxStringSize: maxString}})
	t.Cleanup(func() {
		rt.Close()
		L.Close()
	})
	return &formatter{L: L, format: L.GetField(L.GetGlobal("string"), "format")}
}

// position is the "file:line:" an error message starts with, and the space
// after it (which gopher-lua writes even without a position).
var position = regexp.MustCompile(`^([^:\n]*:\d+:)? `)

// outcome is what a call returned: its result, or its error's message
// without the position.
type outcome struct {
	result, err string
}

func (o outcome) String() string {
	if o.err != "" {
		return "error " + strconv.Quote(o.err)
	}
	return strconv.Quote(o.result)
}

// run calls fn with args (pushed onto the stack by the caller) under
// protection; a Go panic inside fails the test.
func (f *formatter) run(t testing.TB, nargs int) outcome {
	t.Helper()
	if err := f.L.PCall(nargs, 1, nil); err != nil {
		var apiErr *lua.ApiError
		if errors.As(err, &apiErr) && apiErr.Type == lua.ApiErrorPanic {
			t.Fatalf("Go panic: %v", err)
		}
		msg := err.Error()
		if apiErr != nil {
			msg = lua.LVAsString(apiErr.Object)
		}
		return outcome{err: position.ReplaceAllString(msg, "")}
	}
	v := f.L.Get(-1)
	f.L.Pop(1)
	s, ok := v.(lua.LString)
	if !ok {
		t.Fatalf("string.format returned a %s", v.Type())
	}
	return outcome{result: string(s)}
}

// call is string.format(args...).
func (f *formatter) call(t testing.TB, args ...lua.LValue) outcome {
	t.Helper()
	f.L.Push(f.format)
	for _, a := range args {
		f.L.Push(a)
	}
	return f.run(t, len(args))
}

// eval runs "return string.format(<args>)", args being Lua source.
func (f *formatter) eval(t testing.TB, args string) outcome {
	t.Helper()
	fn, err := f.L.LoadString("return string.format(" + args + ")")
	if err != nil {
		t.Fatalf("load %s: %v", args, err)
	}
	f.L.Push(fn)
	return f.run(t, 0)
}

// The expectations below are what lua5.1 (5.1.5, Debian, amd64) printed.
func TestStringFormatMatchesLua51(t *testing.T) {
	tests := []struct{ args, want string }{
		{`"%d", 42`, "42"},
		{`"%5d|%-5d|%05d", 42, 42, 42`, "   42|42   |00042"},
		{`"%+d % d %+ d", 5, 5, -5`, "+5  5 -5"},
		{`"%.3d|%.0d|%5.d|%05.1d", 7, 0, 0, 3`, "007||     |    3"},
		{`"%i", 3.99`, "3"},
		{`"%d", -3.99`, "-3"},
		{`"%d", "10"`, "10"},
		{`"%d", " 0x10 "`, "16"},
		{`"%d", "1e3"`, "1000"},
		{`"%d", 2^53`, "9007199254740992"},
		{`"%d", 2^63`, "-9223372036854775808"},
		{`"%d", -2^63`, "-9223372036854775808"},
		{`"%d", 1/0`, "-9223372036854775808"},
		{`"%d", 0/0`, "-9223372036854775808"},
		{`"%u", 5`, "5"},
		{`"%u", -1`, "18446744073709551615"},
		{`"%u", 2^63`, "9223372036854775808"},
		{`"%u", 2^64`, "0"},
		{`"%u", 1/0`, "0"},
		{`"%x|%X|%#x|%#X", 255, 255, 255, 255`, "ff|FF|0xff|0XFF"},
		{`"%x", -1`, "ffffffffffffffff"},
		{`"%#x|%#o|%#.0o|%.0x", 0, 0, 0, 0`, "0|0|0|"},
		{`"%o|%#o|%#5o|%-#8x|%#08x", 8, 8, 8, 255, 255`, "10|010|  010|0xff    |0x0000ff"},
		{`"%+u|% x", 5, 255`, "5|ff"},
		{`"%c", 65`, "A"},
		{`"%c", 300`, ","},
		{`"%c", -1`, "\xff"},
		{`"%c%c%c", 76, 117, 97`, "Lua"},
		{`"[%5c][%-5c]", 65, 65`, "[    A][A    ]"},
		{`"[%5c][%-5c][%c]", 0, 0, 0`, "[    ][][]"},
		{`"%05c|%.3c", 65, 65`, "    A|A"},
		{`"%f", 3.14159`, "3.141590"},
		{`"%5.2f", 3.14159`, " 3.14"},
		{`"%5.2f", 1/0`, "  inf"},
		{`"%5.2f", -1/0`, " -inf"},
		{`"%5.2f|%-6f|%06.1f", 0/0, 0/0, -(0/0)`, " -nan|-nan  |   nan"},
		{`"%05.1f|%+f|% e|%G", 1/0, 1/0, -1/0, 0/0`, "  inf|+inf|-inf|-NAN"},
		{`"%.0f %.0f %.0f %.0f", 0.5, 1.5, 2.5, 3.5`, "0 2 2 4"},
		{`"%#.0f|%#.0e|%#g|%#.3g|%#G", 1, 1, 1, 0, 1e-10`, "1.|1.e+00|1.00000|0.00|1.00000E-10"},
		{`"%e", 0`, "0.000000e+00"},
		// glibc drops the zeros %#g keeps when rounding carries into the
		// next power of ten and so into the exponent style.
		{`"%#.2g|%#.3g|%#g|%#010.3g|%#.2g|%#.22g", 99.5, 999.5, 999999.5, 999.9, 995, 1e22`, "1.e+02|1.e+03|1.e+06|00001.e+03|1.0e+03|1.000000000000000000000e+22"},
		{`"%e|%E|%.2e|%.0e", 12345.678, 12345.678, 1e100, 5e-324`, "1.234568e+04|1.234568E+04|1.00e+100|5e-324"},
		{`"%g|%g|%g|%g|%g|%g", 100000, 1e6, 1e-5, 0.0001, 123456789, 0.1`, "100000|1e+06|1e-05|0.0001|1.23457e+08|0.1"},
		{`"%g|%G|%.0g|%.1g|%.20g", 1/3, 1e-10, 0, 15, 0.1`, "0.333333|1E-10|0|2e+01|0.10000000000000000555"},
		{`"%.3g|%.10g|%g", 2^63, 2^63, -2^63`, "9.22e+18|9.223372037e+18|-9.22337e+18"},
		{`"%010.3f|%-10.3e|%+.2g", -3.14159, 2.5, 99.5`, "-00003.142|2.500e+00 |+1e+02"},
		{`"%.99f", 1/3`, "0.333333333333333314829616256247390992939472198486328125000000000000000000000000000000000000000000000"},
		{`"%99.99f", -1e308`, "-100000000000000001097906362944045541740492309677311846336810682903157585404911491537163328978494688899061249669721172515611590283743140088328307009198146046031271664502933027185697489699588559043338384466165001178426897626212945177628091195786707458122783970171784415105291802893207873272974885715430223118336.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
		{`"%f", "0x1p4"`, "16.000000"},
		{`"%f|%f", "inf", " -nan "`, "inf|-nan"},
		{`"%.3f", " 5. "`, "5.000"},
		{`"%s", "hello"`, "hello"},
		{`"%10s|%-10s|%.2s|%5.1s", "abc", "abc", "abc", "abc"`, "       abc|abc       |ab|    a"},
		{`"%s", 1/3`, "0.33333333333333"},
		{`"%s|%s|%s|%s", 1e15, 2^53, -0.0, 1e100`, "1e+15|9.007199254741e+15|-0|1e+100"},
		{`"%s", 0/0`, "-nan"},
		{`"%5s|%s", "a\0b", "x\0y"`, "    a|x"},
		{`"%05s", "ab"`, "   ab"},
		{`"%s %s", "a", "b", "extra"`, "a b"},
		{`"%q", "a\0b\r\n\"\\\1\255z"`, "\"a\\000b\\r\\\n\\\"\\\\\x01\xffz\""},
		{`"%q", 1/3`, "\"0.33333333333333\""},
		{`"%-10.3q", "a"`, "\"a\""},
		{`"%q", "\0001"`, "\"\\0001\""},
		{`12`, "12"},
		{`"%-----d", 1`, "1"},
		{`"no conversions"`, "no conversions"},
		{`"%s %%s %s", "a", "b"`, "a %s b"},
		// A string of 100 bytes or more without a precision is copied
		// whole, zero bytes and all, the width ignored.
		{`"%5s", ("x"):rep(99) .. "\0"`, strings.Repeat("x", 99) + "\x00"},
		{`"%99s|", ("x"):rep(99) .. "\0y"`, strings.Repeat("x", 99) + "\x00y|"},
		{`"%.99s|", ("x"):rep(120) .. "\0y"`, strings.Repeat("x", 99) + "|"},
		{`"%-99s|", ("x"):rep(99)`, strings.Repeat("x", 99) + "|"},
	}
	f := newFormatter(t, 0)
	for _, tt := range tests {
		if got := f.eval(t, tt.args); got != (outcome{result: tt.want}) {
			t.Errorf("string.format(%s) = %v, want %q", tt.args, got, tt.want)
		}
	}
}

// The messages below are lua5.1's, which names the function 'format' when
// called as string.format (and counts from the format even for a method
// call, unlike Lua: see strformat.go).
func TestStringFormatErrors(t *testing.T) {
	tests := []struct{ args, want string }{
		{`"%d", "x"`, "bad argument #2 to 'format' (number expected, got string)"},
		{`"%s", nil`, "bad argument #2 to 'format' (string expected, got nil)"},
		{`"%s", {}`, "bad argument #2 to 'format' (string expected, got table)"},
		{`"%s", setmetatable({}, {__tostring = function() return "t" end})`, "bad argument #2 to 'format' (string expected, got table)"},
		{`"%q", {}`, "bad argument #2 to 'format' (string expected, got table)"},
		{`"%d", true`, "bad argument #2 to 'format' (number expected, got boolean)"},
		{`"%c", nil`, "bad argument #2 to 'format' (number expected, got nil)"},
		{`"%y", 1`, "invalid option '%y' to 'format'"},
		{`"%y"`, "bad argument #2 to 'format' (no value)"},
		{`"%d %d", 1`, "bad argument #3 to 'format' (no value)"},
		{`"%%|%5%%"`, "bad argument #2 to 'format' (no value)"},
		{`"%", 1`, "invalid option '%' to 'format'"},
		{`"%5\0", 1`, "invalid option '%' to 'format'"},
		{`"%------d", 1`, "invalid format (repeated flags)"},
		{`"%123d", 1`, "invalid format (width or precision too long)"},
		{`"%1.123f", 1`, "invalid format (width or precision too long)"},
		{`"%.100f", 1`, "invalid format (width or precision too long)"},
		{`"%v", 1`, "invalid option '%v' to 'format'"},
		{`"%*d", 1, 2`, "invalid option '%*' to 'format'"},
		{`"%[2]d", 1`, "invalid option '%[' to 'format'"},
		{`"%a", 1`, "invalid option '%a' to 'format'"},
		{`"%5%", 1`, "invalid option '%%' to 'format'"},
		{`"%ld", 1`, "invalid option '%l' to 'format'"},
		{`"%\255", 1`, "invalid option '%\xff' to 'format'"},
		{`{}`, "bad argument #1 to 'format' (string expected, got table)"},
		{``, "bad argument #1 to 'format' (string expected, got no value)"},
		{`"%f", "0x"`, "bad argument #2 to 'format' (number expected, got string)"},
		{`"%d", ""`, "bad argument #2 to 'format' (number expected, got string)"},
		{`"%d", "1 2"`, "bad argument #2 to 'format' (number expected, got string)"},
		{`"%d", "1e"`, "bad argument #2 to 'format' (number expected, got string)"},
		{`"%f", "1x"`, "bad argument #2 to 'format' (number expected, got string)"},
	}
	f := newFormatter(t, 0)
	for _, tt := range tests {
		if got := f.eval(t, tt.args); got != (outcome{err: tt.want}) {
			t.Errorf("string.format(%s) = %v, want error %q", tt.args, got, tt.want)
		}
	}
}

// TestStringFormatSizeCap: results up to the cap are built, one byte more
// is refused, for every kind of piece a result is made of.
func TestStringFormatSizeCap(t *testing.T) {
	const limit = 1000
	f := newFormatter(t, limit)
	tests := []struct {
		name   string
		format string
		arg    lua.LValue
		size   int // of the result for arg, which must fit
	}{
		{"literal", strings.Repeat("x", limit-1) + "%s", lua.LString("y"), limit},
		{"long %s", "%s", lua.LString(strings.Repeat("y", limit)), limit},
		{"padded %s", strings.Repeat("x", limit-99) + "%99s", lua.LString("y"), limit},
		{"%q", "%q", lua.LString(strings.Repeat("\n", limit/2-1)), limit},
		{"%f", strings.Repeat("x", limit-10) + "%10f", lua.LNumber(1), limit},
		{"%c", strings.Repeat("x", limit-5) + "%5c", lua.LNumber(65), limit},
		{"%d", strings.Repeat("x", limit-3) + "%3d", lua.LNumber(1), limit},
	}
	for _, tt := range tests {
		got := f.call(t, lua.LString(tt.format), tt.arg)
		if got.err != "" || len(got.result) != tt.size {
			t.Errorf("%s: %d bytes gave %v", tt.name, tt.size, got)
		}
		got = f.call(t, lua.LString("-"+tt.format), tt.arg)
		if got.err != errTooLarge {
			t.Errorf("%s: %d bytes gave %v, want error %q", tt.name, tt.size+1, got, errTooLarge)
		}
	}
}

// TestCappedBufferNeverOutgrowsTheLimit: the buffer's capacity stays within
// the limit however the appends come, so a refused result was never
// allocated.
func TestCappedBufferNeverOutgrowsTheLimit(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	for _, limit := range []int{1, 100, 1000, 4096} {
		for _, step := range []int{1, 7, 64, 999} {
			b := cappedBuffer{limit: limit}
			for len(b.buf)+step <= limit {
				b.appendRaw(L, strings.Repeat("x", step))
				if cap(b.buf) > limit {
					t.Fatalf("limit %d, appends of %d: capacity %d at length %d", limit, step, cap(b.buf), len(b.buf))
				}
			}
		}
	}
}

// quotedLoadsBack reports whether %q of s, loaded back by loopscript's
// loadstring, gives s.
func (f *formatter) quotedLoadsBack(t testing.TB, s string) bool {
	t.Helper()
	q := f.call(t, lua.LString("%q"), lua.LString(s))
	if q.err != "" {
		t.Fatalf("%%q of %q: %s", s, q.err)
	}
	f.L.Push(f.L.GetGlobal("loadstring"))
	f.L.Push(lua.LString("return " + q.result))
	f.L.Call(1, 2)
	fn, msg := f.L.Get(-2), f.L.Get(-1)
	f.L.Pop(2)
	if fn == lua.LNil {
		t.Errorf("%%q of %q gave %q, which does not load: %v", s, q.result, msg)
		return false
	}
	f.L.Push(fn)
	f.L.Call(0, 1)
	back := f.L.Get(-1)
	f.L.Pop(1)
	return back == lua.LString(s)
}

// quoteCases are every byte alone, every byte after a newline and before
// a digit (which a \ddd escape could swallow), all bytes in a row, and
// random byte strings.
func quoteCases() []string {
	var cases []string
	all := make([]byte, 256)
	for b := range 256 {
		all[b] = byte(b)
		cases = append(cases, string([]byte{byte(b)}), string([]byte{'\n', byte(b), '1'}))
	}
	cases = append(cases, string(all), "\r\n", "\n\r", "\\\n", "\\\r", "", `\000`)
	rng := rand.New(rand.NewSource(1))
	for range 500 {
		s := make([]byte, rng.Intn(40))
		for i := range s {
			s[i] = byte(rng.Intn(256))
			if rng.Intn(2) == 0 { // favour the bytes %q treats specially
				s[i] = "\x00\n\r\"\\0"[rng.Intn(6)]
			}
		}
		cases = append(cases, string(s))
	}
	return cases
}

func TestStringFormatQuotedLoadsBack(t *testing.T) {
	f := newFormatter(t, 0)
	for _, s := range quoteCases() {
		if !f.quotedLoadsBack(t, s) {
			t.Errorf("%%q of %q does not load back as itself", s)
		}
	}
}

// TestStringFormatQuotedLoadsBackInLua51: what loopscript's %q writes, Lua
// 5.1 reads back as the same string too.
func TestStringFormatQuotedLoadsBackInLua51(t *testing.T) {
	lua51 := findLua51(t)
	f := newFormatter(t, 0)
	cases := quoteCases()
	var data strings.Builder
	for _, s := range cases {
		q := f.call(t, lua.LString("%q"), lua.LString(s))
		fmt.Fprintf(&data, "%x %x\n", q.result, s)
	}
	out := runLua51(t, lua51, `
		local function unhex(h) return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end)) end
		for line in io.lines(arg[1]) do
			local q, s = line:match("^(%x*) (%x*)$")
			local fn = loadstring("return " .. unhex(q))
			io.write(tostring(fn ~= nil and fn() == unhex(s)), "\n")
		end`, data.String())
	for i, line := range out {
		if line != "true" {
			t.Errorf("lua5.1 does not read %%q of %q back", cases[i])
		}
	}
}

func findLua51(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("lua5.1")
	if err != nil {
		t.Skip("lua5.1 is not installed: no reference to compare with")
	}
	return path
}

// runLua51 runs script with lua5.1, giving it a file holding data as
// arg[1], and returns its output lines.
func runLua51(t *testing.T, lua51, script, data string) []string {
	t.Helper()
	dir := t.TempDir()
	scriptPath, dataPath := filepath.Join(dir, "script.lua"), filepath.Join(dir, "data")
	if err := os.WriteFile(scriptPath, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dataPath, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(lua51, scriptPath, dataPath).Output()
	if err != nil {
		t.Fatalf("lua5.1: %v", err)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if n := strings.Count(data, "\n"); len(lines) != n {
		t.Fatalf("lua5.1 answered %d lines for %d cases", len(lines), n)
	}
	return lines
}

// formatCase is one generated call, string.format(format, value) or
// string.format(format) when kind is '-'. The value is a number (kind 'n',
// text as strtod reads it), a string ('s'), nil ('z'), true ('b') or a
// table ('t').
type formatCase struct {
	format string
	kind   byte
	text   string
}

func (c formatCase) value() lua.LValue {
	switch c.kind {
	case 'n':
		f, ok := stringToNumber(c.text)
		if !ok {
			panic("bad number in a generated case: " + c.text)
		}
		return lua.LNumber(f)
	case 's':
		return lua.LString(c.text)
	case 'b':
		return lua.LTrue
	case 't':
		return &lua.LTable{}
	}
	return lua.LNil
}

// genFormatCases makes n calls, mostly valid ones, over the corners of each
// conversion: every flag, widths and precisions up to two digits, numbers
// at the limits of the C casts, non-finite numbers, numeric strings, and
// strings with zero bytes; some are errors of every kind.
func genFormatCases(rng *rand.Rand, n int) []formatCase {
	numbers := []float64{0, math.Copysign(0, -1), 1, -1, 7, 42, 65, 255, 256, 300, -300, 0.5, 1.5, 2.5, -2.5,
		0.1, 1.0 / 3, 2.0 / 3, 123.456, 99.5, 9.9999995, 1e-5, 0.0001, 1e-10, 5e-324, 2.2250738585072014e-308,
		1e15, 1e17, 123456789, 1e100, 1e300, 1.7976931348623157e308, -1e308, 0x1p31, -0x1p31, 0x1p31 - 1, -0x1p31 - 1,
		0x1p53, 0x1p63, -0x1p63, 0x1p63 - 1024, 0x1p64, -0x1p64, 1.5 * 0x1p63, 0x1p65,
		math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(math.NaN(), -1)}
	numericStrings := []string{"10", " 0x10 ", "0X1F", "1e3", " -7 ", ".5", "5.", "inf", "-Infinity", "nan",
		"-nan", "nan(12)", "0x1p4", "0x.8", "1e400", "1e-400", "\t12\n", "12\x00junk",
		"", "x", "0x", "1e", "1x", "1 2", "--1", "0x1p", "infinit", "nan(", "- 1", "1_0"}
	const flags = "-+ #0"
	conversions := "diouxXceEfgGqs"
	var cases []formatCase
	for len(cases) < n {
		var spec strings.Builder
		spec.WriteByte('%')
		nflags := rng.Intn(4)
		if rng.Intn(40) == 0 {
			nflags = 5 + rng.Intn(2)
		}
		for range nflags {
			spec.WriteByte(flags[rng.Intn(len(flags))])
		}
		writeDigits := func() {
			switch rng.Intn(6) {
			case 0, 1:
			case 2, 3:
				spec.WriteByte(byte('0' + rng.Intn(10)))
			case 4:
				fmt.Fprintf(&spec, "%d", 10+rng.Intn(90))
			case 5:
				if rng.Intn(10) == 0 {
					fmt.Fprintf(&spec, "%d", 100+rng.Intn(900))
				} else {
					fmt.Fprintf(&spec, "%02d", rng.Intn(100))
				}
			}
		}
		writeDigits()
		if rng.Intn(2) == 0 {
			spec.WriteByte('.')
			writeDigits()
		}
		if rng.Intn(60) == 0 {
			spec.WriteByte("yaln*%\x00"[rng.Intn(7)])
		} else {
			spec.WriteByte(conversions[rng.Intn(len(conversions))])
		}
		format := spec.String()
		switch rng.Intn(8) {
		case 0:
			format = "<" + format + ">"
		case 1:
			format = "%% " + format + " %%"
		}
		c := formatCase{format: format, kind: 'n'}
		switch r := rng.Intn(20); {
		case r < 7:
			c.text = strtodText(numbers[rng.Intn(len(numbers))])
		case r < 10:
			c.text = strtodText(math.Float64frombits(rng.Uint64()))
		case r < 11:
			c.text = strconv.Itoa(rng.Intn(1<<20) - 1<<19)
		case r < 12:
			// Decimals that end in 5 or in a run of 9s: ties and carries
			// when rounded to fewer digits.
			digits := strconv.Itoa(1 + rng.Intn(1e6))
			if rng.Intn(2) == 0 {
				digits = strings.Repeat("9", 1+rng.Intn(17))
			}
			c.text = fmt.Sprintf("%s5e%d", digits, rng.Intn(40)-20)
		case r < 14:
			c.kind, c.text = 's', numericStrings[rng.Intn(len(numericStrings))]
		case r < 18:
			b := make([]byte, []int{0, 1, 5, 20, 99, 100, 150}[rng.Intn(7)])
			for i := range b {
				b[i] = byte(32 + rng.Intn(95))
				if rng.Intn(30) == 0 {
					b[i] = byte(rng.Intn(256))
				}
			}
			c.kind, c.text = 's', string(b)
		default:
			c.kind = "zbt-"[rng.Intn(4)]
		}
		cases = append(cases, c)
	}
	return cases
}

// strtodText writes f so that C's strtod reads it back exactly, sign of NaN
// included.
func strtodText(f float64) string {
	if math.IsNaN(f) {
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', -1, 64) // "+Inf" and "-Inf" too
}

// TestStringFormatDifferential runs thousands of generated calls through
// lua5.1 and through loopscript's string.format and compares the results
// and the error messages, byte for byte.
func TestStringFormatDifferential(t *testing.T) {
	lua51 := findLua51(t)
	cases := genFormatCases(rand.New(rand.NewSource(51)), 5000)
	var data strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&data, "%x %c %x\n", c.format, c.kind, c.text)
	}
	out := runLua51(t, lua51, `
		local function unhex(h) return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end)) end
		local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
		local values = {s = function(v) return v end, n = tonumber, z = function() return nil end,
			b = function() return true end, t = function() return {} end}
		for line in io.lines(arg[1]) do
			local f, kind, text = line:match("^(%x*) (.) (%x*)$")
			f, text = unhex(f), unhex(text)
			local ok, r
			if kind == "-" then
				ok, r = pcall(function() return string.format(f) end)
			else
				local v = values[kind](text)
				ok, r = pcall(function() return string.format(f, v) end)
			end
			if ok then
				io.write("ok ", hex(r), "\n")
			else
				io.write("error ", hex((r:gsub("^[^:]*:%d+: ", ""))), "\n")
			end
		end`, data.String())
	f := newFormatter(t, 0)
	failures := 0
	for i, c := range cases {
		kind, hexText, _ := strings.Cut(out[i], " ")
		text, err := hex.DecodeString(hexText)
		if err != nil {
			t.Fatalf("lua5.1 answered %q", out[i])
		}
		want := outcome{result: string(text)}
		if kind == "error" {
			want = outcome{err: string(text)}
		}
		var got outcome
		if c.kind == '-' {
			got = f.call(t, lua.LString(c.format))
		} else {
			got = f.call(t, lua.LString(c.format), c.value())
		}
		if got != want {
			t.Errorf("string.format(%q, %c %q) = %v, lua5.1 gives %v", c.format, c.kind, c.text, got, want)
			if failures++; failures == 30 {
				t.Fatal("too many differences")
			}
		}
	}
}

// FuzzStringFormat: no format and value make string.format panic or build a
// result over the cap, and %q of any string loads back as that string.
func FuzzStringFormat(f *testing.F) {
	for _, seed := range []struct {
		format, s string
		n         float64
	}{
		{"%d", "10", 42}, {"%5.2f|%q", "a\x00\n", math.Inf(1)}, {"%-#08x %c", " 0x10 ", -1},
		{"%99.99f%99.99f", "", -1e308}, {"%.3s%%%g", "abc\x00d", math.NaN()}, {"%", "", 0},
		{"%------d", "1", 1}, {"%123d", "", 2}, {"%s%s%s%s", strings.Repeat("x", 300), 1e300},
	} {
		f.Add(seed.format, seed.s, seed.n)
	}
	const limit = 4096
	fm := newFormatter(f, limit) // one state for all inputs: a new one per input is most of the time
	f.Fuzz(func(t *testing.T, format, s string, n float64) {
		for _, args := range [][]lua.LValue{
			{lua.LString(format), lua.LString(s), lua.LNumber(n)},
			{lua.LString(format), lua.LNumber(n), lua.LString(s)},
			{lua.LString(format), lua.LString(s), lua.LString(s), lua.LString(s)},
		} {
			got := fm.call(t, args...)
			if len(got.result) > limit {
				t.Fatalf("string.format(%q, ...) built %d bytes, over the cap of %d", format, len(got.result), limit)
			}
		}
		if len(s) < limit/2-1 && !fm.quotedLoadsBack(t, s) {
			t.Fatalf("%%q of %q does not load back", s)
		}
	})
}

// BenchmarkStringFormat compares loopscript's string.format with
// gopher-lua's (which hands the format to Go's fmt), from a Lua loop.
func BenchmarkStringFormat(b *testing.B) {
	cases := []struct{ name, format, arg string }{
		{"d", "%d", "i"},
		{"5.2f", "%5.2f", "i / 7"},
		{"s", "%s", `"hello, world"`},
		{"q", "%q", `"a \"quoted\"\nline\0"`},
	}
	for _, impl := range []string{"loopscript", "gopher-lua"} {
		for _, c := range cases {
			b.Run(impl+"/"+c.name, func(b *testing.B) {
				L := lua.NewState()
				defer L.Close()
				if impl == "loopscript" {
					rt := Open(L, Config{Clock: reactor.NewVirtualClock()})
					defer rt.Close()
				}
				fn, err := L.LoadString(`local format, N = string.format, N
					for i = 1, N do local s = format("` + c.format + `", ` + c.arg + `) end`)
				if err != nil {
					b.Fatal(err)
				}
				L.SetGlobal("N", lua.LNumber(b.N))
				b.ReportAllocs()
				b.ResetTimer()
				L.Push(fn)
				if err := L.PCall(0, 0, nil); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
