package luabind

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1's pattern matcher, with the semantics of lstrlib.c 5.1.5: the
// classes in the C locale (ASCII), sets, the quantifiers * + - ?, anchors,
// captures (position captures and back-references), %b and %f, and its
// errors, raised only when the match reaches the faulty item, as C does.
// The pattern is read as C reads a NUL-terminated string: a NUL byte in it
// ends it ("A pattern cannot contain embedded zeros", the 5.1 manual).

// luaMaxCaptures is Lua 5.1's LUA_MAXCAPTURES.
const luaMaxCaptures = 32

// maxPatternDepth bounds the matcher's recursion. Each recursive step
// consumes at least one pattern item (a quantifier, ? or a capture), so the
// depth is at most the pattern's length and a long subject never deepens it;
// only a pattern of thousands of such items reaches the bound, where C Lua
// 5.1 would overflow its C stack. The message is Lua 5.2's for the same
// guard.
const maxPatternDepth = 10000

// A capture's length, or one of these.
const (
	captureUnfinished = -1
	capturePosition   = -2
)

type patternCapture struct{ start, length int }

// patternError is an error in a pattern, with Lua 5.1's wording. The matcher
// panics with it; the entry points return it as an error.
type patternError string

func (e patternError) Error() string { return string(e) }

// patternMatcher is lstrlib.c's MatchState: one subject and one pattern,
// and the captures of the last match tried. The zero value with src and pat
// set is ready for use.
type patternMatcher struct {
	src, pat string
	level    int // captures opened so far
	depth    int
	capture  [luaMaxCaptures]patternCapture

	// Bytes every match must contain, found before the first search, and
	// where each next occurs in the subject (see mayMatchFrom).
	analyzed bool
	required []byte
	nextAt   [maxRequiredBytes]int
}

// maxRequiredBytes is how many bytes a matcher looks for before it tries a
// position.
const maxRequiredBytes = 4

// find is str_find_aux's search: the first match starting at from or later
// (only at from when the pattern starts with ^). start is -1 when nothing
// matches.
func (m *patternMatcher) find(from int) (start, end int, err error) {
	if m.patByte(0) == '^' {
		return m.search(from, 1, true)
	}
	return m.search(from, 0, false)
}

// search tries the pattern from its byte p at each position of the subject
// from from (only there if anchor), with no captures yet: the first match's
// start and end, or -1 and -1.
func (m *patternMatcher) search(from, p int, anchor bool) (start, end int, err error) {
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(patternError)
			if !ok {
				panic(r)
			}
			start, end, err = -1, -1, pe
		}
	}()
	if !anchor && !m.analyzed {
		m.analyze(p)
	}
	for s := from; s <= len(m.src); s++ {
		if !anchor && !m.mayMatchFrom(s) {
			break
		}
		m.level, m.depth = 0, 0
		if e := m.match(s, p); e >= 0 {
			return s, e, nil
		}
		if anchor {
			break
		}
	}
	return -1, -1, nil
}

// captureCount is how many values a match pushes (push_captures): its
// captures, or 1 for the whole match when it has none and wholeMatch is set
// (find pushes positions instead).
func (m *patternMatcher) captureCount(wholeMatch bool) int {
	if m.level == 0 && wholeMatch {
		return 1
	}
	return m.level
}

// captureValue is capture i (0-based) of the match from start to end, as
// push_onecapture: a string, a position, or the whole match for capture 0
// of a pattern without captures.
func (m *patternMatcher) captureValue(i, start, end int) (lua.LValue, error) {
	if i >= m.level {
		if i == 0 {
			return lua.LString(m.src[start:end]), nil
		}
		return nil, patternError("invalid capture index")
	}
	c := m.capture[i]
	switch c.length {
	case captureUnfinished:
		return nil, patternError("unfinished capture")
	case capturePosition:
		return lua.LNumber(c.start + 1), nil
	}
	return lua.LString(m.src[c.start : c.start+c.length]), nil
}

// patByte is the pattern's byte at p, 0 past its end, as in C.
func (m *patternMatcher) patByte(p int) byte {
	if p < len(m.pat) {
		return m.pat[p]
	}
	return 0
}

// srcByte is the subject's byte at s, 0 at its end (a Lua string's
// terminating NUL, which %f and %b read).
func (m *patternMatcher) srcByte(s int) byte {
	if s < len(m.src) {
		return m.src[s]
	}
	return 0
}

// match is lstrlib.c's match: the end of a match of the pattern from p at
// the subject from s, or -1. The items C handles with goto init loop here;
// the others recurse, one pattern item deeper each time.
func (m *patternMatcher) match(s, p int) int {
	m.depth++
	if m.depth > maxPatternDepth {
		panic(patternError("pattern too complex"))
	}
	res := m.matchItems(s, p)
	m.depth--
	return res
}

func (m *patternMatcher) matchItems(s, p int) int {
	for {
		switch m.patByte(p) {
		case '(':
			if m.patByte(p+1) == ')' {
				return m.startCapture(s, p+2, capturePosition)
			}
			return m.startCapture(s, p+1, captureUnfinished)
		case ')':
			return m.endCapture(s, p+1)
		case 0:
			return s
		case '$':
			if m.patByte(p+1) == 0 {
				if s == len(m.src) {
					return s
				}
				return -1
			}
		case '%':
			switch c := m.patByte(p + 1); {
			case c == 'b':
				if s = m.matchBalance(s, p+2); s < 0 {
					return -1
				}
				p += 4
				continue
			case c == 'f':
				p += 2
				if m.patByte(p) != '[' {
					panic(patternError("missing '[' after '%f' in pattern"))
				}
				ep := m.classEnd(p)
				var previous byte
				if s > 0 {
					previous = m.src[s-1]
				}
				if m.matchSet(previous, p, ep-1) || !m.matchSet(m.srcByte(s), p, ep-1) {
					return -1
				}
				p = ep
				continue
			case isDigit(c):
				if s = m.matchCapture(s, c); s < 0 {
					return -1
				}
				p += 2
				continue
			}
		}
		// A single-character item, perhaps with a quantifier.
		ep := m.classEnd(p)
		matched := s < len(m.src) && m.singleMatch(m.src[s], p, ep)
		switch m.patByte(ep) {
		case '?':
			if matched {
				if res := m.match(s+1, ep+1); res >= 0 {
					return res
				}
			}
			p = ep + 1
		case '*':
			return m.maxExpand(s, p, ep)
		case '+':
			if !matched {
				return -1
			}
			return m.maxExpand(s+1, p, ep)
		case '-':
			return m.minExpand(s, p, ep)
		default:
			if !matched {
				return -1
			}
			s, p = s+1, ep
		}
	}
}

// classEnd is the end of the single-character item at p.
func (m *patternMatcher) classEnd(p int) int {
	c := m.patByte(p)
	p++
	switch c {
	case '%':
		if m.patByte(p) == 0 {
			panic(patternError("malformed pattern (ends with '%')"))
		}
		return p + 1
	case '[':
		if m.patByte(p) == '^' {
			p++
		}
		// The set's first character is never its end: "[]]" is a set of ']'.
		for {
			c := m.patByte(p)
			if c == 0 {
				panic(patternError("malformed pattern (missing ']')"))
			}
			p++
			if c == '%' && m.patByte(p) != 0 {
				p++ // an escaped character, such as %]
			}
			if m.patByte(p) == ']' {
				return p + 1
			}
		}
	}
	return p
}

// singleMatch reports whether c matches the single-character item from p to
// ep.
func (m *patternMatcher) singleMatch(c byte, p, ep int) bool {
	switch m.pat[p] {
	case '.':
		return true
	case '%':
		return matchClass(c, m.pat[p+1])
	case '[':
		return m.matchSet(c, p, ep-1)
	}
	return m.pat[p] == c
}

// matchSet reports whether c is in the set from p (its '[') to ec (its ']').
func (m *patternMatcher) matchSet(c byte, p, ec int) bool {
	in := true
	if m.pat[p+1] == '^' {
		in = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case m.pat[p] == '%':
			p++
			if matchClass(c, m.pat[p]) {
				return in
			}
		case m.pat[p+1] == '-' && p+2 < ec:
			if m.pat[p] <= c && c <= m.pat[p+2] {
				return in
			}
			p += 2
		case m.pat[p] == c:
			return in
		}
	}
	return !in
}

// matchClass reports whether c is in the class named by the letter cl (its
// complement for an upper-case letter), or is cl when cl names no class.
func matchClass(c, cl byte) bool {
	var in bool
	switch cl | 0x20 {
	case 'a':
		in = isASCIILetter(c)
	case 'c':
		in = c < 0x20 || c == 0x7f
	case 'd':
		in = isDigit(c)
	case 'l':
		in = 'a' <= c && c <= 'z'
	case 'p':
		in = isPunct(c)
	case 's':
		in = c == ' ' || '\t' <= c && c <= '\r'
	case 'u':
		in = 'A' <= c && c <= 'Z'
	case 'w':
		in = isASCIILetter(c) || isDigit(c)
	case 'x':
		in = isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f'
	case 'z':
		in = c == 0
	default:
		return cl == c
	}
	if 'A' <= cl && cl <= 'Z' {
		return !in
	}
	return in
}

// isClassLetter reports whether %c names a class (else it is c itself).
func isClassLetter(c byte) bool {
	return strings.IndexByte("acdlpsuwxz", c|0x20) >= 0 && isASCIILetter(c)
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// isPunct is C's ispunct: a printable character that is neither a letter,
// a digit nor a space.
func isPunct(c byte) bool { return '!' <= c && c <= '~' && !isASCIILetter(c) && !isDigit(c) }

// maxExpand matches the item from p to ep as many times as it can, then
// gives back one at a time until the rest of the pattern matches.
func (m *patternMatcher) maxExpand(s, p, ep int) int {
	i := 0
	for s+i < len(m.src) && m.singleMatch(m.src[s+i], p, ep) {
		i++
	}
	for ; i >= 0; i-- {
		if res := m.match(s+i, ep+1); res >= 0 {
			return res
		}
	}
	return -1
}

// minExpand matches the item from p to ep as few times as the rest of the
// pattern lets it.
func (m *patternMatcher) minExpand(s, p, ep int) int {
	for {
		if res := m.match(s, ep+1); res >= 0 {
			return res
		}
		if s < len(m.src) && m.singleMatch(m.src[s], p, ep) {
			s++
		} else {
			return -1
		}
	}
}

func (m *patternMatcher) startCapture(s, p, what int) int {
	if m.level >= luaMaxCaptures {
		panic(patternError("too many captures"))
	}
	m.capture[m.level] = patternCapture{start: s, length: what}
	m.level++
	res := m.match(s, p)
	if res < 0 {
		m.level--
	}
	return res
}

func (m *patternMatcher) endCapture(s, p int) int {
	l := m.captureToClose()
	m.capture[l].length = s - m.capture[l].start
	res := m.match(s, p)
	if res < 0 {
		m.capture[l].length = captureUnfinished
	}
	return res
}

// captureToClose is the innermost capture still open.
func (m *patternMatcher) captureToClose() int {
	for l := m.level - 1; l >= 0; l-- {
		if m.capture[l].length == captureUnfinished {
			return l
		}
	}
	panic(patternError("invalid pattern capture"))
}

// matchBalance is %bxy at p (x at p, y after it): the end of a balanced
// string from s, or -1.
func (m *patternMatcher) matchBalance(s, p int) int {
	open, close := m.patByte(p), m.patByte(p+1)
	if open == 0 || close == 0 {
		panic(patternError("unbalanced pattern"))
	}
	if m.srcByte(s) != open {
		return -1
	}
	depth := 1
	for s++; s < len(m.src); s++ {
		switch m.src[s] {
		case close: // checked first: in %baa each a closes
			if depth--; depth == 0 {
				return s + 1
			}
		case open:
			depth++
		}
	}
	return -1
}

// matchCapture is the back-reference %d (d the digit byte) at s: the end of
// a copy of that capture, or -1. A position capture is never matched.
func (m *patternMatcher) matchCapture(s int, d byte) int {
	l := int(d) - '1'
	if l < 0 || l >= m.level || m.capture[l].length == captureUnfinished {
		panic(patternError("invalid capture index"))
	}
	c := m.capture[l]
	if c.length < 0 || len(m.src)-s < c.length || m.src[c.start:c.start+c.length] != m.src[s:s+c.length] {
		return -1
	}
	return s + c.length
}

// analyze finds the bytes every match of the pattern from p must contain:
// the literal characters of the pattern's first items that are neither
// optional nor after an item that could raise an error. A search stops
// where one of them no longer occurs in the rest of the subject; without
// this, a failing search such as ("a"):rep(1e6):find(".-b") takes time
// quadratic in the subject, as in C Lua. Errors stay where C raises them:
// every item before the last byte found cannot raise, and no item after a
// byte can be reached where the byte does not occur.
func (m *patternMatcher) analyze(p int) {
	m.analyzed = true
	for i := range m.nextAt {
		m.nextAt[i] = -1
	}
	if len(m.pat) >= maxPatternDepth-2 {
		return // a pattern long enough to be too complex
	}
	open, captures := 0, 0
	for p < len(m.pat) && len(m.required) < maxRequiredBytes {
		switch m.pat[p] {
		case 0:
			return
		case '(':
			if captures++; captures > luaMaxCaptures {
				return
			}
			if m.patByte(p+1) == ')' {
				p += 2
			} else {
				open++
				p++
			}
			continue
		case ')':
			if open == 0 {
				return
			}
			open--
			p++
			continue
		case '$':
			if m.patByte(p+1) == 0 {
				return
			}
		case '%':
			if c := m.patByte(p + 1); c == 0 || c == 'b' || c == 'f' || isDigit(c) {
				return
			}
		}
		ep, ok := m.wellFormedClassEnd(p)
		if !ok {
			return
		}
		literal, isLiteral := m.pat[p], true
		switch literal {
		case '.', '[':
			isLiteral = false
		case '%':
			literal = m.pat[p+1]
			isLiteral = !isClassLetter(literal)
		}
		switch m.patByte(ep) {
		case '?', '*', '-':
			p = ep + 1
			continue
		case '+':
			p = ep + 1
		default:
			p = ep
		}
		if isLiteral {
			m.required = append(m.required, literal)
		}
	}
}

// wellFormedClassEnd is classEnd without its errors: false where classEnd
// would raise.
func (m *patternMatcher) wellFormedClassEnd(p int) (end int, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isPatternError := r.(patternError); !isPatternError {
				panic(r)
			}
			end, ok = 0, false
		}
	}()
	return m.classEnd(p), true
}

// mayMatchFrom reports whether every required byte occurs at or after s.
// The callers' searches only move forward (s never decreases for one
// matcher), so each byte's next position is looked up again
// only once s passes it: the lookups cost one pass over the subject.
func (m *patternMatcher) mayMatchFrom(s int) bool {
	for i, c := range m.required {
		switch at := m.nextAt[i]; {
		case at == -2: // not in the subject after an earlier s
			return false
		case at < s:
			k := strings.IndexByte(m.src[s:], c)
			if k < 0 {
				m.nextAt[i] = -2
				return false
			}
			m.nextAt[i] = s + k
		}
	}
	return true
}
