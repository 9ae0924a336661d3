package luabind

import (
	"fmt"
	"io"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua's io library writes io.stdout and io.stderr to the process's
// own files, past Config.Stdout: an embedder (or loopscript test's
// expect_output) capturing output missed every io.write. replaceIO gives the
// io library standard streams over the Runtime's writers, and rebinds the
// functions that use the default output (io.write, io.output, io.close,
// io.flush) and io.type, which must know the new streams. Files opened with
// io.open stay gopher-lua's, and io.output(file) still redirects io.write to
// them. io.read and io.lines read the process's standard input, or
// Config.Stdin when it is set (see iolib_input.go).
//
// The streams are unbuffered: each write goes straight to the writer (under
// a time limit, through a wait the limit can interrupt: see output.go), as
// print's do, so print and io.write on the same writer keep program order
// (C Lua buffers io.write; the order it shows a terminal is the same).
// file:setvbuf accepts Lua's modes and changes nothing.

// outStream is io.stdout or io.stderr: a file that only writes.
type outStream struct {
	w io.Writer
}

// streamType is what messages call a stream, as Lua 5.1 calls its files.
const streamType = "FILE*"

var (
	fnIoWrite     = fname{name: "write"}
	fnFileWrite   = fname{name: "write"}
	fnFileSetvbuf = fname{name: "setvbuf"}
	fnIoOutput    = fname{name: "output"}
)

// ioLib is the state of the rebound io functions.
type ioLib struct {
	stdout, stderr *lua.LUserData
	// out is the default output file: io.stdout, or what io.output chose.
	out lua.LValue
	// gopher-lua's own io.output, io.close and io.type, for its files.
	output, close, typ lua.LValue
	// gopher-lua's own file:read and file:close (see iolib_files.go).
	fileRead, fileClose lua.LValue
}

// replaceIO installs the streams in the io library, if the state has one (a
// sandbox has none).
func (rt *Runtime) replaceIO() {
	L := rt.L
	mod, ok := L.GetGlobal("io").(*lua.LTable)
	if !ok {
		return
	}
	lib := &ioLib{
		output: mod.RawGetString("output"),
		close:  mod.RawGetString("close"),
		typ:    mod.RawGetString("type"),
	}
	meta := newStreamMeta(L)
	newStream := func(w io.Writer) *lua.LUserData {
		ud := L.NewUserData()
		ud.Value = &outStream{w: w}
		ud.Metatable = meta
		return ud
	}
	lib.stdout, lib.stderr = newStream(rt.stdout), newStream(rt.limitedWriter(rt.cfg.Stderr, "standard error"))
	lib.out = lib.stdout
	mod.RawSetString("stdout", lib.stdout)
	mod.RawSetString("stderr", lib.stderr)
	L.SetFuncs(mod, map[string]lua.LGFunction{
		"write":  lib.ioWrite,
		"output": lib.ioOutput,
		"close":  lib.ioClose,
		"flush":  lib.ioFlush,
		"type":   lib.ioType,
	})
	rt.io = lib
	lib.wrapFileMethods(L)
	namePointers(L)
	if rt.cfg.Stdin != nil {
		rt.replaceInput(mod, rt.cfg.Stdin)
	}
}

func newStreamMeta(L *lua.LState) *lua.LTable {
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"write":   streamWrite,
		"flush":   streamFlush,
		"close":   streamClose,
		"setvbuf": streamSetvbuf,
		"read":    streamRead,
		"lines":   streamLines,
		"seek":    streamSeek,
	})
	strictMethods(L, streamType, methods)
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	meta.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(fmt.Sprintf("file (%p)", checkStream(L, fname{name: "__tostring"}))))
		return 1
	}))
	return meta
}

func checkStream(L *lua.LState, f fname) *outStream {
	return checkSelf[outStream](L, f, streamType)
}

func asStream(v lua.LValue) (*outStream, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return nil, false
	}
	s, ok := ud.Value.(*outStream)
	return s, ok
}

// writeArgs writes the strings and numbers from stack index first on, as
// file:write does, and pushes its results: true, or nil and the error.
func writeArgs(L *lua.LState, w io.Writer, first int, f fname) int {
	top := L.GetTop()
	for i := first; i <= top; i++ {
		switch L.Get(i).(type) {
		case lua.LString, lua.LNumber:
		default:
			typeError(L, i, f, "string")
		}
	}
	for i := first; i <= top; i++ {
		if _, err := io.WriteString(w, valueText(L.Get(i))); err != nil {
			return pushResult(L, err)
		}
	}
	return pushResult(L, nil)
}

// file:write(...)
func streamWrite(L *lua.LState) int {
	return writeArgs(L, checkStream(L, fnFileWrite.asMethod()).w, 2, fnFileWrite)
}

// flusher is a writer that buffers, such as a *bufio.Writer an embedder
// passed as Config.Stdout.
type flusher interface{ Flush() error }

// file:flush() flushes the writer if it buffers: the stream itself never does.
func streamFlush(L *lua.LState) int {
	s := checkStream(L, fname{name: "flush", method: true})
	return pushResult(L, flushWriter(s.w))
}

func flushWriter(w io.Writer) error {
	if f, ok := w.(flusher); ok {
		return f.Flush()
	}
	return nil
}

// pushResult pushes what io's functions return: true, or nil and the
// error's message.
func pushResult(L *lua.LState, err error) int {
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

// file:close() on a standard stream fails softly, as in Lua 5.1: the
// writer belongs to the host.
func streamClose(L *lua.LState) int {
	checkStream(L, fname{name: "close", method: true})
	L.Push(lua.LNil)
	L.Push(lua.LString("cannot close standard file"))
	return 2
}

// file:setvbuf(mode [, size]) checks its arguments as Lua does; the stream
// stays unbuffered (see above).
func streamSetvbuf(L *lua.LState) int {
	checkStream(L, fnFileSetvbuf.asMethod())
	checkVbufMode(L)
	L.Push(lua.LTrue)
	return 1
}

// checkVbufMode checks setvbuf's mode, argument #2, as Lua does.
func checkVbufMode(L *lua.LState) {
	mode, ok := L.Get(2).(lua.LString)
	if !ok {
		typeError(L, 2, fnFileSetvbuf, "string")
	}
	switch mode {
	case "no", "full", "line":
	default:
		argError(L, 2, fnFileSetvbuf, "invalid option '"+string(mode)+"'")
	}
}

// Reading or seeking a write-only stream fails as it does on a pipe in Lua
// 5.1: nil, the message, the errno.
func streamRead(L *lua.LState) int {
	checkStream(L, fname{name: "read", method: true})
	return pushErrno(L, "Bad file descriptor", 9)
}

func streamLines(L *lua.LState) int {
	checkStream(L, fname{name: "lines", method: true})
	L.Push(L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("Bad file descriptor")
		return 0
	}))
	return 1
}

func streamSeek(L *lua.LState) int {
	checkStream(L, fname{name: "seek", method: true})
	return pushErrno(L, "Illegal seek", 29)
}

func pushErrno(L *lua.LState, msg string, errno int) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	L.Push(lua.LNumber(errno))
	return 3
}

// callMethod calls v:name(args from stack index first on) and returns all
// its results: the default output is then one of gopher-lua's files.
func callMethod(L *lua.LState, v lua.LValue, name string, first int) int {
	base := L.GetTop()
	L.Push(L.GetField(v, name))
	L.Push(v)
	for i := first; i <= base; i++ {
		L.Push(L.Get(i))
	}
	L.Call(base-first+2, lua.MultRet)
	return L.GetTop() - base
}

// callOriginal calls gopher-lua's own fn with the arguments from first on.
func callOriginal(L *lua.LState, fn lua.LValue, first int) int {
	base := L.GetTop()
	L.Push(fn)
	for i := first; i <= base; i++ {
		L.Push(L.Get(i))
	}
	L.Call(base-first+1, lua.MultRet)
	return L.GetTop() - base
}

// io.write(...): to the default output.
func (lib *ioLib) ioWrite(L *lua.LState) int {
	if s, ok := asStream(lib.out); ok {
		return writeArgs(L, s.w, 1, fnIoWrite)
	}
	return callMethod(L, lib.out, "write", 1)
}

// io.output([file or name]): the default output, after setting it.
func (lib *ioLib) ioOutput(L *lua.LState) int {
	switch v := L.Get(1); {
	case L.GetTop() == 0 || v == lua.LNil:
	case v.Type() == lua.LTString:
		callOriginal(L, lib.output, 1) // opens the file, or raises
		lib.out = L.Get(-1)
	case v.Type() == lua.LTUserData:
		if _, ok := asStream(v); !ok && lua.LVAsString(callType(L, lib.typ, v)) == "" {
			typeError(L, 1, fnIoOutput, "file")
		}
		lib.out = v
	default:
		typeError(L, 1, fnIoOutput, "file")
	}
	L.Push(lib.out)
	return 1
}

// callType is gopher-lua's io.type(v).
func callType(L *lua.LState, typ, v lua.LValue) lua.LValue {
	L.Push(typ)
	L.Push(v)
	L.Call(1, 1)
	r := L.Get(-1)
	L.Pop(1)
	return r
}

// io.close([file]): the default output without an argument.
func (lib *ioLib) ioClose(L *lua.LState) int {
	target := lib.out
	if L.GetTop() > 0 {
		target = L.Get(1)
	}
	if _, ok := asStream(target); ok {
		L.SetTop(0)
		L.Push(target)
		return streamClose(L)
	}
	if L.GetTop() > 0 {
		return callOriginal(L, lib.close, 1)
	}
	return callMethod(L, target, "close", L.GetTop()+1)
}

// io.flush(): the default output.
func (lib *ioLib) ioFlush(L *lua.LState) int {
	if s, ok := asStream(lib.out); ok {
		return pushResult(L, flushWriter(s.w))
	}
	return callMethod(L, lib.out, "flush", L.GetTop()+1)
}

// io.type(v): "file" for the streams too.
func (lib *ioLib) ioType(L *lua.LState) int {
	if _, ok := asStream(L.Get(1)); ok {
		L.Push(lua.LString("file")) // a standard stream never closes
		return 1
	}
	if _, ok := asStdin(L.Get(1)); ok {
		L.Push(lua.LString("file"))
		return 1
	}
	return callOriginal(L, lib.typ, 1)
}

// FlushOutput flushes what the script's output may still hold: the default
// output when io.output made it a file, and Config.Stdout and Config.Stderr
// when they buffer (they have a Flush() error method). Call it on the loop's
// goroutine before ending the process (os.exit), as C's exit flushes stdio.
// It returns the first error. Files a script opened and left with
// setvbuf("full") are not tracked, so not flushed.
func (rt *Runtime) FlushOutput() error {
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	if lib := rt.io; lib != nil {
		if _, ok := asStream(lib.out); !ok {
			keep(rt.flushFile(lib.out))
		}
	}
	keep(flushWriter(rt.cfg.Stdout))
	keep(flushWriter(rt.cfg.Stderr))
	return first
}

// flushFile calls file:flush() on one of gopher-lua's files, protected.
func (rt *Runtime) flushFile(file lua.LValue) error {
	L := rt.L
	flush := L.GetField(file, "flush")
	if flush == lua.LNil {
		return nil
	}
	L.Push(flush)
	L.Push(file)
	if err := rt.pcall(L, 1, 2); err != nil {
		return err
	}
	defer L.Pop(2)
	if L.Get(-2) == lua.LNil {
		return fmt.Errorf("%s", lua.LVAsString(L.Get(-1)))
	}
	return nil
}

// namePointers makes tostring of an open gopher-lua file "file (0x...)",
// as Lua 5.1 names a file: gopher-lua's says "file", which tells two files
// apart no better than it tells them from a closed one ("file (closed)").
func namePointers(L *lua.LState) {
	meta, ok := L.GetTypeMetatable("FILE*").(*lua.LTable)
	if !ok {
		return
	}
	orig := meta.RawGetString("__tostring")
	if orig == lua.LNil {
		return
	}
	meta.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		ud := L.Get(1)
		L.Push(orig)
		L.Push(ud)
		L.Call(1, 1)
		if L.Get(-1) == lua.LString("file") {
			if p, ok := ud.(*lua.LUserData); ok {
				L.Replace(-1, lua.LString(fmt.Sprintf("file (%p)", p)))
			}
		}
		return 1
	}))
}
