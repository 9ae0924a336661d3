package host

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua words a syntax error as "NAME line:3(column:7) near 'x':
// syntax error"; Lua users expect "NAME:3: syntax error near 'x'". The
// patterns are compiled on first use: compiling them at start-up cost every
// run of loopscript about a millisecond.
var (
	gopherSyntax = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(.*?) line:(\d+)\(column:\d+\) near '(.*)':\s*(.*)$`)
	})
	gopherEOF = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(.*?) at EOF:\s*(.*)$`)
	})
)

func syntaxMessage(name string, err error) string {
	msg := err.Error()
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) && apiErr.Cause != nil {
		msg = apiErr.Cause.Error()
	}
	msg = strings.TrimSpace(msg)
	if m := gopherSyntax().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s:%s: %s near '%s'", name, m[2], m[4], printable(m[3]))
	}
	if m := gopherEOF().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: %s near <eof>", name, m[2])
	}
	if !strings.HasPrefix(msg, name) {
		msg = name + ": " + msg
	}
	return msg
}

// printable spells control bytes as reference Lua does, <\27>, so a binary
// file's syntax error cannot write escape sequences to the terminal.
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
