package repl

import (
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// completionWait bounds how long Tab waits for the loop, which may be busy
// in a long callback: then Tab does nothing.
const completionWait = 500 * time.Millisecond

// onKey is x/term's completion callback, called on the terminal's goroutine
// for the keys it does not handle itself.
func (s *Session) onKey(line string, pos int, key rune) (string, int, bool) {
	switch key {
	case keyInterrupt:
		// Ctrl-C clears the line, or the chunk begun; with nothing to clear,
		// it interrupts the Lua code holding the loop (a callback in an
		// endless loop), which is reported above the prompt.
		if line == "" && !s.continuing {
			s.h.Interrupt()
		}
		s.interrupted.Store(true)
		return line + "^C", len(line) + 2, true
	case '\t':
		return s.complete(line, pos)
	}
	return "", 0, false
}

// complete completes the name before the cursor, looking the candidates
// up on the loop (see completion); a loop busy for longer than
// completionWait gets no completion.
func (s *Session) complete(line string, pos int) (string, int, bool) {
	lookup := func(path []string, partial string) []string {
		found := make(chan []string, 1)
		if err := s.h.CallFromGoroutine(func(L *lua.LState) { found <- candidates(L, path, partial) }); err != nil {
			return nil
		}
		select {
		case names := <-found:
			return names
		case <-time.After(completionWait):
			return nil
		}
	}
	newLine, newPos, ok, listing := completion(line, pos, lookup)
	if listing != "" {
		s.term.Write([]byte(listing + "\n"))
	}
	return newLine, newPos, ok
}

// completion completes the name before the cursor, a global or a field of
// the table a dotted path names (reactor.ca -> reactor.call_later), with
// the names lookup finds: the unique candidate, else the candidates' common
// prefix, else (ok false) the candidates in a listing to show above the
// prompt. What follows a method name (a:b.c) is not completed.
func completion(line string, pos int, lookup func(path []string, partial string) []string) (newLine string, newPos int, ok bool, listing string) {
	start := pos
	for start > 0 && isNameByte(line[start-1]) {
		start--
	}
	word := line[start:pos]
	cut := strings.LastIndexAny(word, ".:")
	path, partial := []string(nil), word
	if cut >= 0 {
		if strings.Contains(word[:cut], ":") {
			return "", 0, false, ""
		}
		path = strings.Split(word[:cut], ".")
		partial = word[cut+1:]
	}
	names := lookup(path, partial)
	if len(names) == 0 {
		return "", 0, false, ""
	}
	common := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, common) {
			common = common[:len(common)-1]
		}
	}
	if len(names) > 1 && common == partial {
		return "", 0, false, strings.Join(names, "  ")
	}
	head := line[:start] + word[:len(word)-len(partial)] + common
	return head + line[pos:], len(head), true, ""
}

func isNameByte(b byte) bool {
	return b == '_' || b == '.' || b == ':' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

// candidates, on the loop, are the string keys starting with partial of
// the table path names from the globals (with the modules, which are
// globals at the prompt), and of the table its metatable's __index is (a
// method table), sorted.
func candidates(L *lua.LState, path []string, partial string) (names []string) {
	defer func() {
		if recover() != nil { // a strict module's __index raised
			names = nil
		}
	}()
	var v lua.LValue = L.G.Global
	seen := map[string]bool{}
	if len(path) == 0 {
		if preload, ok := L.GetField(L.GetField(L.G.Global, "package"), "preload").(*lua.LTable); ok {
			addKeys(preload, partial, seen)
		}
	}
	for i, name := range path {
		t, ok := v.(*lua.LTable)
		if !ok {
			return nil
		}
		if i == 0 {
			v = L.GetField(t, name) // a module is loaded on first use
		} else {
			v = t.RawGetString(name) // a strict module raises on a name it lacks
		}
	}
	for depth := 0; depth < 4; depth++ { // a chain of __index tables, bounded
		t, ok := v.(*lua.LTable)
		if !ok {
			break
		}
		addKeys(t, partial, seen)
		mt, ok := L.GetMetatable(t).(*lua.LTable)
		if !ok {
			break
		}
		v = mt.RawGetString("__index")
	}
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func addKeys(t *lua.LTable, partial string, seen map[string]bool) {
	t.ForEach(func(k, _ lua.LValue) {
		if name, ok := k.(lua.LString); ok && strings.HasPrefix(string(name), partial) && !strings.HasPrefix(string(name), "__") {
			seen[string(name)] = true
		}
	})
}
