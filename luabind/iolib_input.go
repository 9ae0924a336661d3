package luabind

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// With Config.Stdin set, io.stdin reads from it instead of the process's
// standard input, and so do the functions that read the default input
// (io.read, io.lines without a file name) until io.input chooses a file.
// The formats are Lua 5.1's: "*l" (the default), "*n", "*a" and a byte
// count, with Lua's results: a format that fails gives nil and ends the
// list. Reading blocks the loop as it does in Lua. Without Config.Stdin
// the io library keeps gopher-lua's reading of the process's own stdin.

// inStream is io.stdin over Config.Stdin: a file that only reads.
type inStream struct {
	r *bufio.Reader
}

var (
	fnIoRead     = fname{name: "read"}
	fnFileRead   = fname{name: "read"}
	fnIoLines    = fname{name: "lines"}
	fnIoInput    = fname{name: "input"}
	fnStdinLines = fname{name: "lines"}
)

// inputLib is the state of the rebound reading functions.
type inputLib struct {
	stdin *lua.LUserData
	// in is the default input: io.stdin, or what io.input chose.
	in lua.LValue
	// gopher-lua's own io.input and io.lines, for its files and names.
	input, lines lua.LValue
}

// replaceInput installs io.stdin over r in mod, the io library, and
// rebinds io.read, io.lines and io.input to know it.
func (rt *Runtime) replaceInput(mod *lua.LTable, r io.Reader) {
	L := rt.L
	lib := &inputLib{
		input: mod.RawGetString("input"),
		lines: mod.RawGetString("lines"),
	}
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"read":    stdinRead,
		"lines":   stdinLines,
		"close":   stdinClose,
		"write":   stdinWrite,
		"flush":   stdinFlush,
		"setvbuf": stdinSetvbuf,
		"seek":    stdinSeek,
	})
	strictMethods(L, streamType, methods)
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	meta.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(fmt.Sprintf("file (%p)", checkStdin(L, fname{name: "__tostring"}))))
		return 1
	}))
	lib.stdin = L.NewUserData()
	lib.stdin.Value = &inStream{r: bufio.NewReader(r)}
	lib.stdin.Metatable = meta
	lib.in = lib.stdin
	mod.RawSetString("stdin", lib.stdin)
	L.SetFuncs(mod, map[string]lua.LGFunction{
		"read":  lib.ioRead,
		"lines": lib.ioLines,
		"input": lib.ioInput,
	})
	rt.input = lib
}

func checkStdin(L *lua.LState, f fname) *inStream {
	return checkSelf[inStream](L, f, streamType)
}

func asStdin(v lua.LValue) (*inStream, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return nil, false
	}
	s, ok := ud.Value.(*inStream)
	return s, ok
}

// io.read(...): from the default input.
func (lib *inputLib) ioRead(L *lua.LState) int {
	if s, ok := asStdin(lib.in); ok {
		return s.read(L, 1)
	}
	return callMethod(L, lib.in, "read", 1)
}

// io.lines([name]): a name is gopher-lua's (the file is closed at its
// end); without one, the lines of the default input, which stays open.
func (lib *inputLib) ioLines(L *lua.LState) int {
	if L.GetTop() > 0 && L.Get(1) != lua.LNil {
		return callOriginal(L, lib.lines, 1)
	}
	if s, ok := asStdin(lib.in); ok {
		L.Push(s.linesIterator(L))
		return 1
	}
	return callMethod(L, lib.in, "lines", L.GetTop()+1)
}

// io.input([file or name]): the default input, after setting it.
func (lib *inputLib) ioInput(L *lua.LState) int {
	switch v := L.Get(1); {
	case L.GetTop() == 0 || v == lua.LNil:
	case v.Type() == lua.LTString:
		callOriginal(L, lib.input, 1) // opens the file, or raises
		lib.in = L.Get(-1)
	case v.Type() == lua.LTUserData:
		if _, ok := asStdin(v); !ok {
			if _, ok := asStream(v); !ok && !isGopherFile(L, v) {
				typeError(L, 1, fnIoInput, "file")
			}
		}
		lib.in = v
	default:
		typeError(L, 1, fnIoInput, "file")
	}
	L.Push(lib.in)
	return 1
}

// isGopherFile reports whether v is one of gopher-lua's files: it has
// their read method.
func isGopherFile(L *lua.LState, v lua.LValue) bool {
	ud, ok := v.(*lua.LUserData)
	return ok && ud.Metatable != lua.LNil && L.GetField(v, "read") != lua.LNil
}

// stdin:read(...)
func stdinRead(L *lua.LState) int {
	return checkStdin(L, fnFileRead.asMethod()).read(L, 2)
}

// stdin:lines(): an iterator over the lines left, which leaves the stream
// open at the end.
func stdinLines(L *lua.LState) int {
	L.Push(checkStdin(L, fnStdinLines.asMethod()).linesIterator(L))
	return 1
}

func (s *inStream) linesIterator(L *lua.LState) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		line, err := s.readLine()
		if err != nil && !errors.Is(err, io.EOF) {
			L.RaiseError("%s", err.Error())
		}
		if line == lua.LNil {
			return 0 // the end: nothing, as Lua 5.1's io_readline
		}
		L.Push(line)
		return 1
	})
}

// stdin:close() fails softly, as on Lua 5.1's standard files.
func stdinClose(L *lua.LState) int {
	checkStdin(L, fname{name: "close", method: true})
	L.Push(lua.LNil)
	L.Push(lua.LString("cannot close standard file"))
	return 2
}

// Writing or seeking the read-only stream fails as it does on Lua 5.1's
// stdin when that is a pipe: nil, the message, the errno.
func stdinWrite(L *lua.LState) int {
	checkStdin(L, fname{name: "write", method: true})
	return pushErrno(L, "Bad file descriptor", 9)
}

func stdinSeek(L *lua.LState) int {
	checkStdin(L, fname{name: "seek", method: true})
	return pushErrno(L, "Illegal seek", 29)
}

func stdinFlush(L *lua.LState) int {
	checkStdin(L, fname{name: "flush", method: true})
	L.Push(lua.LTrue)
	return 1
}

func stdinSetvbuf(L *lua.LState) int {
	checkStdin(L, fnFileSetvbuf.asMethod())
	checkVbufMode(L)
	L.Push(lua.LTrue)
	return 1
}

// read reads the formats from stack index first on (none means "*l") and
// pushes a result for each, as Lua 5.1's g_read: the first that fails
// pushes nil and ends the list; a read error gives nil, its message and
// its errno (see pushReadError).
func (s *inStream) read(L *lua.LState, first int) int {
	top := L.GetTop()
	if top < first {
		line, err := s.readLine()
		if err != nil && !errors.Is(err, io.EOF) {
			return pushReadError(L, err)
		}
		L.Push(line)
		return 1
	}
	f := fnIoRead
	if first == 2 {
		f = fnFileRead
	}
	// The formats are checked as they are reached, as in Lua.
	n := 0
	for i := first; i <= top; i++ {
		v, err := s.readFormat(L, i, f)
		if err != nil && !errors.Is(err, io.EOF) {
			return pushReadError(L, err)
		}
		L.Push(v)
		n++
		if v == lua.LNil {
			break
		}
	}
	return n
}

// pushReadError pushes what Lua 5.1's read returns on a read error: nil,
// C's strerror text and the errno (nil, "Is a directory", 21 for a
// directory), or Go's message when the error has no errno.
func pushReadError(L *lua.LState, err error) int {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return pushErrno(L, CStrerror(errno), int(errno))
	}
	return pushResult(L, err)
}

// readFormat reads what the format at stack index i asks for; LNil when
// it finds nothing (the end of the input, or no number).
func (s *inStream) readFormat(L *lua.LState, i int, f fname) (lua.LValue, error) {
	switch format := checkReadFormat(L, i, f); format {
	case 'l':
		return s.readLine()
	case 'n':
		return s.readNumber()
	case 'a':
		b, err := io.ReadAll(s.r)
		return lua.LString(b), err
	}
	n := int64(L.Get(i).(lua.LNumber))
	if n <= 0 { // Lua's size_t cast makes a negative count huge
		if n < 0 {
			return s.readChars(math.MaxInt64)
		}
		if _, err := s.r.Peek(1); err != nil {
			return lua.LNil, err
		}
		return lua.LString(""), nil
	}
	return s.readChars(n)
}

// checkReadFormat checks the read format at stack index i as Lua 5.1's
// g_read does: a count (0 is returned), or a string whose first two
// characters are "*n", "*l" or "*a" (the letter is returned).
func checkReadFormat(L *lua.LState, i int, f fname) byte {
	switch v := L.Get(i).(type) {
	case lua.LNumber:
		return 0
	case lua.LString:
		if len(v) == 0 || v[0] != '*' {
			argError(L, i, f, "invalid option")
		}
		if len(v) > 1 && (v[1] == 'l' || v[1] == 'n' || v[1] == 'a') {
			return v[1]
		}
		argError(L, i, f, "invalid format")
	default:
		argError(L, i, f, "invalid option")
	}
	return 0
}

// readLine reads up to the next "\n", which it drops; LNil at the end of
// the input. A last line without "\n" is a line.
func (s *inStream) readLine() (lua.LValue, error) {
	line, err := s.r.ReadString('\n')
	if len(line) == 0 && err != nil {
		return lua.LNil, err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return lua.LNil, err
	}
	return lua.LString(strings.TrimSuffix(line, "\n")), nil
}

// readChars reads up to n bytes; LNil when there is none left.
func (s *inStream) readChars(n int64) (lua.LValue, error) {
	var b strings.Builder
	got, err := io.CopyN(&b, s.r, n)
	if got == 0 {
		return lua.LNil, err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return lua.LNil, err
	}
	return lua.LString(b.String()), nil
}

// readNumber reads a number as C's fscanf("%lf") does: blanks skipped,
// then the longest prefix that can start a number (a sign, decimal digits
// with a point and an exponent, 0x and hex digits, inf, nan), which is
// consumed even when it turns out not to be one; LNil then.
func (s *inStream) readNumber() (lua.LValue, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return lua.LNil, err
		}
		if !isCSpace(c) {
			s.r.UnreadByte()
			break
		}
	}
	var text []byte
	accept := func(ok func(byte) bool) bool {
		c, err := s.r.ReadByte()
		if err != nil {
			return false
		}
		if !ok(c) {
			s.r.UnreadByte()
			return false
		}
		text = append(text, c)
		return true
	}
	is := func(set string) func(byte) bool {
		return func(c byte) bool { return strings.IndexByte(set, c) >= 0 }
	}
	digits := func(hex bool) int {
		n := 0
		for accept(func(c byte) bool { return isDigit(c) || hex && isHexLetter(c) }) {
			n++
		}
		return n
	}
	accept(is("+-"))
	hex := false
	if accept(is("0")) {
		if accept(is("xX")) {
			hex = true
		}
	}
	if !hex && accept(is("iInN")) {
		// inf, infinity, nan: the letters that follow, then strtod's
		// judgement on the whole.
		for accept(isLetter) {
		}
		return parseScanned(text, false), nil
	}
	digits(hex)
	if accept(is(".")) {
		digits(hex)
	}
	exp := "eE"
	if hex {
		exp = "pP"
	}
	if accept(is(exp)) {
		accept(is("+-"))
		digits(false)
	}
	return parseScanned(text, hex), nil
}

// parseScanned converts what readNumber consumed as strtod would, LNil
// when it is no number.
func parseScanned(text []byte, hex bool) lua.LValue {
	t := string(text)
	if hex && !strings.ContainsAny(t, "pP") {
		t += "p0" // Go wants the binary exponent C lets go
	}
	f, err := strconv.ParseFloat(t, 64)
	var ne *strconv.NumError
	if err != nil && !(errors.As(err, &ne) && ne.Err == strconv.ErrRange) {
		return lua.LNil
	}
	return lua.LNumber(f) // out of range: ±HUGE_VAL or 0, as strtod
}

func isCSpace(c byte) bool    { return c == ' ' || c >= '\t' && c <= '\r' }
func isHexLetter(c byte) bool { return c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isLetter(c byte) bool    { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
