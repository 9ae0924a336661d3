package luabind

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// MaxSyntaxDepth is how deep the syntax tree of a chunk may be before
// loading it fails with "chunk has too many syntax levels". gopher-lua's
// compiler recurses in Go once per node of the tree, and a Go stack
// overflow is fatal, not an error. Lua 5.1's own limit of 200 levels holds
// too, but it does not count the nodes that left-associative chains build
// (a + b + ..., a.b.c..., f()()..., elseif ...): this bounds those. A tree
// this deep takes the compiler up to about 32 MB of Go stack.
const MaxSyntaxDepth = 50000

// Load compiles the chunk read from r. Its syntax is checked first, as Lua
// 5.1 checks it (see checker): a syntax error reads as Lua's, and a chunk
// nested past Lua's limits, or deeper than MaxSyntaxDepth, is refused
// before gopher-lua's parser sees it. Messages and tracebacks call the
// chunk name, as it is: the host names its chunks, where Lua would cut a
// long file name. Errors are *lua.ApiError of type ApiErrorSyntax, whose
// message is complete: "NAME:LINE: MESSAGE near 'TOKEN'".
func Load(L *lua.LState, r io.Reader, name string) (*lua.LFunction, error) {
	code, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return compile(L, code, name, name, scriptLevels)
}

// loadChunk is Load for the functions scripts load code with: chunkname is
// as in Lua, "@file" for a file, "=name" for another name, else the source
// itself, and messages and tracebacks show it as Lua 5.1 does.
func loadChunk(L *lua.LState, code []byte, chunkname string) (*lua.LFunction, error) {
	return compile(L, code, chunkID(chunkname, runtimeIDSize), chunkID(chunkname, syntaxIDSize), loadLevels)
}

// compile compiles code, which runtime errors will call name and syntax
// errors syntaxName, with levels of Lua's C levels already in use.
func compile(L *lua.LState, code []byte, name, syntaxName string, levels int) (*lua.LFunction, error) {
	if serr := checkSyntax(code, levels, MaxSyntaxDepth); serr != nil {
		return nil, loadError(fmt.Sprintf("%s:%d: %s", syntaxName, serr.line, serr.msg), nil)
	}
	chunk, err := parse.Parse(bytes.NewReader(code), name)
	if err != nil {
		return nil, loadError(gopherMessage(syntaxName, code, err), err)
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, loadError(gopherMessage(syntaxName, code, err), err)
	}
	return L.NewFunctionFromProto(proto), nil
}

func loadError(msg string, cause error) error {
	if cause == nil {
		cause = errors.New(msg)
	}
	return &lua.ApiError{Type: lua.ApiErrorSyntax, Object: lua.LString(msg), Cause: cause}
}

// hardenLoading makes every way a script compiles code go through Load:
// load, loadstring, loadfile, dofile and require's search of package.path;
// require itself is Lua 5.1's (see require.go).
func (rt *Runtime) hardenLoading() {
	L := rt.L
	replace := func(name string, fn lua.LGFunction) {
		if L.GetGlobal(name) != lua.LNil {
			L.SetGlobal(name, L.NewFunction(fn))
		}
	}
	replace("load", rt.luaLoad)
	replace("loadstring", luaLoadString)
	replace("loadfile", luaLoadFile)
	replace("dofile", luaDoFile)
	if pkg, ok := L.GetGlobal("package").(*lua.LTable); ok {
		if loaders, ok := pkg.RawGetString("loaders").(*lua.LTable); ok && loaders.Len() >= 2 {
			loaders.RawSetInt(1, L.NewFunction(searchPreload))
			loaders.RawSetInt(2, L.NewFunction(searchPackagePath))
		}
		if require, ok := L.GetGlobal("require").(*lua.LFunction); ok && require.IsG {
			L.SetGlobal("require", L.NewFunction(newRequire(L, pkg)))
		}
	}
}

// loadResult pushes what load and its siblings return: the function, or nil
// and the message.
func loadResult(L *lua.LState, fn *lua.LFunction, err error) int {
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(fn)
	return 1
}

// load(func [, chunkname]): the chunk is the concatenation of the strings
// func returns until it returns nil or "". As in Lua 5.1, where lua_load
// runs the reader protected, an error the reader raises is returned (nil
// and the error value), and so is a piece that is not a string.
func (rt *Runtime) luaLoad(L *lua.LState) int {
	reader, ok := L.Get(1).(*lua.LFunction)
	if !ok {
		typeError(L, 1, fname{name: "load"}, "function")
	}
	name := "=(load)"
	if L.Get(2) != lua.LNil {
		name = checkStringArg(L, 2, fname{name: "load"})
	}
	var code strings.Builder
	for {
		L.Push(reader)
		if err := rt.pcall(L, 0, 1); err != nil {
			rt.raiseExit(L) // os.exit is not caught
			L.Push(lua.LNil)
			L.Push(errorValue(err))
			return 2
		}
		piece := L.Get(-1)
		L.Pop(1)
		if piece == lua.LNil {
			break
		}
		if !lua.LVCanConvToString(piece) {
			return loadResult(L, nil, errors.New(rt.where(L, 1)+"reader function must return a string"))
		}
		s := lua.LVAsString(piece)
		if s == "" {
			break
		}
		code.WriteString(s)
	}
	fn, err := loadChunk(L, []byte(code.String()), name)
	return loadResult(L, fn, err)
}

// loadstring(s [, chunkname])
func luaLoadString(L *lua.LState) int {
	code := checkStringArg(L, 1, fname{name: "loadstring"})
	name := code
	if L.Get(2) != lua.LNil {
		name = checkStringArg(L, 2, fname{name: "loadstring"})
	}
	fn, err := loadChunk(L, []byte(code), name)
	return loadResult(L, fn, err)
}

// loadFile compiles the file at path, or standard input when path is "",
// skipping a first line that starts with #, as lua does. It fails as
// Lua 5.1's luaL_loadfile: "cannot open NAME: strerror" or "cannot read
// NAME: strerror" (a directory opens, then fails to read).
func loadFile(L *lua.LState, path string) (*lua.LFunction, error) {
	name, chunkname := path, "@"+path
	in := os.Stdin
	if path == "" {
		name, chunkname = "stdin", "=stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("cannot open %s: %s", name, cErrorText(err))
		}
		defer f.Close()
		in = f
	}
	code, err := io.ReadAll(in)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %s", name, cErrorText(err))
	}
	if bytes.HasPrefix(code, []byte("#")) {
		if i := bytes.IndexByte(code, '\n'); i >= 0 {
			code = append([]byte("--"), code[i:]...)
		} else {
			code = nil
		}
	}
	return loadChunk(L, code, chunkname)
}

// optPath reads the optional file name of loadfile and dofile: "", meaning
// standard input, when it is nil or absent.
func optPath(L *lua.LState, f fname) string {
	if L.Get(1) == lua.LNil {
		return ""
	}
	return checkStringArg(L, 1, f)
}

// loadfile([filename])
func luaLoadFile(L *lua.LState) int {
	fn, err := loadFile(L, optPath(L, fname{name: "loadfile"}))
	return loadResult(L, fn, err)
}

// dofile([filename]): runs the file and returns what it returns; errors
// propagate.
func luaDoFile(L *lua.LState) int {
	fn, err := loadFile(L, optPath(L, fname{name: "dofile"}))
	if err != nil {
		L.Error(lua.LString(err.Error()), 0) // the message names the file: no position, as Lua's
	}
	top := L.GetTop()
	L.Push(fn)
	L.Call(0, lua.MultRet)
	return L.GetTop() - top
}

// searchPackagePath is require's searcher of Lua files: each template of
// package.path with its ? replaced by the module name (dots made slashes).
// Not finding the module, it returns "\n\tno file 'NAME'" for each file
// tried, as Lua 5.1's loader_Lua, for require to join.
func searchPackagePath(L *lua.LState) int {
	name := checkStringArg(L, 1, fname{name: "require"})
	pkg, _ := L.GetGlobal("package").(*lua.LTable)
	var path lua.LString
	if pkg != nil {
		path, _ = pkg.RawGetString("path").(lua.LString)
	}
	if pkg == nil || path == "" {
		L.RaiseError("'package.path' must be a string")
	}
	file := strings.ReplaceAll(name, ".", string(os.PathSeparator))
	var tried []string
	for _, template := range strings.Split(string(path), ";") {
		if template == "" {
			continue
		}
		candidate := strings.ReplaceAll(template, "?", file)
		if _, err := os.Stat(candidate); err != nil {
			tried = append(tried, "\n\tno file '"+candidate+"'")
			continue
		}
		fn, err := loadFile(L, candidate)
		if err != nil {
			L.Error(lua.LString(fmt.Sprintf("error loading module '%s' from file '%s':\n\t%v", name, candidate, err)), 0)
		}
		L.Push(fn)
		return 1
	}
	L.Push(lua.LString(strings.Join(tried, "")))
	return 1
}
