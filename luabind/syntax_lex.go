package luabind

import (
	"fmt"
	"strings"
)

// token is a Lua token: a byte for a single-character token, or one of the
// tk constants.
type token int

const (
	tkAnd token = 257 + iota
	tkBreak
	tkDo
	tkElse
	tkElseif
	tkEnd
	tkFalse
	tkFor
	tkFunction
	tkGoto // a reserved word in gopher-lua, which has goto and labels
	tkIf
	tkIn
	tkLocal
	tkNil
	tkNot
	tkOr
	tkRepeat
	tkReturn
	tkThen
	tkTrue
	tkUntil
	tkWhile
	tkConcat
	tkDots
	tkEq
	tkGe
	tkLe
	tkNe
	tkDbColon
	tkNumber
	tkName
	tkString
	tkEOS
)

// tokenText is how Lua 5.1 spells each tk token in messages.
var tokenText = [...]string{
	"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto",
	"if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true",
	"until", "while", "..", "...", "==", ">=", "<=", "~=", "::",
	"<number>", "<name>", "<string>", "<eof>",
}

var reserved = func() map[string]token {
	m := map[string]token{}
	for t := tkAnd; t <= tkWhile; t++ {
		m[tokenText[t-tkAnd]] = t
	}
	return m
}()

// tokenString is luaX_token2str: a token as "expected" messages name it.
func tokenString(t token) string {
	if t >= tkAnd {
		return tokenText[t-tkAnd]
	}
	if c := byte(t); c < ' ' || c == 0x7f {
		return fmt.Sprintf("char(%d)", c)
	}
	return string(rune(t))
}

// syntaxError is a chunk's first error, worded as Lua 5.1 words it.
type syntaxError struct {
	line int
	msg  string
}

// lexer splits a chunk into tokens by Lua 5.1's rules (llex.c), with
// gopher-lua's goto and ::, and words lexical errors as Lua does. It works
// on the bytes in place: a token is its offsets, its text is rebuilt only
// for an error message.
type lexer struct {
	src  []byte
	pos  int // the next byte to read
	line int // the line the lexer has reached (Lua's linenumber)

	tok      token // the current token
	tokStart int   // where it starts in src
	lastLine int   // the line the previous token ended on

	ahead      token // a token read ahead, when hasAhead
	aheadStart int
	hasAhead   bool

	quiet bool // fail without the message: a reread for a token's text
}

func (l *lexer) fail(msg string) {
	panic(&syntaxError{line: l.line, msg: msg})
}

// failNear fails with msg near the token t whose text, for a name, number or
// string, starts at start; t 0 is no token (Lua omits "near" then).
func (l *lexer) failNear(msg string, t token, start int) {
	if l.quiet {
		panic(&syntaxError{})
	}
	if t != 0 {
		msg = fmt.Sprintf("%s near '%s'", msg, printable(l.tokenText(t, start)))
	}
	l.fail(msg)
}

// syntaxFail is luaX_syntaxerror: msg near the current token.
func (l *lexer) syntaxFail(msg string) { l.failNear(msg, l.tok, l.tokStart) }

func (l *lexer) next() {
	l.lastLine = l.line
	if l.hasAhead {
		l.tok, l.tokStart, l.hasAhead = l.ahead, l.aheadStart, false
		return
	}
	l.tok, l.tokStart = l.scan()
}

func (l *lexer) lookahead() token {
	l.ahead, l.aheadStart = l.scan()
	l.hasAhead = true
	return l.ahead
}

func (l *lexer) current() int {
	if l.pos < len(l.src) {
		return int(l.src[l.pos])
	}
	return -1
}

func isNewline(c int) bool { return c == '\n' || c == '\r' }
func isAlpha(c int) bool   { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isAlnum(c int) bool   { return isAlpha(c) || isDigit(c) }
func isHex(c int) bool     { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// newline consumes a line break: \n, \r, \n\r or \r\n.
func (l *lexer) newline() {
	old := l.current()
	l.pos++
	if c := l.current(); isNewline(c) && c != old {
		l.pos++
	}
	l.line++
}

// scan reads the next token and returns it with its start offset.
func (l *lexer) scan() (token, int) {
	for {
		start := l.pos
		c := l.current()
		switch {
		case c < 0:
			return tkEOS, start
		case isNewline(c):
			l.newline()
		case c == ' ' || c == '\t' || c == '\v' || c == '\f':
			l.pos++
		case c == '-':
			l.pos++
			if l.current() != '-' {
				return '-', start
			}
			l.pos++
			if l.current() == '[' {
				if sep := l.skipSep(); sep >= 0 {
					l.longString(sep, false, nil)
					continue
				}
			}
			for c := l.current(); c >= 0 && !isNewline(c); c = l.current() {
				l.pos++
			}
		case c == '[':
			sep := l.skipSep()
			if sep >= 0 {
				l.longString(sep, true, nil)
				return tkString, start
			}
			if sep != -1 {
				l.failNear("invalid long string delimiter", tkString, start)
			}
			return '[', start
		case c == '=' || c == '<' || c == '>' || c == '~':
			l.pos++
			if l.current() != '=' {
				return token(c), start
			}
			l.pos++
			switch c {
			case '=':
				return tkEq, start
			case '<':
				return tkLe, start
			case '>':
				return tkGe, start
			}
			return tkNe, start
		case c == ':':
			l.pos++
			if l.current() == ':' {
				l.pos++
				return tkDbColon, start
			}
			return ':', start
		case c == '"' || c == '\'':
			l.shortString(start, nil)
			return tkString, start
		case c == '.':
			l.pos++
			if l.current() == '.' {
				l.pos++
				if l.current() == '.' {
					l.pos++
					return tkDots, start
				}
				return tkConcat, start
			}
			if !isDigit(l.current()) {
				return '.', start
			}
			l.numeral(start)
			return tkNumber, start
		case isDigit(c):
			l.numeral(start)
			return tkNumber, start
		case isAlpha(c):
			for isAlnum(l.current()) {
				l.pos++
			}
			if t, ok := reserved[string(l.src[start:l.pos])]; ok {
				return t, start
			}
			return tkName, start
		default:
			l.pos++
			return token(c), start
		}
	}
}

// skipSep reads [ or ] and the = signs after it: their count if the same
// bracket follows (left unread), else -count-1.
func (l *lexer) skipSep() int {
	bracket := l.current()
	l.pos++
	count := 0
	for l.current() == '=' {
		l.pos++
		count++
	}
	if l.current() == bracket {
		return count
	}
	return -count - 1
}

// longString reads a long string or comment from its second bracket, to
// the closing one. buf, if not nil, receives the token's text as Lua keeps
// it for messages.
func (l *lexer) longString(sep int, isString bool, buf *[]byte) {
	save := func(from int) {
		if buf != nil {
			*buf = append(*buf, l.src[from:l.pos]...)
		}
	}
	from := l.pos
	l.pos++
	save(from)
	if isNewline(l.current()) {
		l.newline()
	}
	for {
		from := l.pos
		switch c := l.current(); {
		case c < 0:
			if isString {
				l.failNear("unfinished long string", tkEOS, 0)
			}
			l.failNear("unfinished long comment", tkEOS, 0)
		case c == '[':
			if l.skipSep() == sep {
				l.pos++
				if sep == 0 {
					l.failNear("nesting of [[...]] is deprecated", '[', 0)
				}
			}
			save(from)
		case c == ']':
			if l.skipSep() == sep {
				l.pos++
				save(from)
				return
			}
			save(from)
		case isNewline(c):
			l.newline()
			if buf != nil {
				*buf = append(*buf, '\n')
			}
		default:
			l.pos++
			save(from)
		}
	}
}

// shortString reads a quoted string from its opening quote at start. buf,
// if not nil, receives the text Lua keeps: the quotes and the string's
// bytes, escapes decoded.
func (l *lexer) shortString(start int, buf *[]byte) {
	save := func(b byte) {
		if buf != nil {
			*buf = append(*buf, b)
		}
	}
	quote := l.current()
	save(byte(quote))
	l.pos++
	for {
		c := l.current()
		switch {
		case c == quote:
			l.pos++
			save(byte(c))
			return
		case c < 0:
			l.failNear("unfinished string", tkEOS, 0)
		case isNewline(c):
			l.failNear("unfinished string", tkString, start)
		case c == '\\':
			l.pos++
			switch e := l.current(); {
			case e < 0:
				// the next turn reports the unfinished string
			case isNewline(e):
				save('\n')
				l.newline()
			case isDigit(e):
				v := 0
				for i := 0; i < 3 && isDigit(l.current()); i++ {
					v = 10*v + l.current() - '0'
					l.pos++
				}
				if v > 255 {
					l.failNear("escape sequence too large", tkString, start)
				}
				save(byte(v))
			default:
				if i := strings.IndexByte("abfnrtv", byte(e)); i >= 0 {
					save("\a\b\f\n\r\t\v"[i])
				} else {
					save(byte(e))
				}
				l.pos++
			}
		default:
			l.pos++
			save(byte(c))
		}
	}
}

// numeral reads a number as Lua 5.1 does: digits and dots, an exponent's
// sign, then any letters, digits and underscores; it must then convert as C's
// strtod converts it whole (which takes hexadecimal, 0x1p4 too).
func (l *lexer) numeral(start int) {
	for c := l.current(); isDigit(c) || c == '.'; c = l.current() {
		l.pos++
	}
	if c := l.current(); c == 'e' || c == 'E' {
		l.pos++
		if c := l.current(); c == '+' || c == '-' {
			l.pos++
		}
	}
	for isAlnum(l.current()) {
		l.pos++
	}
	if text := l.src[start:l.pos]; strtodLength(text) != len(text) {
		l.failNear("malformed number", tkNumber, start)
	}
}

// strtodLength is how many bytes of s C's strtod converts (s starts with a
// digit or a dot).
func strtodLength(s []byte) int {
	at := func(i int) int {
		if i < len(s) {
			return int(s[i])
		}
		return -1
	}
	digits := isDigit[int]
	exponent := func(c int) bool { return c == 'e' || c == 'E' }
	i := 0
	if at(0) == '0' && (at(1) == 'x' || at(1) == 'X') {
		digits = isHex
		exponent = func(c int) bool { return c == 'p' || c == 'P' }
		i = 2
	}
	mantissa := i
	n := 0
	for ; digits(at(i)); i++ {
		n++
	}
	if at(i) == '.' {
		i++
		for ; digits(at(i)); i++ {
			n++
		}
	}
	if n == 0 {
		if mantissa == 2 {
			return 1 // "0x" with no digit: strtod takes the 0
		}
		return 0
	}
	if exponent(at(i)) {
		j := i + 1
		if at(j) == '+' || at(j) == '-' {
			j++
		}
		if isDigit(at(j)) {
			for isDigit(at(j)) {
				j++
			}
			i = j
		}
	}
	return i
}

// tokenText is txtToken: a name or number as written, a string as Lua
// keeps it (quotes, escapes decoded), anything else as tokenString says.
// Lua's message is a C string: it ends at a NUL byte.
func (l *lexer) tokenText(t token, start int) string {
	var text string
	switch t {
	case tkName, tkNumber:
		end := start
		if t == tkName {
			for end < len(l.src) && isAlnum(int(l.src[end])) {
				end++
			}
		} else {
			end = numeralEnd(l.src, start)
		}
		text = string(l.src[start:end])
	case tkString:
		text = l.stringText(start)
	default:
		return tokenString(t)
	}
	if i := strings.IndexByte(text, 0); i >= 0 {
		text = text[:i]
	}
	return text
}

// numeralEnd is where the numeral at start ends, by numeral's rules.
func numeralEnd(src []byte, start int) int {
	sub := &lexer{src: src, pos: start}
	cur := func() int { return sub.current() }
	for c := cur(); isDigit(c) || c == '.'; c = cur() {
		sub.pos++
	}
	if c := cur(); c == 'e' || c == 'E' {
		sub.pos++
		if c := cur(); c == '+' || c == '-' {
			sub.pos++
		}
	}
	for isAlnum(cur()) {
		sub.pos++
	}
	return sub.pos
}

// stringText rereads the string token at start, collecting its text; a
// string that is not closed stops the reread where it stopped the lexer.
func (l *lexer) stringText(start int) (text string) {
	sub := &lexer{src: l.src, pos: start, quiet: true}
	var buf []byte
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(*syntaxError); !ok {
				panic(r)
			}
		}
		text = string(buf)
	}()
	if sub.current() == '[' {
		buf = append(buf, '[')
		sep := sub.skipSep()
		buf = append(buf, strings.Repeat("=", max(sep, -sep-1))...)
		if sep >= 0 {
			sub.longString(sep, true, &buf)
		}
		return
	}
	sub.shortString(start, &buf)
	return
}
