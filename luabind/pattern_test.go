package luabind

import (
	"strings"
	"testing"
	"time"
)

// patternCases are Lua 5.1.5's pattern matching, one line of Lua each;
// want is what lua5.1 prints for it (TestPatternsAgainstLua51 checks), with
// the chunk named test.lua.
var patternCases = []luaCase{
	{"frontier", `print(string.find("THE (quick) fox", "%f[%a]%a+"))`,
		"1\t3\n"},
	{"frontier at the end", `print(string.gsub("hello world", "%f[%w]%w+%f[%W]", "<%0>"))`,
		"<hello> <world>\t2\n"},
	{"frontier over NUL", `print(string.find("a\0b", "%f[%z]")) print(string.find("ab", "%f[%Z]"))`,
		"2\t1\n1\t0\n"},
	{"set missing bracket", `print(pcall(function() return string.find("a", "[a") end))`,
		"false\ttest.lua:1: malformed pattern (missing ']')\n"},
	{"set with escaped bracket", `print(pcall(function() return string.find("a", "[a%]") end))`,
		"false\ttest.lua:1: malformed pattern (missing ']')\n"},
	{"percent at the end", `print(pcall(function() return string.find("a", "%") end))`,
		"false\ttest.lua:1: malformed pattern (ends with '%')\n"},
	{"unfinished capture", `print(pcall(function() return string.find("a", "(") end))`,
		"false\ttest.lua:1: unfinished capture\n"},
	{"unfinished capture in match", `print(pcall(function() return string.match("ab", "(a") end))`,
		"false\ttest.lua:1: unfinished capture\n"},
	{"gsub leaves an unfinished capture unread", `print(pcall(function() return string.gsub("aa", "(a", "x") end))`,
		"true\txx\t2\n"},
	{"invalid pattern capture", `print(pcall(function() return string.find("a", "a)") end))`,
		"true\tnil\n"},
	{"missing bracket after frontier", `print(pcall(function() return string.find("a", "%fa") end))`,
		"false\ttest.lua:1: missing '[' after '%f' in pattern\n"},
	{"unbalanced pattern", `print(pcall(function() return string.find("a", "%b") end)) print(pcall(function() return string.find("a", "%ba") end))`,
		"false\ttest.lua:1: unbalanced pattern\nfalse\ttest.lua:1: unbalanced pattern\n"},
	{"invalid capture index", `print(pcall(function() return string.find("aa", "(a)%2") end)) print(pcall(function() return string.find("aa", "%0") end))`,
		"false\ttest.lua:1: invalid capture index\nfalse\ttest.lua:1: invalid capture index\n"},
	{"back-reference to an open capture", `print(pcall(function() return string.find("aa", "(a%1)") end))`,
		"false\ttest.lua:1: invalid capture index\n"},
	{"too many captures", `print(pcall(function() return string.find("a", string.rep("()", 33)) end)) print(select("#", string.find("a", string.rep("()", 32))))`,
		"false\ttest.lua:1: too many captures\n34\n"},
	{"errors only where the match reaches them", `print(string.find("b", "a[")) print(string.find("b", "a%")) print(string.find("xx", "y%f")) print(string.match("b", "a(%1"))`,
		"nil\nnil\nnil\nnil\n"},
	{"classes", `print(string.gsub("aZ9 _\t\1.~\128", "%a", "A")) print(string.gsub("aZ9 _\t\1.~\128", "%c", "C")) print(string.gsub("aZ9 _\t\1.~\128", "%p", "P"))`,
		"AA9 _\t\x01.~\x80\t2\naZ9 _CC.~\x80\t2\naZ9 P\t\x01PP\x80\t3\n"},
	{"more classes", `print(string.gsub("aZ9f \n\v", "%s", "S")) print(string.gsub("aZ9fG", "%x", "X")) print(string.gsub("aZ9fG_", "%w", "W")) print(string.gsub("aZ\0b", "%z", "Z"))`,
		"aZ9fSSS\t3\nXZXXG\t3\nWWWWW_\t5\naZZb\t1\n"},
	{"complements", `print(string.gsub("aZ9 .", "%A", "-")) print(string.gsub("aZ9 .", "%L", "-")) print(string.gsub("aZ9 .", "%U", "-")) print(string.gsub("aZ9 .", "%D", "-"))`,
		"aZ---\t3\na----\t4\n-Z---\t4\n--9--\t4\n"},
	{"escaped non-class", `print(string.find("a.b", "%.")) print(string.find("a%b", "%%")) print(string.find("aqb", "%q"))`,
		"2\t2\n2\t2\n2\t2\n"},
	{"sets", `print(string.find("hello]", "[]]")) print(string.find("a-z", "[a%-]+")) print(string.find("xyz-", "[^x-z]")) print(string.match("2024-12", "[%d-]+")) print(string.match("a-b", "[a-]+"))`,
		"6\t6\n1\t2\n4\t4\n2024-12\na-\n"},
	{"range at the end of a set", `print(string.match("c-", "[a-]+")) print(string.match("b", "[a-c]")) print(string.match("^x", "[^^]"))`,
		"-\nb\nx\n"},
	{"quantifiers", `print(string.match("aaab", "a-b")) print(string.match("aaab", "a*")) print(string.match("b", "a+")) print(string.match("ab", "a?ab")) print(string.match("<<a>>", "<(.-)>"))`,
		"aaab\naaa\nnil\nab\n<a\n"},
	{"anchors", `print(string.find("aab", "^a+")) print(string.find("baa", "^a")) print(string.find("aab", "b$")) print(string.find("a$b", "$b")) print(string.find("ab", "a$", 1))`,
		"1\t2\nnil\n3\t3\n2\t3\nnil\n"},
	{"init positions", `print(string.find("abab", "b", -1)) print(string.find("abab", "", 10)) print(string.find("abab", "^b", 2)) print(string.match("abc", "()", 4))`,
		"4\t4\n5\t4\n2\t2\n4\n"},
	{"position captures", `print(string.find("hello", "()ll()")) print(string.match("hello", "()(l+)()"))`,
		"3\t4\t3\t5\n3\tll\t5\n"},
	{"back-references", `print(string.match('x = "a\'b" y', "([\"'])(.-)%1")) print(string.find("abab", "(ab)%1")) print(string.find("aa", "()%1"))`,
		"\"\ta'b\n1\t4\tab\nnil\n"},
	{"balanced", `print(string.match("f(a(b)c) d", "%b()")) print(string.match("{{x}", "%b{}")) print(string.find("aaa", "%baa"))`,
		"(a(b)c)\n{x}\n1\t2\n"},
	{"gmatch empty matches", `local t = {} for w in string.gmatch("abc", "%a*") do t[#t + 1] = "<" .. w .. ">" end print(table.concat(t))`,
		"<abc><>\n"},
	{"gmatch has no anchor", `local t = {} for w in string.gmatch("^a^b", "^.") do t[#t + 1] = w end print(table.concat(t, ","))`,
		"^a,^b\n"},
	{"gmatch captures", `local t = {} for k, v in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do t[#t + 1] = k .. v .. ";" end print(table.concat(t))`,
		"a1;b2;\n"},
	{"gsub empty matches", `print(string.gsub("abc", "%a*", "-")) print(string.gsub("abc", "", "-")) print(string.gsub("", "", "x"))`,
		"--\t2\n-a-b-c-\t4\nx\t1\n"},
	{"gsub anchored", `print(string.gsub("aaa", "^a", "b")) print(string.gsub("baa", "^a", "b")) print(string.gsub("abc", "^", ">"))`,
		"baa\t1\nbaa\t0\n>abc\t1\n"},
	{"gsub limit", `print(string.gsub("aaaa", "a", "b", 2)) print(string.gsub("abc", "%w", "%0%0", 0))`,
		"bbaa\t2\nabc\t0\n"},
	{"gsub repl", `print(string.gsub("hello world", "(o)", {o = "0"})) print(string.gsub("abc", "%w", function(c) return c:byte() end)) print(string.gsub("ab", "()", "%1"))`,
		"hell0 w0rld\t2\n979899\t3\n1a2b3\t3\n"},
	{"embedded NUL ends the pattern", `print(string.match("a\0b", "a\0b")) print(string.find("a\0%", "a\0%")) print(string.find("x\0y", "%z"))`,
		"a\n1\t3\n2\t2\n"},
	{"long subject", `print(string.find(string.rep("a", 100000), ".-b")) print(#string.match(string.rep("a", 100000), ".*")) print(string.find(string.rep("a", 100000) .. "b", "a-b"))`,
		"nil\n100000\n1\t100001\n"},
	{"long subject with captures", `print(#string.gsub(string.rep("ab", 50000), "(a)(b)", "%2%1")) print(string.find(string.rep("a", 50000), "(a*)b"))`,
		"100000\nnil\n"},
}

func TestPatterns(t *testing.T) { checkCases(t, patternCases) }

// TestPatternsAgainstLua51 runs patternCases through lua5.1 and wants what
// the cases want.
func TestPatternsAgainstLua51(t *testing.T) { checkCasesLikeLua51(t, patternCases) }

// TestPatternFailingSearchIsLinear: a search that cannot succeed because a
// byte the pattern needs is missing stops at once, where C Lua's takes time
// quadratic in the subject (hours for a million bytes).
func TestPatternFailingSearchIsLinear(t *testing.T) {
	for _, code := range []string{
		`print(string.find(string.rep("a", 1e6), ".-b"))`,
		`print(string.match(string.rep("a", 1e6), "(.-)b"))`,
		`local n = 0 for _ in string.gmatch(string.rep("a", 1e6), "a.-b") do n = n + 1 end print(nil)`,
		`local _, n = string.gsub(string.rep("a", 1e6), "%a-b", "") print(n == 0 and nil)`,
	} {
		start := time.Now()
		res := runLua(t, code)
		if d := time.Since(start); res.err != nil || res.out != "nil\n" || d > 10*time.Second {
			t.Errorf("%s: %q %v after %v", code, res.out, res.err, d)
		}
	}
}

// TestPatternDepth: recursion is one level per pattern item, whatever the
// subject's length, and bounded: a pattern too long raises instead of
// growing the Go stack without limit.
func TestPatternDepth(t *testing.T) {
	res := runLua(t, `print(pcall(string.find, string.rep("a", 20000), string.rep("a?", 20000)))`)
	if res.err != nil || !strings.Contains(res.out, "pattern too complex") {
		t.Errorf("20000 optional items matched: %q %v", res.out, res.err)
	}
	res = runLua(t, `print(string.find(string.rep("a", 1e6), string.rep("a?", 1000)))`)
	if res.err != nil || res.out != "1\t1000\n" {
		t.Errorf("a pattern of 1000 optional items: %q %v", res.out, res.err)
	}
}

// FuzzPattern: no pattern or subject panics the matcher (only its
// patternError escapes as an error), and captures stay inside the subject.
func FuzzPattern(f *testing.F) {
	for _, seed := range [][2]string{
		{"THE (quick) fox", "%f[%a]%a+"}, {"a", "[a"}, {"a", "%"}, {"a", "("},
		{"f(a(b)c)", "%b()"}, {"abab", "(ab)%1"}, {"x = 'a'", "([\"'])(.-)%1"},
		{"a-z", "[^%a-]"}, {"aaa", "()a*()"}, {"", "^$"}, {"a\x00b", "%z"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, src, pat string) {
		m := patternMatcher{src: src, pat: pat}
		for from := 0; from <= len(src); {
			start, end, err := m.search(from, 0, false)
			if err != nil || start < 0 {
				return
			}
			if start < from || end < start || end > len(src) {
				t.Fatalf("match %d-%d from %d in %q", start, end, from, src)
			}
			for i := 0; i < m.captureCount(true); i++ {
				if _, err := m.captureValue(i, start, end); err != nil && err.Error() != "unfinished capture" {
					t.Fatalf("capture %d: %v", i, err)
				}
			}
			from = end + 1
		}
	})
}
