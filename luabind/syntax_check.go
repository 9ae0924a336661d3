package luabind

import "fmt"

// Lua 5.1's limits (luaconf.h): the C calls a parse may nest, which its
// parser counts one per block and one per subexpression, and the active
// local variables of a function.
const (
	maxCCalls = 200
	maxVars   = 200
)

// Levels the C stack holds when Lua 5.1 starts parsing: lua.c loading a
// script, and loadstring or loadfile called from a main chunk (measured
// with lua5.1; deeper callers leave fewer levels).
const (
	scriptLevels = 1
	loadLevels   = 2
)

// funcState is what the checker knows of the function being parsed.
type funcState struct {
	parent  *funcState
	line    int // where it is defined; 0 for the main chunk
	vararg  bool
	loops   int // the loops around the current block, which break may leave
	actVars int // its active local variables
}

// checker is a recogniser of Lua 5.1's grammar (lparser.c's, with
// gopher-lua's goto, labels and empty statements) that builds nothing. It runs before
// gopher-lua's parser so that every chunk gets Lua's syntax errors, and so
// that the parser never sees a chunk nested past Lua's limits, or a syntax
// tree deeper than maxDepth, on which gopher-lua's compiler would recurse
// in Go. Its own recursion is bounded by maxCCalls levels.
type checker struct {
	lexer
	level    int // Lua's nCcalls
	fs       *funcState
	maxDepth int
}

// checkSyntax reports the first syntax error of the chunk src, as Lua 5.1
// would with levels C levels in use, or a syntax tree deeper than maxDepth.
func checkSyntax(src []byte, levels, maxDepth int) (err *syntaxError) {
	c := &checker{lexer: lexer{src: src, line: 1}, level: levels, maxDepth: maxDepth}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*syntaxError)
			if !ok {
				panic(r)
			}
			err = se
		}
	}()
	c.fs = &funcState{vararg: true}
	c.next()
	c.chunk()
	c.check(tkEOS)
	return nil
}

const tooManyLevels = "chunk has too many syntax levels"

func (c *checker) enterLevel() {
	c.level++
	if c.level > maxCCalls {
		c.fail(tooManyLevels)
	}
}

// deeper returns depth, the depth of a syntax tree gopher-lua builds,
// failing past maxDepth.
func (c *checker) deeper(depth int) int {
	if depth > c.maxDepth {
		c.fail(tooManyLevels)
	}
	return depth
}

func (c *checker) limitFail(limit int, what string) {
	if c.fs.line == 0 {
		c.fail(fmt.Sprintf("main function has more than %d %s", limit, what))
	}
	c.fail(fmt.Sprintf("function at line %d has more than %d %s", c.fs.line, limit, what))
}

// newLocal declares the n-th variable of a declaration (not active yet).
func (c *checker) newLocal(n int) {
	if c.fs.actVars+n+1 > maxVars {
		c.limitFail(maxVars, "local variables")
	}
}

func (c *checker) errorExpected(t token) {
	c.syntaxFail(fmt.Sprintf("'%s' expected", tokenString(t)))
}

func (c *checker) check(t token) {
	if c.tok != t {
		c.errorExpected(t)
	}
}

func (c *checker) checkNext(t token) {
	c.check(t)
	c.next()
}

func (c *checker) testNext(t token) bool {
	if c.tok == t {
		c.next()
		return true
	}
	return false
}

func (c *checker) checkName() {
	c.checkNext(tkName)
}

// checkMatch closes what who opened on line where.
func (c *checker) checkMatch(what, who token, where int) {
	if c.testNext(what) {
		return
	}
	if where == c.line {
		c.errorExpected(what)
	}
	c.syntaxFail(fmt.Sprintf("'%s' expected (to close '%s' at line %d)",
		tokenString(what), tokenString(who), where))
}

func blockFollow(t token) bool {
	switch t {
	case tkElse, tkElseif, tkEnd, tkUntil, tkEOS:
		return true
	}
	return false
}

// chunk parses statements up to the end of a block; it returns the depth
// of the syntax tree, as all the parsing methods do.
func (c *checker) chunk() int {
	c.enterLevel()
	depth := 0
	for last := false; !last && !blockFollow(c.tok); {
		if c.testNext(';') { // an empty statement, which gopher-lua allows
			continue
		}
		var d int
		last, d = c.statement()
		depth = max(depth, d)
		c.testNext(';')
	}
	c.level--
	return depth + 1
}

// block is a chunk in a scope of its own.
func (c *checker) block() int {
	vars := c.fs.actVars
	d := c.chunk()
	c.fs.actVars = vars
	return d
}

func (c *checker) loopBlock() int {
	c.fs.loops++
	d := c.block()
	c.fs.loops--
	return d
}

func (c *checker) statement() (last bool, depth int) {
	line := c.line
	switch c.tok {
	case tkIf:
		return false, c.ifStat(line)
	case tkWhile:
		c.next()
		cond := c.expr()
		c.checkNext(tkDo)
		body := c.loopBlock()
		c.checkMatch(tkEnd, tkWhile, line)
		return false, max(cond, body) + 1
	case tkDo:
		c.next()
		body := c.block()
		c.checkMatch(tkEnd, tkDo, line)
		return false, body + 1
	case tkFor:
		return false, c.forStat(line)
	case tkRepeat:
		return false, c.repeatStat(line)
	case tkFunction:
		return false, c.funcStat(line)
	case tkLocal:
		c.next()
		if c.testNext(tkFunction) {
			c.checkName()
			c.newLocal(0)
			c.fs.actVars++
			return false, c.body(false, c.line) + 1
		}
		return false, c.localStat()
	case tkReturn:
		c.next()
		if blockFollow(c.tok) || c.tok == ';' {
			return true, 1
		}
		return true, c.exprList() + 1
	case tkBreak:
		c.next()
		if c.fs.loops == 0 {
			c.syntaxFail("no loop to break")
		}
		return true, 1
	case tkGoto:
		c.next()
		c.checkName()
		return false, 1
	case tkDbColon:
		c.next()
		c.checkName()
		c.checkNext(tkDbColon)
		return false, 1
	}
	return false, c.exprStat()
}

// MaxElseifs is how many elseif branches an if statement may have before
// loading fails with "chunk has too many syntax levels". gopher-lua nests
// each elseif in the else of the one before, and compiles the chain in a
// time that grows as its length squared: 10,000 branches took 0.4 s,
// 100,000 took 44 s. Lua 5.1 allows about 130,000.
const MaxElseifs = 1000

func (c *checker) ifStat(line int) int {
	d := c.testThenBlock()
	for n := 1; c.tok == tkElseif; n++ {
		if n > MaxElseifs {
			c.fail(tooManyLevels)
		}
		d = c.deeper(max(d, c.testThenBlock()) + 1)
	}
	if c.testNext(tkElse) {
		d = max(d, c.block())
	}
	c.checkMatch(tkEnd, tkIf, line)
	return d + 1
}

func (c *checker) testThenBlock() int {
	c.next()
	cond := c.expr()
	c.checkNext(tkThen)
	return max(cond, c.block()) + 1
}

func (c *checker) forStat(line int) int {
	c.next()
	c.checkName()
	var d int
	switch c.tok {
	case '=':
		for n := range 4 { // (for index), (for limit), (for step), the name
			c.newLocal(n)
		}
		c.next()
		d = c.expr()
		c.checkNext(',')
		d = max(d, c.expr())
		if c.testNext(',') {
			d = max(d, c.expr())
		}
		d = max(d, c.forBody(4))
	case ',', tkIn:
		n := 0
		for ; n < 4; n++ { // (for generator), (for state), (for control), the name
			c.newLocal(n)
		}
		for c.testNext(',') {
			c.checkName()
			c.newLocal(n)
			n++
		}
		c.checkNext(tkIn)
		d = max(c.exprList(), c.forBody(n))
	default:
		c.syntaxFail("'=' or 'in' expected")
	}
	c.checkMatch(tkEnd, tkFor, line)
	return d + 1
}

func (c *checker) forBody(vars int) int {
	c.checkNext(tkDo)
	before := c.fs.actVars
	c.fs.actVars += vars
	d := c.loopBlock()
	c.fs.actVars = before
	return d
}

func (c *checker) repeatStat(line int) int {
	c.next()
	c.fs.loops++
	vars := c.fs.actVars
	d := c.chunk()
	c.checkMatch(tkUntil, tkRepeat, line)
	d = max(d, c.expr()) // the condition sees the body's locals
	c.fs.actVars = vars
	c.fs.loops--
	return d + 1
}

func (c *checker) funcStat(line int) int {
	c.next()
	c.checkName()
	d := 1
	for c.tok == '.' {
		c.next()
		c.checkName()
		d++
	}
	self := c.testNext(':')
	if self {
		c.checkName()
		d++
	}
	return max(d, c.body(self, line)) + 1
}

// body parses a function's parameters and block; line is where Lua says
// it is defined.
func (c *checker) body(self bool, line int) int {
	fs := &funcState{parent: c.fs, line: line}
	c.fs = fs
	c.checkNext('(')
	if self {
		c.newLocal(0)
		fs.actVars++
	}
	params := 0
	if c.tok != ')' {
		for {
			switch c.tok {
			case tkName:
				c.next()
			case tkDots:
				c.next()
				fs.vararg = true // and Lua 5.1 declares arg
			default:
				c.syntaxFail("<name> or '...' expected")
			}
			c.newLocal(params)
			params++
			if fs.vararg || !c.testNext(',') {
				break
			}
		}
	}
	fs.actVars += params
	c.checkNext(')')
	d := c.chunk()
	c.checkMatch(tkEnd, tkFunction, line)
	c.fs = fs.parent
	return d + 1
}

func (c *checker) localStat() int {
	n := 0
	for {
		c.checkName()
		c.newLocal(n)
		n++
		if !c.testNext(',') {
			break
		}
	}
	d := 0
	if c.testNext('=') {
		d = c.exprList()
	}
	c.fs.actVars += n
	return d + 1
}

// exprKind is what a primary expression is to a statement.
type exprKind int

const (
	exprValue exprKind = iota // a parenthesised expression
	exprVar                   // a variable or field: assignable
	exprCall
)

func (c *checker) exprStat() int {
	kind, d := c.primaryExp()
	if kind == exprCall {
		return d + 1
	}
	for vars := 1; ; vars++ {
		if kind != exprVar {
			c.syntaxFail("syntax error")
		}
		if !c.testNext(',') {
			break
		}
		var dv int
		kind, dv = c.primaryExp()
		d = max(d, dv)
		if limit := maxCCalls - c.level; vars > limit {
			c.limitFail(limit, "variables in assignment")
		}
	}
	c.checkNext('=')
	return max(d, c.exprList()) + 1
}

func (c *checker) primaryExp() (exprKind, int) {
	var kind exprKind
	var d int
	switch c.tok {
	case '(':
		line := c.line
		c.next()
		d = c.expr()
		c.checkMatch(')', '(', line)
		kind = exprValue
	case tkName:
		c.next()
		kind, d = exprVar, 1
	default:
		c.syntaxFail("unexpected symbol")
	}
	for {
		switch c.tok {
		case '.':
			c.next()
			c.checkName()
			kind, d = exprVar, d+1
		case '[':
			c.next()
			key := c.expr()
			c.checkNext(']')
			kind, d = exprVar, max(d, key)+1
		case ':':
			c.next()
			c.checkName()
			kind, d = exprCall, max(d, c.funcArgs())+1
		case '(', tkString, '{':
			kind, d = exprCall, max(d, c.funcArgs())+1
		default:
			return kind, d
		}
		c.deeper(d)
	}
}

func (c *checker) funcArgs() int {
	switch c.tok {
	case '(':
		line := c.line
		if line != c.lastLine {
			c.syntaxFail("ambiguous syntax (function call x new statement)")
		}
		c.next()
		d := 0
		if c.tok != ')' {
			d = c.exprList()
		}
		c.checkMatch(')', '(', line)
		return d
	case '{':
		return c.constructor()
	case tkString:
		c.next()
		return 1
	}
	c.syntaxFail("function arguments expected")
	return 0
}

func (c *checker) constructor() int {
	line := c.line
	c.checkNext('{')
	d := 0
	for c.tok != '}' {
		switch c.tok {
		case tkName:
			if c.lookahead() == '=' {
				c.next()
				c.next()
			}
		case '[':
			c.next()
			d = max(d, c.expr())
			c.checkNext(']')
			c.checkNext('=')
		}
		d = max(d, c.expr())
		if !c.testNext(',') && !c.testNext(';') {
			break
		}
	}
	c.checkMatch('}', '{', line)
	return d + 2 // the table and the field
}

func (c *checker) exprList() int {
	d := c.expr()
	for c.testNext(',') {
		d = max(d, c.expr())
	}
	return d
}

func (c *checker) expr() int {
	_, d := c.subexpr(0)
	return d
}

func (c *checker) simpleExp() int {
	switch c.tok {
	case tkNumber, tkString, tkNil, tkTrue, tkFalse:
		c.next()
		return 1
	case tkDots:
		if !c.fs.vararg {
			c.syntaxFail("cannot use '...' outside a vararg function")
		}
		c.next()
		return 1
	case '{':
		return c.constructor()
	case tkFunction:
		c.next()
		return c.body(false, c.line)
	}
	_, d := c.primaryExp()
	return d
}

// Operator priorities of Lua 5.1: left above right makes an operator right
// associative.
const unaryPriority = 8

func binaryPriority(t token) (left, right int, ok bool) {
	switch t {
	case tkOr:
		return 1, 1, true
	case tkAnd:
		return 2, 2, true
	case '<', '>', tkLe, tkGe, tkEq, tkNe:
		return 3, 3, true
	case tkConcat:
		return 5, 4, true
	case '+', '-':
		return 6, 6, true
	case '*', '/', '%':
		return 7, 7, true
	case '^':
		return 10, 9, true
	}
	return 0, 0, false
}

// subexpr parses an expression of operators binding tighter than limit,
// and returns the operator that follows it. Each call is a level, as in
// Lua: unary operators and right-associative chains nest levels, a
// left-associative chain is a loop (but nests gopher-lua's tree).
func (c *checker) subexpr(limit int) (token, int) {
	c.enterLevel()
	var d int
	if c.tok == tkNot || c.tok == '-' || c.tok == '#' {
		c.next()
		_, d = c.subexpr(unaryPriority)
		d++
	} else {
		d = c.simpleExp()
	}
	op := c.tok
	for {
		left, right, ok := binaryPriority(op)
		if !ok || left <= limit {
			break
		}
		c.next()
		var rd int
		op, rd = c.subexpr(right)
		d = c.deeper(max(d, rd) + 1)
	}
	c.level--
	return op, d
}
