package luabind

import (
	"errors"
	"strings"
	"sync"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// io.open, io.lines, os.remove and os.rename fail as Lua 5.1's do: nil, the
// message "NAME: No such file or directory" (C's strerror after the file
// name) and the errno, where gopher-lua returns Go's "open NAME: no such
// file or directory" and 1 (io.open) or no errno (os.remove, os.rename),
// and io.lines(name) raises "bad argument #1 to 'lines' (NAME: ...)"
// where gopher-lua's returned nothing. io.open takes the modes C's fopen
// takes: "r", "w" or "a" first, then any of "+", "b" and what glibc ignores
// ("rt" is "r"); another first letter is EINVAL, as fopen says.

// replaceOSErrors wraps the functions above, when the state has them.
func (rt *Runtime) replaceOSErrors() {
	L := rt.L
	wrap := func(lib, name string, with func(lua.LGFunction) lua.LGFunction) {
		tbl, ok := L.GetGlobal(lib).(*lua.LTable)
		if !ok {
			return
		}
		fn, ok := tbl.RawGetString(name).(*lua.LFunction)
		if !ok || !fn.IsG {
			return
		}
		upvalues := make([]lua.LValue, len(fn.Upvalues))
		for k, uv := range fn.Upvalues {
			upvalues[k] = uv.Value()
		}
		tbl.RawSetString(name, L.NewClosure(with(fn.GFunction), upvalues...))
	}
	wrap("io", "open", func(open lua.LGFunction) lua.LGFunction {
		return func(L *lua.LState) int {
			name := L.CheckString(1)
			if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
				mode, ok := fopenMode(L.CheckString(2))
				if !ok {
					return pushErrno(L, name+": "+CStrerror(syscall.EINVAL), int(syscall.EINVAL))
				}
				L.Replace(2, lua.LString(mode))
			}
			return lua51Failure(L, open(L), name)
		}
	})
	wrap("os", "remove", func(remove lua.LGFunction) lua.LGFunction {
		return func(L *lua.LState) int { return lua51Failure(L, remove(L), L.CheckString(1)) }
	})
	wrap("os", "rename", func(rename lua.LGFunction) lua.LGFunction {
		return func(L *lua.LState) int { return lua51Failure(L, rename(L), L.CheckString(1)) }
	})
	wrap("io", "lines", func(lines lua.LGFunction) lua.LGFunction {
		return func(L *lua.LState) int {
			if L.GetTop() == 0 || L.Get(1) == lua.LNil {
				return lines(L)
			}
			name := L.CheckString(1)
			if n := lines(L); n > 0 {
				return rt.wholeLines(L, n)
			}
			// gopher-lua returns nothing when it cannot open the file.
			// Its errno is found by opening the file again; should that open
			// succeed now, the file is closed and ENOENT is reported.
			msg := name + ": " + CStrerror(syscall.ENOENT)
			fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
			if errno, ok := err.(syscall.Errno); ok {
				msg = name + ": " + CStrerror(errno)
			} else if err == nil {
				syscall.Close(fd)
			}
			argError(L, 1, fnIoLines, msg)
			return 0
		}
	})
}

// wholeLines puts loopscript's line iterator (see iolib_files.go) in place
// of the one gopher-lua's io.lines(name) returned, the top of its n results:
// gopher-lua's keeps its file in its second upvalue, and cuts long lines.
func (rt *Runtime) wholeLines(L *lua.LState, n int) int {
	iter, ok := L.Get(-1).(*lua.LFunction)
	if !ok || rt.io == nil || rt.io.fileRead == nil || len(iter.Upvalues) < 2 {
		return n
	}
	file := iter.Upvalues[1].Value()
	if lua.LVAsString(callType(L, rt.io.typ, file)) != "file" {
		return n
	}
	L.Replace(-1, rt.io.lineIterator(L, file, true))
	return n
}

// lua51Failure rewrites the n results a gopher-lua function pushed when
// they are a failure (nil and Go's message) into Lua 5.1's: nil, "NAME:
// strerror", errno. Results it cannot read are left as they are.
func lua51Failure(L *lua.LState, n int, name string) int {
	if n < 2 {
		return n
	}
	base := L.GetTop() - n
	msg, ok := L.Get(base + 2).(lua.LString)
	if L.Get(base+1) != lua.LNil || !ok {
		return n
	}
	// Go's *os.PathError and *os.LinkError end with the errno's text.
	i := strings.LastIndex(string(msg), ": ")
	if i < 0 {
		return n
	}
	errno, known := errnoByText()[string(msg[i+2:])]
	if !known {
		return n
	}
	L.SetTop(base)
	return pushErrno(L, name+": "+CStrerror(errno), int(errno))
}

// fopenMode maps a C fopen mode to the one gopher-lua's io.open takes, or
// reports false when fopen refuses it (EINVAL).
func fopenMode(mode string) (string, bool) {
	if mode == "" || strings.IndexByte("rwa", mode[0]) < 0 {
		return "", false
	}
	if strings.IndexByte(mode[1:], '+') >= 0 {
		return mode[:1] + "+", true
	}
	return mode[:1], true
}

// errnoByText maps Go's text of each errno to it. It is made once, for
// every runtime of the process, which may run on several goroutines.
var errnoByText = sync.OnceValue(func() map[string]syscall.Errno {
	texts := map[string]syscall.Errno{}
	for e := syscall.Errno(1); e < 256; e++ {
		if text := e.Error(); !strings.HasPrefix(text, "errno ") {
			if _, dup := texts[text]; !dup {
				texts[text] = e
			}
		}
	}
	return texts
})

// CStrerror is C's strerror text of e, as Lua 5.1's messages show it
// ("No such file or directory"): Go's, which is glibc's with its first
// letter made small, with that letter capital again.
func CStrerror(e syscall.Errno) string {
	text := e.Error()
	if text != "" && text[0] >= 'a' && text[0] <= 'z' {
		text = string(text[0]-'a'+'A') + text[1:]
	}
	return text
}

// cErrorText is the text C's strerror gives for the errno under err (an
// *os.PathError's, say), else err's own text.
func cErrorText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return CStrerror(errno)
	}
	return err.Error()
}
