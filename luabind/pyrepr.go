package luabind

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// pythonRepr is Python's repr of s as a str, or, with bytes set, as a
// bytes value (b'...'): in single quotes (double when s has a ' and no "),
// with \\, \n, \r, \t and the quote escaped, other control bytes as \xNN,
// and for bytes every byte from 0x7f up as \xNN too. Twisted's messages
// quote values this way (log.err("text"), "got stderr: b'...'").
func pythonRepr(s string, bytes bool) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	if bytes {
		b.WriteByte('b')
	}
	b.WriteByte(quote)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == quote:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f || (bytes && c > 0x7f):
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// luaPythonRepr is repr(s [, bytes]) for the modules written in Lua.
func luaPythonRepr(L *lua.LState) int {
	L.Push(lua.LString(pythonRepr(L.CheckString(1), L.ToBool(2))))
	return 1
}
