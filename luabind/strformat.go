package luabind

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// This file is string.format as Lua 5.1's lstrlib.c has it (gopher-lua's
// hands the format to Go's fmt, which spells many things differently).
// Lua 5.1 formats each item with C's sprintf; the code below reproduces
// what glibc prints on linux/amd64, including where C leaves the result
// undefined and the reference interpreter does something definite:
//
//   - Integer conversions cast the number to a C long (%d, %i) or unsigned
//     long (%o, %u, %x, %X) as gcc compiles the cast on amd64: NaN and values
//     beyond the range give the bit pattern 1<<63 (so %d of 2^63 or 0/0 is
//     -9223372036854775808), negative numbers wrap for the unsigned ones (%x
//     of -1 is ffffffffffffffff), and the unsigned cast takes values from 2^63
//     up to 2^64 exactly (%u of 2^64 or 1/0 is 0). %c casts to a C int the
//     same way, then prints the low byte.
//   - An item is cut at its first zero byte, as C strings are: %c of 0
//     prints only the padding before it, and %s of a string shorter than 100
//     bytes, or with a precision, stops at a zero byte. A longer %s without a
//     precision is copied whole, padding and all ignored, as in Lua.
//   - Numbers given to %s and %q are written as Lua 5.1's tostring does
//     (%.14g, so 1/3 is 0.33333333333333; gopher-lua's tostring differs);
//     non-finite numbers are inf, -inf, nan and -nan, by the sign bit.
//
// One difference remains: argument errors always count the format as #1 and
// name the function 'format'. Lua 5.1 reads the call site, so it says #1 for
// the first value of a method call, ("%d"):format("x"), and names a local
// alias by its own name.

// The flags of a conversion.
const (
	flagMinus = 1 << iota // left-justify
	flagPlus              // sign always
	flagSpace             // space for a positive sign
	flagHash              // alternate form
	flagZero              // pad with zeros
)

// formatSpec is one conversion: "%-5.2f" is flags flagMinus, width 5,
// precision 2, conv 'f'. Absent width and precision are -1.
type formatSpec struct {
	flags     int
	width     int
	precision int
	conv      byte
}

// The maximum flags, and digits of a width or precision, Lua 5.1 accepts.
const (
	maxFormatFlags  = 5
	maxFormatDigits = 2
)

// strFormat is string.format(format, ...). The result never grows past
// Limits.MaxStringSize: each piece is measured before it is added.
func (rt *Runtime) strFormat(L *lua.LState) int {
	format := formatStringArg(L, 1)
	scratch := formatScratch.Get().(*[]byte)
	out := cappedBuffer{buf: (*scratch)[:0], limit: rt.maxString()}
	defer func() { // after an error too: the buffer is ours until then
		if cap(out.buf) <= maxPooledFormatBuffer {
			*scratch = out.buf
			formatScratch.Put(scratch)
		}
	}()
	top, arg := L.GetTop(), 1
	for i := 0; i < len(format); {
		if format[i] != '%' {
			j := strings.IndexByte(format[i:], '%')
			if j < 0 {
				j = len(format) - i
			}
			out.appendRaw(L, format[i:i+j])
			i += j
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			out.appendRaw(L, "%")
			i++
			continue
		}
		// As in Lua, a missing argument is reported before a bad format.
		if arg++; arg > top {
			argError(L, arg, fnFormat, "no value")
		}
		spec, n := scanFormatSpec(L, format[i:])
		i += n
		switch spec.conv {
		case 'd', 'i':
			var item [64]byte
			out.appendPadded(L, spec, formatSigned(item[:0], spec, cLong(luaNumberArg(L, arg, fnFormat))))
		case 'o', 'u', 'x', 'X':
			var item [64]byte
			out.appendPadded(L, spec, formatUnsigned(item[:0], spec, cUnsignedLong(luaNumberArg(L, arg, fnFormat))))
		case 'e', 'E', 'f', 'g', 'G':
			// The longest item, %99.99f of -1e308, is 410 bytes.
			var item [448]byte
			out.appendPadded(L, spec, formatFloat(item[:0], spec, luaNumberArg(L, arg, fnFormat)))
		case 'c':
			out.appendChar(L, spec, byte(cInt(luaNumberArg(L, arg, fnFormat))))
		case 's':
			s := formatStringArg(L, arg)
			if spec.precision < 0 && len(s) >= 100 {
				out.appendRaw(L, s)
				break
			}
			out.appendString(L, spec, s)
		case 'q':
			out.appendQuoted(L, formatStringArg(L, arg))
		default:
			name := ""
			if spec.conv != 0 {
				name = string([]byte{spec.conv})
			}
			L.RaiseError("invalid option '%%%s' to 'format'", name)
		}
	}
	// Arguments past the last conversion are ignored, as in Lua.
	L.Push(lua.LString(out.buf))
	return 1
}

// formatScratch holds the buffers results are built in, which are then
// copied into a string of the exact size; the largest ones are let go.
var formatScratch = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

const maxPooledFormatBuffer = 64 << 10

// scanFormatSpec reads the conversion that follows a '%' as Lua 5.1 does,
// returning it and the bytes it took. Past the end of the format, the
// conversion character is 0, as C's terminating zero is.
func scanFormatSpec(L *lua.LState, s string) (formatSpec, int) {
	spec := formatSpec{width: -1, precision: -1}
	i := 0
	for ; i < len(s); i++ {
		f := strings.IndexByte("-+ #0", s[i])
		if f < 0 {
			break
		}
		spec.flags |= 1 << f
	}
	if i > maxFormatFlags {
		L.RaiseError("invalid format (repeated flags)")
	}
	number := func() int {
		n, digits := 0, 0
		for ; digits < maxFormatDigits && i < len(s) && isDigit(s[i]); i++ {
			n = n*10 + int(s[i]-'0')
			digits++
		}
		if digits == 0 {
			return -1
		}
		return n
	}
	spec.width = number()
	if i < len(s) && s[i] == '.' {
		i++
		if spec.precision = number(); spec.precision < 0 {
			spec.precision = 0 // "%.f" is precision 0, as in C
		}
	}
	if i < len(s) && isDigit(s[i]) {
		L.RaiseError("invalid format (width or precision too long)")
	}
	if i < len(s) {
		spec.conv = s[i]
		i++
	}
	return spec, i
}

// isDigit reports whether c is an ASCII decimal digit; the lexer passes ints.
func isDigit[C byte | int](c C) bool { return '0' <= c && c <= '9' }

// formatStringArg reads argument n as luaL_checklstring does: a string, or a
// number written as Lua 5.1 writes it. Nothing else converts (no
// __tostring).
func formatStringArg(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return lua51NumberString(float64(v))
	}
	typeError(L, n, fnFormat, "string")
	return ""
}

// lua51NumberString writes f as Lua 5.1's tostring does, with "%.14g".
func lua51NumberString(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e14 && (f != 0 || !math.Signbit(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	var buf [32]byte
	return string(formatFloat(buf[:0], formatSpec{width: -1, precision: 14, conv: 'g'}, f))
}

// The C casts of a double to integer types, as gcc compiles them for amd64
// (cvttsd2si): truncation, and for NaN or a value out of range the
// "integer indefinite" 1<<63 (1<<31 for an int).

func cLong(f float64) int64 {
	if f >= -0x1p63 && f < 0x1p63 {
		return int64(f)
	}
	return math.MinInt64
}

// cUnsignedLong takes values below 2^63 through the signed cast (so
// negative ones wrap) and those from 2^63 on by subtracting 2^63 first.
func cUnsignedLong(f float64) uint64 {
	if f >= 0x1p63 {
		return uint64(cLong(f-0x1p63)) ^ 1<<63
	}
	return uint64(cLong(f))
}

func cInt(f float64) int32 {
	if f > -0x1p31-1 && f < 0x1p31 {
		return int32(f)
	}
	return math.MinInt32
}

// formatSigned appends the sign and digits of %d (without the padding of
// the width, which appendPadded adds).
func formatSigned(dst []byte, spec formatSpec, v int64) []byte {
	magnitude := uint64(v)
	switch {
	case v < 0:
		dst = append(dst, '-')
		magnitude = -magnitude
	case spec.flags&flagPlus != 0:
		dst = append(dst, '+')
	case spec.flags&flagSpace != 0:
		dst = append(dst, ' ')
	}
	return appendDigits(dst, spec, magnitude, 10, false)
}

// formatUnsigned appends %o, %u, %x or %X of v, with the prefix '#' asks
// for; the sign flags do not apply.
func formatUnsigned(dst []byte, spec formatSpec, v uint64) []byte {
	switch spec.conv {
	case 'o':
		return appendDigits(dst, spec, v, 8, spec.flags&flagHash != 0)
	case 'x', 'X':
		if spec.flags&flagHash != 0 && v != 0 {
			dst = append(dst, '0', spec.conv)
		}
		return appendDigits(dst, spec, v, 16, false)
	}
	return appendDigits(dst, spec, v, 10, false)
}

// appendDigits appends v in base, at least precision digits (no digits at
// all for a zero with precision 0), starting with a 0 if leadingZero (%#o).
func appendDigits(dst []byte, spec formatSpec, v uint64, base int, leadingZero bool) []byte {
	var buf [64]byte
	digits := strconv.AppendUint(buf[:0], v, base)
	if spec.conv == 'X' {
		for i, c := range digits {
			if 'a' <= c && c <= 'f' {
				digits[i] = c - 'a' + 'A'
			}
		}
	}
	if v == 0 && spec.precision == 0 {
		digits = digits[:0]
	}
	zeros := spec.precision - len(digits)
	if leadingZero && zeros <= 0 && (len(digits) == 0 || digits[0] != '0') {
		zeros = 1
	}
	for ; zeros > 0; zeros-- {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}

// formatFloat appends %e, %E, %f, %g or %G of f as C's printf does, without
// the padding of the width. The digits are Go's, which like glibc's are the
// exact decimal value rounded half to even.
func formatFloat(dst []byte, spec formatSpec, f float64) []byte {
	upper := spec.conv == 'E' || spec.conv == 'G'
	switch {
	case math.Signbit(f):
		dst = append(dst, '-')
		f = -f
	case spec.flags&flagPlus != 0:
		dst = append(dst, '+')
	case spec.flags&flagSpace != 0:
		dst = append(dst, ' ')
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		word := "inf"
		if math.IsNaN(f) {
			word = "nan"
		}
		if upper {
			word = strings.ToUpper(word)
		}
		return append(dst, word...)
	}
	precision := spec.precision
	if precision < 0 {
		precision = 6
	}
	hash := spec.flags&flagHash != 0
	start := len(dst)
	switch spec.conv {
	case 'f':
		dst = strconv.AppendFloat(dst, f, 'f', precision, 64)
		if hash && precision == 0 {
			dst = append(dst, '.')
		}
	case 'e', 'E':
		dst = appendExponent(dst, f, precision, hash)
	default: // g, G
		if precision == 0 {
			precision = 1
		}
		// The exponent of f rounded to precision significant digits
		// chooses between the two styles, as C specifies.
		var buf [32]byte
		if exp := decimalExponent(strconv.AppendFloat(buf[:0], f, 'e', precision-1, 64)); exp >= -4 && exp < precision {
			dst = strconv.AppendFloat(dst, f, 'f', precision-1-exp, 64)
			if hash && precision-1-exp == 0 {
				dst = append(dst, '.')
			}
			if !hash {
				dst = dst[:trimFraction(dst, start, len(dst))]
			}
		} else if hash && exp == precision && exp <= 22 && f < math.Pow10(exp) {
			// glibc's quirk: when rounding carries a number below 10^P up
			// to 10^P, %#.Pg writes "1.e+P", no zeros after the point.
			// (Past 10^22, no double is close enough to a power of ten.)
			dst = appendExponent(dst, f, 0, true)
		} else {
			dst = appendExponent(dst, f, precision-1, hash)
			if !hash {
				mark := start + bytes.LastIndexByte(dst[start:], 'e')
				end := trimFraction(dst, start, mark)
				dst = dst[:end+copy(dst[end:], dst[mark:])]
			}
		}
	}
	if upper {
		for i := start; i < len(dst); i++ {
			if dst[i] == 'e' {
				dst[i] = 'E'
			}
		}
	}
	return dst
}

// appendExponent appends f in %e style: Go's, like C's, has an exponent of
// at least two digits; '#' keeps the point when no digits follow it.
func appendExponent(dst []byte, f float64, precision int, hash bool) []byte {
	dst = strconv.AppendFloat(dst, f, 'e', precision, 64)
	if hash && precision == 0 {
		mark := bytes.LastIndexByte(dst, 'e')
		dst = append(dst, 0)
		copy(dst[mark+1:], dst[mark:])
		dst[mark] = '.'
	}
	return dst
}

// decimalExponent reads the exponent of a number in %e style.
func decimalExponent(e []byte) int {
	i := bytes.LastIndexByte(e, 'e') + 1
	negative := e[i] == '-'
	exp := 0
	for _, c := range e[i+1:] {
		exp = exp*10 + int(c-'0')
	}
	if negative {
		return -exp
	}
	return exp
}

// trimFraction returns where the number in dst[start:end] ends once the
// trailing zeros of its fraction are dropped, and the point if nothing is
// left after it (%g without '#').
func trimFraction(dst []byte, start, end int) int {
	if bytes.IndexByte(dst[start:end], '.') < 0 {
		return end
	}
	for end > start && dst[end-1] == '0' {
		end--
	}
	if end > start && dst[end-1] == '.' {
		end--
	}
	return end
}

// cappedBuffer is string.format's result being built: no append makes it
// longer than limit, nor lets its capacity grow past limit.
type cappedBuffer struct {
	buf   []byte
	limit int
}

// reserve makes room for n more bytes, or raises "resulting string too
// large" if the result would outgrow the limit.
func (b *cappedBuffer) reserve(L *lua.LState, n int) {
	if n > b.limit-len(b.buf) {
		L.RaiseError(errTooLarge)
	}
	if n <= cap(b.buf)-len(b.buf) {
		return
	}
	size := max(2*cap(b.buf), len(b.buf)+n, 64)
	size = min(size, b.limit)
	grown := make([]byte, len(b.buf), size)
	copy(grown, b.buf)
	b.buf = grown
}

func (b *cappedBuffer) appendRaw(L *lua.LState, s string) {
	b.reserve(L, len(s))
	b.buf = append(b.buf, s...)
}

// appendPadded adds a numeric item, padded to the width: with spaces
// before it, spaces after it ('-'), or zeros after its sign and prefix ('0'
// without a precision for the integer conversions; never for inf and nan).
func (b *cappedBuffer) appendPadded(L *lua.LState, spec formatSpec, item []byte) {
	pad := spec.width - len(item)
	if pad <= 0 {
		b.reserve(L, len(item))
		b.buf = append(b.buf, item...)
		return
	}
	b.reserve(L, spec.width)
	switch {
	case spec.flags&flagMinus != 0:
		b.buf = append(b.buf, item...)
		b.buf = appendRepeated(b.buf, ' ', pad)
	case spec.flags&flagZero != 0 && zeroPadded(spec, item):
		prefix := 0
		for prefix < len(item) && strings.IndexByte("+- ", item[prefix]) >= 0 {
			prefix++
		}
		if prefix+1 < len(item) && item[prefix] == '0' && (item[prefix+1] == 'x' || item[prefix+1] == 'X') {
			prefix += 2
		}
		b.buf = append(b.buf, item[:prefix]...)
		b.buf = appendRepeated(b.buf, '0', pad)
		b.buf = append(b.buf, item[prefix:]...)
	default:
		b.buf = appendRepeated(b.buf, ' ', pad)
		b.buf = append(b.buf, item...)
	}
}

// zeroPadded reports whether the '0' flag applies to item: C ignores it for
// integers with a precision, and glibc for inf and nan.
func zeroPadded(spec formatSpec, item []byte) bool {
	switch spec.conv {
	case 'd', 'i', 'o', 'u', 'x', 'X':
		return spec.precision < 0
	}
	last := item[len(item)-1]
	return last != 'f' && last != 'F' && last != 'n' && last != 'N'
}

// appendChar adds %c of c, padded with spaces ('0' does not apply); a zero
// byte ends the item, as it ends sprintf's C string.
func (b *cappedBuffer) appendChar(L *lua.LState, spec formatSpec, c byte) {
	pad := max(spec.width-1, 0)
	switch {
	case spec.flags&flagMinus != 0 && c == 0:
	case spec.flags&flagMinus != 0:
		b.reserve(L, 1+pad)
		b.buf = append(b.buf, c)
		b.buf = appendRepeated(b.buf, ' ', pad)
	default:
		b.reserve(L, 1+pad)
		b.buf = appendRepeated(b.buf, ' ', pad)
		if c != 0 {
			b.buf = append(b.buf, c)
		}
	}
}

// appendString adds %s of s through sprintf: s ends at its first zero
// byte, is cut to the precision, and is padded with spaces to the width.
func (b *cappedBuffer) appendString(L *lua.LState, spec formatSpec, s string) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if spec.precision >= 0 && len(s) > spec.precision {
		s = s[:spec.precision]
	}
	pad := max(spec.width-len(s), 0)
	b.reserve(L, len(s)+pad)
	if spec.flags&flagMinus == 0 {
		b.buf = appendRepeated(b.buf, ' ', pad)
	}
	b.buf = append(b.buf, s...)
	if spec.flags&flagMinus != 0 {
		b.buf = appendRepeated(b.buf, ' ', pad)
	}
}

// appendQuoted adds %q of s as Lua 5.1 writes it, which both Lua 5.1 and
// gopher-lua read back as s: in double quotes, with '"', '\\' and newline
// escaped by a backslash, carriage return as \r and the zero byte as \000;
// every other byte as it is.
func (b *cappedBuffer) appendQuoted(L *lua.LState, s string) {
	size := len(s) + 2
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', '\\', '\n', '\r':
			size++
		case 0:
			size += 3
		}
	}
	b.reserve(L, size)
	b.buf = append(b.buf, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			b.buf = append(b.buf, '\\', c)
		case '\r':
			b.buf = append(b.buf, '\\', 'r')
		case 0:
			b.buf = append(b.buf, '\\', '0', '0', '0')
		default:
			b.buf = append(b.buf, c)
		}
	}
	b.buf = append(b.buf, '"')
}

func appendRepeated(dst []byte, c byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, c)
	}
	return dst
}

// stringToNumber converts s as Lua 5.1's lua_tonumber does (strtod in the C
// locale, then nothing but white space): "10", " 0x10 ", "1e3", ".5",
// "inf", "-nan". Like a C string, s ends at a zero byte.
func stringToNumber(s string) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimLeft(s, cSpace)
	n, f := scanStrtod(s)
	if n == 0 || strings.TrimLeft(s[n:], cSpace) != "" {
		return 0, false
	}
	return f, true
}

// cSpace is what C's isspace accepts in the C locale.
const cSpace = " \t\n\v\f\r"

// scanStrtod reads the longest prefix of s that C's strtod accepts (after
// its leading white space) and returns its length and value; 0 when none.
func scanStrtod(s string) (int, float64) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	negative := i > 0 && s[0] == '-'
	rest := strings.ToLower(s[i:min(len(s), i+8)])
	switch {
	case strings.HasPrefix(rest, "infinity"):
		return i + 8, math.Copysign(math.Inf(1), signOf(negative))
	case strings.HasPrefix(rest, "inf"):
		return i + 3, math.Copysign(math.Inf(1), signOf(negative))
	case strings.HasPrefix(rest, "nan"):
		i += 3
		if j := i + 1; i < len(s) && s[i] == '(' {
			for j < len(s) && (isDigit(s[j]) || s[j] == '_' || 'a' <= s[j]|0x20 && s[j]|0x20 <= 'z') {
				j++
			}
			if j < len(s) && s[j] == ')' {
				i = j + 1
			}
		}
		return i, math.Copysign(math.NaN(), signOf(negative))
	}
	hex := i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X')
	start := i
	digit, exponent := isDigit[byte], byte('e')
	if hex {
		i += 2
		digit, exponent = isHexDigit, 'p'
	}
	digits := 0
	for ; i < len(s) && digit(s[i]); i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && digit(s[i]); i++ {
			digits++
		}
	}
	if digits == 0 {
		if hex { // "0x" with no hex digits is the number 0, then an x
			return start + 1, math.Copysign(0, signOf(negative))
		}
		return 0, 0
	}
	end := i
	if i < len(s) && s[i]|0x20 == exponent {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			end = j
		}
	}
	text := s[:end]
	if hex && end == i {
		text += "p0" // Go's hexadecimal floats need the exponent C's may leave out
	}
	// Out of range, ParseFloat gives what strtod does (inf, or the nearest
	// denormal or zero) along with an error.
	f, _ := strconv.ParseFloat(text, 64)
	return end, f
}

func isHexDigit(c byte) bool {
	return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f'
}

func signOf(negative bool) float64 {
	if negative {
		return -1
	}
	return 1
}
