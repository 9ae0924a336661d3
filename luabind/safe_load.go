package luabind

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// MaxSyntaxDepth is how deeply a chunk's syntax may nest (an expression in
// an expression, a block in a block) before loading it fails with "chunk
// has too many syntax levels". gopher-lua's compiler recurses in Go once per
// level, and a Go stack overflow is fatal, not an error: a million nested
// "not" took the process down. Reference Lua allows 200 levels; this is
// generous enough for generated code (a long chain of a + b + ... nests one
// level per operator here).
const MaxSyntaxDepth = 10000

// Load compiles the chunk read from r as gopher-lua's LState.Load does, but
// refuses a chunk nested deeper than MaxSyntaxDepth instead of overflowing
// the Go stack. Errors are *lua.ApiError of type ApiErrorSyntax, as Load's.
func Load(L *lua.LState, r io.Reader, name string) (*lua.LFunction, error) {
	src := &countingReader{r: r}
	chunk, err := parse.Parse(src, name)
	if err != nil {
		return nil, syntaxError(err)
	}
	if line, deep := tooDeep(chunk, src.n); deep {
		return nil, syntaxError(fmt.Errorf("%s:%d: chunk has too many syntax levels", name, line))
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, syntaxError(err)
	}
	return L.NewFunctionFromProto(proto), nil
}

func syntaxError(err error) error {
	return &lua.ApiError{Type: lua.ApiErrorSyntax, Object: lua.LString(err.Error()), Cause: err}
}

var (
	exprType = reflect.TypeFor[ast.Expr]()
	stmtType = reflect.TypeFor[ast.Stmt]()
)

// tooDeep reports whether the syntax tree of a source of size bytes nests
// more than MaxSyntaxDepth expressions and statements, and the line where it
// first does.
//
// Every level of nesting takes at least one token of its own, except a call
// statement, which shares its call's: a tree is at most twice as deep as its
// source is long. So a source of up to MaxSyntaxDepth/2 bytes, which is
// almost every script, is not walked at all; the walk cost as much as
// parsing a small script. (TestSyntaxDepthBound holds the parser to this.)
func tooDeep(chunk []ast.Stmt, size int64) (line int, deep bool) {
	if 2*size <= MaxSyntaxDepth {
		return 0, false
	}
	return deeperThan(chunk, MaxSyntaxDepth)
}

// deeperThan reports whether the syntax tree nests more than limit levels,
// and the line where it first does. It walks the tree by reflection, which
// sees every field of every node type, and stops descending at the limit,
// so its own recursion stays shallow.
func deeperThan(chunk []ast.Stmt, limit int) (line int, deep bool) {
	var walk func(v reflect.Value, depth int) bool
	walk = func(v reflect.Value, depth int) bool {
		switch v.Kind() {
		case reflect.Interface:
			if v.IsNil() {
				return false
			}
			return walk(v.Elem(), depth)
		case reflect.Pointer:
			if v.IsNil() {
				return false
			}
			if t := v.Type(); t.Implements(exprType) || t.Implements(stmtType) {
				depth++
				if depth > limit {
					if p, ok := v.Interface().(ast.PositionHolder); ok {
						line = p.Line()
					}
					return true
				}
			}
			return walk(v.Elem(), depth)
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() && walk(v.Field(i), depth) {
					return true
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				if walk(v.Index(i), depth) {
					return true
				}
			}
		}
		return false
	}
	deep = walk(reflect.ValueOf(chunk), 0)
	return line, deep
}

// hardenLoading makes every way a script compiles code go through Load:
// load, loadstring, loadfile, dofile and require's search of package.path.
func (rt *Runtime) hardenLoading() {
	L := rt.L
	replace := func(name string, fn lua.LGFunction) {
		if L.GetGlobal(name) != lua.LNil {
			L.SetGlobal(name, L.NewFunction(fn))
		}
	}
	replace("load", luaLoad)
	replace("loadstring", luaLoadString)
	replace("loadfile", luaLoadFile)
	replace("dofile", luaDoFile)
	if pkg, ok := L.GetGlobal("package").(*lua.LTable); ok {
		if loaders, ok := pkg.RawGetString("loaders").(*lua.LTable); ok && loaders.Len() >= 2 {
			loaders.RawSetInt(2, L.NewFunction(searchPackagePath))
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
// func returns until it returns nil or "".
func luaLoad(L *lua.LState) int {
	reader, ok := L.Get(1).(*lua.LFunction)
	if !ok {
		typeError(L, 1, fname{name: "load"}, "function")
	}
	name := "?"
	if s, ok := L.Get(2).(lua.LString); ok {
		name = string(s)
	}
	var code strings.Builder
	for {
		L.Push(reader)
		L.Call(0, 1)
		piece := L.Get(-1)
		L.Pop(1)
		if piece == lua.LNil {
			break
		}
		if !lua.LVCanConvToString(piece) {
			return loadResult(L, nil, errors.New("reader function must return a string"))
		}
		s := lua.LVAsString(piece)
		if s == "" {
			break
		}
		code.WriteString(s)
	}
	fn, err := Load(L, strings.NewReader(code.String()), name)
	return loadResult(L, fn, err)
}

// loadstring(s [, chunkname])
func luaLoadString(L *lua.LState) int {
	code := checkStringArg(L, 1, fname{name: "loadstring"})
	name := "<string>"
	if s, ok := L.Get(2).(lua.LString); ok {
		name = string(s)
	}
	fn, err := Load(L, strings.NewReader(code), name)
	return loadResult(L, fn, err)
}

// loadFile compiles the file at path, or standard input when path is "",
// skipping a first line that starts with #, as lua does.
func loadFile(L *lua.LState, path string) (*lua.LFunction, error) {
	var code []byte
	var err error
	name := path
	if path == "" {
		name = "stdin"
		code, err = io.ReadAll(os.Stdin)
	} else {
		code, err = os.ReadFile(path)
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot open %s: %v", name, err)
	}
	if bytes.HasPrefix(code, []byte("#")) {
		if i := bytes.IndexByte(code, '\n'); i >= 0 {
			code = append([]byte("--"), code[i:]...)
		} else {
			code = nil
		}
	}
	return Load(L, bytes.NewReader(code), name)
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
		raise(L, err)
	}
	top := L.GetTop()
	L.Push(fn)
	L.Call(0, lua.MultRet)
	return L.GetTop() - top
}

// searchPackagePath is require's searcher of Lua files: each template of
// package.path with its ? replaced by the module name (dots made slashes).
func searchPackagePath(L *lua.LState) int {
	name := checkStringArg(L, 1, fname{name: "require"})
	pkg, _ := L.GetGlobal("package").(*lua.LTable)
	var path lua.LString
	if pkg != nil {
		path, _ = pkg.RawGetString("path").(lua.LString)
	}
	if pkg == nil || path == "" {
		L.RaiseError("package.path must be a string")
	}
	file := strings.ReplaceAll(name, ".", string(os.PathSeparator))
	var tried []string
	for _, template := range strings.Split(string(path), ";") {
		if template == "" {
			continue
		}
		candidate := strings.ReplaceAll(template, "?", file)
		if _, err := os.Stat(candidate); err != nil {
			tried = append(tried, "no file '"+candidate+"'")
			continue
		}
		fn, err := loadFile(L, candidate)
		if err != nil {
			L.RaiseError("error loading module '%s' from file '%s':\n\t%v", name, candidate, err)
		}
		L.Push(fn)
		return 1
	}
	// require joins the searchers' messages with "\n\t".
	L.Push(lua.LString(strings.Join(tried, "\n\t")))
	return 1
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
