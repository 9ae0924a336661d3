package luabind

import (
	"strings"
	"syscall"

	"github.com/loopscript/loopscript/internal/luastate"
	lua "github.com/yuin/gopher-lua"
)

// The files io.open opens are gopher-lua's; their methods run here behind
// Lua 5.1's checks (liolib.c), and their lines are read whole:
//
//   - a closed file raises "attempt to use a closed file" (gopher-lua's
//     read returned nil and a message, its write "file is closed");
//   - write writes a number as Lua 5.1 does ("%.14g": 1/3 is
//     0.33333333333333, gopher-lua wrote Go's 0.3333333333333333);
//   - read's formats are checked as Lua 5.1 checks them ("invalid option",
//     "invalid format"), seek's whence and setvbuf's mode too, and read
//     as Lua 5.1 reads them, through the file's own buffer: "*n" as C's
//     fscanf("%lf"), which skips newlines and takes hex, where gopher-lua's
//     Fscanf stopped at a newline ("unexpected newline");
//   - a read of a file opened only to write, or a write of one opened only
//     to read, fails with nil, "Bad file descriptor", 9, as C's stdio;
//   - file:lines() and io.lines(name) give each line whole (gopher-lua's
//     iterators cut a line every 4,096 bytes), nothing at the end, and
//     "file is already closed" once the file is.

var (
	fnFileSeek = fname{name: "seek"}
)

// wrapFileMethods puts the checks in front of the methods of gopher-lua's
// files, found through its FILE* metatable.
func (lib *ioLib) wrapFileMethods(L *lua.LState) {
	mt, ok := L.GetTypeMetatable("FILE*").(*lua.LTable)
	if !ok {
		return
	}
	methods, ok := mt.RawGetString("__index").(*lua.LTable)
	if !ok {
		return
	}
	lib.fileRead, lib.fileClose = methods.RawGetString("read"), methods.RawGetString("close")
	checks := map[string]func(L *lua.LState){
		"write":   checkFileWrite,
		"read":    checkFileRead,
		"seek":    checkFileSeek,
		"setvbuf": checkVbufMode,
		"close":   nil,
		"flush":   nil,
	}
	for name, check := range checks {
		orig, ok := methods.RawGetString(name).(*lua.LFunction)
		if !ok {
			continue
		}
		methods.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if !lib.openFile(L, L.Get(1)) {
				return callOriginal(L, orig, 1) // not a file: gopher-lua's own complaint
			}
			if check != nil {
				check(L)
			}
			if name == "read" {
				if r, isFile := luastate.FileReader(L.Get(1)); isFile {
					if r == nil {
						return pushErrno(L, CStrerror(syscall.EBADF), int(syscall.EBADF))
					}
					return (&inStream{r: r}).read(L, 2)
				}
			}
			return badFileDescriptor(L, callOriginal(L, orig, 1))
		}))
	}
	if lines, ok := methods.RawGetString("lines").(*lua.LFunction); ok {
		methods.RawSetString("lines", L.NewFunction(func(L *lua.LState) int {
			file := L.Get(1)
			if !lib.openFile(L, file) {
				return callOriginal(L, lines, 1)
			}
			L.Push(lib.lineIterator(L, file, false))
			return 1
		}))
	}
}

// badFileDescriptor rewrites the n results of a gopher-lua file method
// that refused to write a file opened only to read (nil, "NAME is opened
// for only reading.", 1) into what C's fwrite gives Lua 5.1: nil, "Bad
// file descriptor", 9.
func badFileDescriptor(L *lua.LState, n int) int {
	if n != 3 {
		return n
	}
	msg, ok := L.Get(-2).(lua.LString)
	if L.Get(-3) != lua.LNil || !ok || !strings.HasSuffix(string(msg), " is opened for only reading.") {
		return n
	}
	L.Pop(3)
	return pushErrno(L, CStrerror(syscall.EBADF), int(syscall.EBADF))
}

// openFile reports whether v is one of gopher-lua's files, raising Lua
// 5.1's error when it is closed.
func (lib *ioLib) openFile(L *lua.LState, v lua.LValue) bool {
	switch lua.LVAsString(callType(L, lib.typ, v)) {
	case "file":
		return true
	case "closed file":
		L.RaiseError("attempt to use a closed file")
	}
	return false
}

// lineIterator reads file line by line, each whole, through file:read("*l");
// at the end it returns nothing, and closes the file first when closeAtEnd
// (io.lines(name) does).
func (lib *ioLib) lineIterator(L *lua.LState, file lua.LValue, closeAtEnd bool) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		if lua.LVAsString(callType(L, lib.typ, file)) != "file" {
			L.RaiseError("file is already closed")
		}
		L.Push(lib.fileRead)
		L.Push(file)
		L.Push(lua.LString("*l"))
		L.Call(2, 1)
		line := L.Get(-1)
		L.Pop(1)
		if line != lua.LNil {
			L.Push(line)
			return 1
		}
		if closeAtEnd {
			L.Push(lib.fileClose)
			L.Push(file)
			L.Call(1, 0)
		}
		return 0
	})
}

// checkFileWrite reads write's arguments as luaL_checklstring does and
// leaves each number as Lua 5.1 writes it.
func checkFileWrite(L *lua.LState) {
	for i := 2; i <= L.GetTop(); i++ {
		coerceArg(L, i, fnFileWrite, argString)
	}
}

// checkFileRead checks read's formats (checkReadFormat) and hands
// gopher-lua's read each as "*n", "*l" or "*a": it knows no "*line".
func checkFileRead(L *lua.LState) {
	for i := 2; i <= L.GetTop(); i++ {
		if format := checkReadFormat(L, i, fnFileRead); format != 0 {
			L.Replace(i, lua.LString([]byte{'*', format}))
		}
	}
}

// checkFileSeek checks seek's whence, "set", "cur" or "end", and its
// offset, an integer (Lua 5.1's luaL_optlong).
func checkFileSeek(L *lua.LState) {
	if L.Get(2) != lua.LNil {
		whence := checkStringArg(L, 2, fnFileSeek)
		switch whence {
		case "set", "cur", "end":
		default:
			argError(L, 2, fnFileSeek, "invalid option '"+whence+"'")
		}
		L.Replace(2, lua.LString(whence))
	}
	if L.Get(3) != lua.LNil {
		L.Replace(3, lua.LNumber(luaIntegerArg(L, 3, fnFileSeek)))
	}
}
