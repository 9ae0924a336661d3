package luabind

import (
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// The room Lua 5.1 gives a chunk's name, its terminating NUL included: in
// runtime errors and tracebacks (LUA_IDSIZE), in syntax errors (llex.c's
// MAXSRC).
const (
	runtimeIDSize = 60
	syntaxIDSize  = 80
)

// chunkID is how Lua 5.1 names a chunk in messages (luaO_chunkid), in size
// bytes: "=name" is name, "@file" the file's name (its end, if long),
// anything else is the source itself as [string "..."], up to its first
// line break.
func chunkID(source string, size int) string {
	if i := strings.IndexByte(source, 0); i >= 0 {
		source = source[:i] // Lua's chunk names are C strings
	}
	if name, ok := strings.CutPrefix(source, "="); ok {
		return name[:min(len(name), size-1)]
	}
	if file, ok := strings.CutPrefix(source, "@"); ok {
		if room := size - len(" '...' ") - 1; len(file) > room {
			return "..." + file[len(file)-room:]
		}
		return file
	}
	room := size - len(` [string "..."] `) - 1
	line := source
	if i := strings.IndexAny(source, "\n\r"); i >= 0 {
		line = source[:i]
	}
	if len(line) > room {
		line = line[:room]
	}
	if len(line) < len(source) {
		return `[string "` + line + `..."]`
	}
	return `[string "` + source + `"]`
}

// printable spells control bytes as <\27>, so that the token a syntax error
// quotes (from a binary file, say) cannot write escape sequences to a
// terminal.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			fmt.Fprintf(&b, "<\\%d>", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// gopherWording maps the messages of gopher-lua's lexer and parser to Lua
// 5.1's words for the same error.
var gopherWording = map[string]string{
	"syntax error":                  "syntax error",
	"parse error":                   "syntax error",
	"unterminated string":           "unfinished string",
	"unterminated multiline string": "unfinished long string",
	"invalid multiline comment":     "unfinished long comment",
	"invalid multiline string":      "invalid long string delimiter",
	"Invalid token":                 "unexpected symbol",
	"Invalid '~' token":             "unexpected symbol",
	"illegal hexadecimal number":    "malformed number",
}

// gopherMessage words an error of gopher-lua's parser or compiler (one
// the checker let through) in Lua's form, NAME:LINE: MESSAGE near 'TOKEN';
// src is the chunk, for the line of its end.
func gopherMessage(name string, src []byte, err error) string {
	var perr *parse.Error
	if errors.As(err, &perr) {
		msg := strings.TrimSpace(perr.Message)
		if m, ok := gopherWording[msg]; ok {
			msg = m
		}
		if perr.Pos.Line == parse.EOF {
			return fmt.Sprintf("%s:%d: %s near '<eof>'", name, lastLine(src), msg)
		}
		return fmt.Sprintf("%s:%d: %s near '%s'", name, perr.Pos.Line, msg, printable(perr.Token))
	}
	var cerr *lua.CompileError
	if errors.As(err, &cerr) {
		// gopher-lua puts errors of a whole function at the line it is
		// defined on: 0 for the main chunk, which Lua's lines never are.
		return fmt.Sprintf("%s:%d: %s", name, max(cerr.Line, 1), cerr.Message)
	}
	return fmt.Sprintf("%s: %s", name, strings.TrimSpace(err.Error()))
}

// lastLine is the number of the chunk's last line, where Lua reports an
// error at its end: \r\n and \n\r count as one line break.
func lastLine(src []byte) int {
	line := 1
	for i := 0; i < len(src); i++ {
		if c := src[i]; c == '\n' || c == '\r' {
			if i+1 < len(src) && (src[i+1] == '\n' || src[i+1] == '\r') && src[i+1] != c {
				i++
			}
			line++
		}
	}
	return line
}
