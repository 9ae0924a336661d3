package types

import (
	"fmt"
	"strings"
)

// scanType reads the type at the start of s, as lua-language-server writes
// one in an annotation (`string`, `Deferred?`, `"a"|"b"`, `(string|number)[]`,
// `{host?: string}`, `table<string, string>`, `fun(d: Deferred): any`), and
// returns it and the text after it, both trimmed. Brackets and quotes must
// balance; spaces may stand around `|` but end the type elsewhere, so the
// description that follows a type is never taken for part of it.
func scanType(s string) (typ, rest string, err error) {
	s = strings.TrimLeft(s, " \t")
	pos := 0
	for {
		end, err := scanAtom(s, pos)
		if err != nil {
			return "", "", err
		}
		pos = end
		for {
			if strings.HasPrefix(s[pos:], "[]") {
				pos += 2
			} else if strings.HasPrefix(s[pos:], "?") {
				pos++
			} else {
				break
			}
		}
		next := skipSpaces(s, pos)
		if next < len(s) && s[next] == '|' {
			pos = skipSpaces(s, next+1)
			continue
		}
		return s[:pos], strings.TrimSpace(s[pos:]), nil
	}
}

func skipSpaces(s string, pos int) int {
	for pos < len(s) && (s[pos] == ' ' || s[pos] == '\t') {
		pos++
	}
	return pos
}

// scanAtom reads one alternative of a union from s[pos:] and returns where
// it ends.
func scanAtom(s string, pos int) (int, error) {
	if pos >= len(s) {
		return 0, fmt.Errorf("a type expected")
	}
	switch c := s[pos]; {
	case c == '"' || c == '\'':
		return scanQuoted(s, pos)
	case c == '(' || c == '{':
		return scanBalanced(s, pos)
	case c == '_' || isAlnum(c):
		end := pos
		for end < len(s) && (s[end] == '_' || s[end] == '.' || s[end] == '*' || isAlnum(s[end])) {
			end++
		}
		word := s[pos:end]
		if end < len(s) && s[end] == '<' {
			return scanBalanced(s, end)
		}
		if word == "fun" && end < len(s) && s[end] == '(' {
			end, err := scanBalanced(s, end)
			if err != nil {
				return 0, err
			}
			// fun(...): T, the result type after a colon and spaces.
			if end < len(s) && s[end] == ':' {
				after := s[end+1:]
				result, _, err := scanType(after)
				if err != nil {
					return 0, fmt.Errorf("the result type of %s: %w", s[pos:end], err)
				}
				lead := len(after) - len(strings.TrimLeft(after, " \t"))
				return end + 1 + lead + len(result), nil
			}
			return end, nil
		}
		return end, nil
	}
	return 0, fmt.Errorf("a type expected at %q", s[pos:])
}

func scanQuoted(s string, pos int) (int, error) {
	quote := s[pos]
	for i := pos + 1; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == quote {
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("an unclosed %c in a type", quote)
}

// scanBalanced reads from the bracket at s[pos] to the one that closes it,
// skipping quoted strings, and returns the index after the closing bracket.
func scanBalanced(s string, pos int) (int, error) {
	closing := map[byte]byte{'(': ')', '{': '}', '[': ']', '<': '>'}
	var want []byte
	for i := pos; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\'':
			end, err := scanQuoted(s, i)
			if err != nil {
				return 0, err
			}
			i = end - 1
		case closing[c] != 0:
			want = append(want, closing[c])
		case c == ')' || c == '}' || c == ']' || c == '>':
			if len(want) == 0 || want[len(want)-1] != c {
				return 0, fmt.Errorf("an unbalanced %c in a type", c)
			}
			want = want[:len(want)-1]
			if len(want) == 0 {
				return i + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("an unclosed %c in a type", s[pos])
}
