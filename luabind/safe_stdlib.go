package luabind

import (
	"math"

	"github.com/loopscript/loopscript/internal/luastate"
	"math/rand"
	"runtime"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// hardenStdlib replaces the few standard functions through which a script
// could take the whole process down (a Go out-of-memory or deadlock is fatal,
// not an error) or slip out of the time limits:
//
//   - string.rep, string.format and table.concat refuse to build a string
//     larger than Limits.MaxStringSize ("resulting string too large"), and
//     string.format refuses widths and precisions over two digits, as Lua does
//     (it is Lua 5.1's own, see strformat.go, not gopher-lua's over Go's fmt);
//   - math.random checks its interval instead of letting Go panic;
//   - coroutines share the time limits of the code that resumes them and
//     keep upvalues across caught errors as it does (see upvalues.go), and
//     coroutine.yield across a pcall, a metamethod or any function called
//     from Go raises Lua's error instead of corrupting the VM;
//   - every way of compiling code (load, loadstring, loadfile, dofile,
//     require) refuses syntax nested deeper than MaxSyntaxDepth, which would
//     overflow the Go stack in gopher-lua's compiler (see safe_load.go);
//   - the string library, table.concat, tonumber, assert, load, loadstring
//     and the os and io functions that take a string read a number given
//     for it as Lua 5.1 writes it ("%.14g", see strcoerce.go, strlib.go and
//     baselib.go);
//   - os.date, os.time and os.difftime are Lua 5.1's over glibc's strftime
//     (see osdate.go);
//   - io.open, io.lines, os.remove and os.rename fail with Lua 5.1's
//     "NAME: strerror" and errno (see oserror.go);
//   - the base functions kept from gopher-lua check their arguments as
//     Lua 5.1's, and setmetatable takes only a table (see baselib_args.go);
//   - the table library is Lua 5.1's: its sort, insert, remove, foreach,
//     foreachi, maxn, getn and setn (see tablelib.go);
//   - the math library is Lua 5.1's over C's functions, math.huge is
//     infinity (see mathlib.go);
//   - collectgarbage takes Lua 5.1's options and "count" returns the
//     memory in use (see gclib.go);
//   - gopher-lua's own "channel" library, which is not standard Lua and whose
//     receive blocks the loop's thread forever, is removed.
//
// Libraries a sandbox left out are skipped.
func (rt *Runtime) hardenStdlib() {
	L := rt.L
	rt.checkBaseArgs() // first: only gopher-lua's own functions are wrapped
	if str, ok := L.GetGlobal("string").(*lua.LTable); ok {
		str.RawSetString("rep", L.NewFunction(rt.strRep))
		str.RawSetString("format", L.NewFunction(rt.strFormat))
		str.RawSetString("gsub", L.NewFunction(rt.strGsub))
	}
	rt.installStringFunctions()
	rt.installMathFunctions()
	rt.coerceLibraryArgs()
	rt.replaceOSErrors()
	rt.installOSTime()
	rt.replaceBaseFunctions()
	rt.replaceFenv()
	if L.GetGlobal("collectgarbage") != lua.LNil {
		L.SetGlobal("collectgarbage", L.NewFunction(rt.collectGarbage))
	}
	rt.installTableFunctions()
	if tbl, ok := L.GetGlobal("table").(*lua.LTable); ok {
		tbl.RawSetString("concat", L.NewFunction(rt.tableConcat))
	}
	if m, ok := L.GetGlobal("math").(*lua.LTable); ok {
		m.RawSetString("random", L.NewFunction(rt.mathRandom))
		m.RawSetString("randomseed", L.NewFunction(rt.mathRandomseed))
	}
	if co, ok := L.GetGlobal("coroutine").(*lua.LTable); ok {
		rt.hardenCoroutines(L, co)
	}
	rt.hardenLoading()
	rt.lua51Names()
	L.SetGlobal("channel", lua.LNil)
	if loaded, ok := L.GetField(L.Get(lua.RegistryIndex), "_LOADED").(*lua.LTable); ok {
		loaded.RawSetString("channel", lua.LNil)
	}
}

func (rt *Runtime) maxString() int {
	if n := rt.cfg.Limits.MaxStringSize; n > 0 {
		return n
	}
	return DefaultMaxStringSize
}

const errTooLarge = "resulting string too large"

// checkInteger reads argument n as an integer the way Lua 5.1 does: a number
// or a numeric string, truncated; out-of-range values saturate.
func checkInteger(L *lua.LState, n int, f fname) int64 {
	v := L.Get(n)
	if s, ok := v.(lua.LString); ok {
		if num, ok := stringNumber(string(s)); ok {
			v = lua.LNumber(num)
		}
	}
	num, ok := v.(lua.LNumber)
	if !ok {
		typeError(L, n, f, "number")
	}
	return floatToInt(float64(num))
}

func floatToInt(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// checkStringArg reads a string argument of a string-library function, which
// takes a number too, as in reference Lua (checkString does not).
func checkStringArg(L *lua.LState, n int, f fname) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return lua51NumberString(float64(v))
	}
	typeError(L, n, f, "string")
	return ""
}

var (
	fnRep    = fname{name: "rep"}
	fnFormat = fname{name: "format"}
	fnConcat = fname{name: "concat"}
	fnRandom = fname{name: "random"}
)

// string.rep(s, n)
func (rt *Runtime) strRep(L *lua.LState) int {
	s := checkStringArg(L, 1, fnRep)
	n := checkInteger(L, 2, fnRep)
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if n > int64(rt.maxString()/len(s)) {
		L.RaiseError(errTooLarge)
	}
	L.Push(lua.LString(strings.Repeat(s, int(n))))
	return 1
}

// table.concat(t, sep, i, j), as in Lua 5.1, building the result directly
// rather than on the Lua stack (gopher-lua's pushes every element, so a long
// table overflowed the stack), writing numbers as Lua 5.1 does ("%.14g",
// gopher-lua's are Go's shortest form) and refusing results over the
// string cap.
func (rt *Runtime) tableConcat(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		typeError(L, 1, fnConcat, "table")
	}
	sep := ""
	if L.Get(2) != lua.LNil {
		sep = checkStringArg(L, 2, fnConcat)
	}
	i, j := int64(1), int64(t.Len())
	if L.Get(3) != lua.LNil {
		i = checkInteger(L, 3, fnConcat)
	}
	if L.Get(4) != lua.LNil {
		j = checkInteger(L, 4, fnConcat)
	}
	// First the size, so nothing too large is ever built; then the string,
	// in one allocation.
	limit, size := rt.maxString(), 0
	for k := i; k <= j; k++ {
		switch v := t.RawGetInt(int(k)).(type) {
		case lua.LString:
			size += len(v)
		case lua.LNumber:
			size += len(lua51NumberString(float64(v)))
		default:
			L.RaiseError("invalid value (%s) at index %d in table for 'concat'", v.Type().String(), k)
		}
		if k < j {
			size += len(sep)
		}
		if size > limit {
			L.RaiseError(errTooLarge)
		}
		if k == math.MaxInt64 {
			break
		}
	}
	var b strings.Builder
	b.Grow(size)
	for k := i; k <= j; k++ {
		b.WriteString(valueText(t.RawGetInt(int(k))))
		if k == j || k == math.MaxInt64 {
			break
		}
		b.WriteString(sep)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// math.random(), math.random(n), math.random(m, n), as in Lua 5.1, with
// "interval is empty" instead of a Go panic. The generator is the Runtime's
// own: gopher-lua's math.randomseed seeds math/rand's global one, which Go
// 1.24 made ignore seeding.
func (rt *Runtime) mathRandom(L *lua.LState) int {
	if rt.random == nil {
		rt.random = rand.New(rand.NewSource(rand.Int63()))
	}
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(rt.random.Float64()))
		return 1
	case 1, 2:
	default:
		L.RaiseError("wrong number of arguments")
	}
	lo, hi := int64(1), checkInteger(L, 1, fnRandom)
	if L.GetTop() == 2 {
		lo, hi = hi, checkInteger(L, 2, fnRandom)
	}
	if lo > hi {
		argError(L, L.GetTop(), fnRandom, "interval is empty")
	}
	span := uint64(hi) - uint64(lo) // the count minus one, which fits
	var r uint64
	if span < math.MaxInt64 {
		r = uint64(rt.random.Int63n(int64(span) + 1))
	} else {
		for r = rt.random.Uint64(); r > span; r = rt.random.Uint64() {
		}
	}
	L.Push(lua.LNumber(float64(int64(uint64(lo) + r))))
	return 1
}

// math.randomseed(x): the same seed gives the same numbers again.
func (rt *Runtime) mathRandomseed(L *lua.LState) int {
	rt.random = rand.New(rand.NewSource(checkInteger(L, 1, fname{name: "randomseed"})))
	return 0
}

// hardenCoroutines wraps coroutine.create, wrap, resume, status and yield.
//
// Time limits: gopher-lua gives a new coroutine a child of its creator's
// context, fixed for good; ours must follow the deadline of whatever resumes
// it. So coroutines are made without a context and get the resumer's at each
// resume.
//
// Yield: gopher-lua implements yield by returning out of the innermost Go
// loop that runs Lua code. When a Go function (pcall, a metamethod, sort's
// comparator, a reactor callback run inline) sits between the coroutine's
// body and the yield, that loop is not the coroutine's, and the VM ends up
// corrupt. Lua 5.1 refuses such a yield; so do we.
func (rt *Runtime) hardenCoroutines(L *lua.LState, co *lua.LTable) {
	gfn := func(name string) lua.LGFunction {
		if f, ok := co.RawGetString(name).(*lua.LFunction); ok && f.IsG {
			return f.GFunction
		}
		return nil
	}
	create, wrap, resume, yield := gfn("create"), gfn("wrap"), gfn("resume"), gfn("yield")
	if create == nil || wrap == nil || resume == nil || yield == nil {
		return
	}
	rt.coCreate, rt.coResume = create, resume
	fnCreate, fnWrap := fname{name: "create"}, fname{name: "wrap"}
	co.RawSetString("create", L.NewFunction(func(L *lua.LState) int {
		checkLuaFunction(L, 1, fnCreate)
		return newThread(L, create)
	}))
	// The function wrap returns finds its coroutine in its first upvalue;
	// ours keeps it there too, and calls gopher-lua's with it.
	var wrapaux lua.LGFunction
	wrapped := func(L *lua.LState) int {
		return rt.resumeNested(L, L.ToThread(lua.UpvalueIndex(1)), true, wrapaux)
	}
	co.RawSetString("wrap", L.NewFunction(func(L *lua.LState) int {
		checkLuaFunction(L, 1, fnWrap)
		newThread(L, wrap)
		f, _ := L.Get(-1).(*lua.LFunction)
		if f == nil || !f.IsG || len(f.Upvalues) == 0 {
			return 1 // not the gopher-lua we know: leave its function as is
		}
		th, _ := f.Upvalues[0].Value().(*lua.LState)
		if th == nil {
			return 1
		}
		wrapaux = f.GFunction
		L.Pop(1)
		L.Push(L.NewClosure(wrapped, th))
		return 1
	}))
	co.RawSetString("resume", L.NewFunction(func(L *lua.LState) int {
		th, ok := L.Get(1).(*lua.LState)
		if !ok {
			argError(L, 1, fname{name: "resume"}, "coroutine expected")
		}
		return rt.resumeNested(L, th, false, resume)
	}))
	co.RawSetString("status", L.NewFunction(func(L *lua.LState) int {
		th, ok := L.Get(1).(*lua.LState)
		if !ok {
			argError(L, 1, fname{name: "status"}, "coroutine expected")
		}
		L.Push(lua.LString(rt.threadStatus(L, th)))
		return 1
	}))
	co.RawSetString("running", L.NewFunction(func(L *lua.LState) int {
		if L == L.G.MainThread {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(rt.visibleThread(L))
		return 1
	}))
	co.RawSetString("yield", L.NewFunction(func(L *lua.LState) int {
		// The main thread, where callbacks run too, has no coroutine to
		// yield from: Lua 5.1 says so with the boundary's words, as it does
		// for a yield across Go code.
		if L.Parent == nil || yieldCrossesGo() {
			L.Error(lua.LString("attempt to yield across metamethod/C-call boundary"), 0) // no position, as Lua's
		}
		return yield(L)
	}))
}

func checkFunction(L *lua.LState, n int, f fname) {
	if _, ok := L.Get(n).(*lua.LFunction); !ok {
		typeError(L, n, f, "function")
	}
}

// checkLuaFunction is luaB_cocreate's check: a function written in Lua, as
// only those can run in a coroutine of their own in Lua 5.1.
func checkLuaFunction(L *lua.LState, n int, f fname) {
	if fn, ok := L.Get(n).(*lua.LFunction); !ok || fn.IsG {
		argError(L, n, f, "Lua function expected")
	}
}

// newThread calls fn, gopher-lua's coroutine.create or wrap, so that the
// coroutine it makes gets a call stack that grows on demand, up to the same
// depth as its creator's (a fixed stack of 20,000 frames would be too much
// to give every coroutine). Without the Go stack trace, a full stack in a
// coroutine costs no trace of every frame; a push that gopher-lua makes
// from Go (a metamethod's call) on a full stack has no position in its
// "stack overflow".
func newThread(L *lua.LState, fn lua.LGFunction) int {
	saved := L.Options
	L.Options.MinimizeStackMemory = true
	L.Options.IncludeGoStackTrace = false
	if L.Options.RegistryMaxSize > threadRegistrySize {
		// The value stack starts small and grows (by RegistryGrowStep) as
		// the coroutine needs: gopher-lua's default start is 5,120 values,
		// 80 KiB for every coroutine, and for every pcall inside one.
		L.Options.RegistrySize = threadRegistrySize
	}
	n := withoutContext(L, fn)
	L.Options = saved
	return n
}

// threadRegistrySize is the value stack a coroutine starts with: gopher-lua
// accepts no less.
const threadRegistrySize = 128

// withoutContext calls fn with the state's context removed, so the thread it
// creates gets none, then gives that thread the context back.
func withoutContext(L *lua.LState, fn lua.LGFunction) int {
	ctx := L.Context()
	if ctx == nil {
		return fn(L)
	}
	L.RemoveContext()
	defer L.SetContext(ctx)
	n := fn(L)
	return n
}

// threadStatus is coroutine.status(th) as seen from L: "running",
// "suspended", "normal" (it resumed the running one) or "dead". A coroutine
// suspended inside a pcall (see yieldable_pcall.go) has the status of the
// sub-thread that runs for it.
func (rt *Runtime) threadStatus(L, th *lua.LState) string {
	in := rt.innermost(th)
	switch {
	case th.Dead:
		return "dead"
	case rt.visibleThread(L.G.CurrentThread) == th:
		return "running"
	case in != th && in.Dead:
		return "dead"
	case L.G.CurrentThread == in:
		return "running"
	case active(L, in):
		return "normal"
	}
	return L.Status(in)
}

// active reports whether th is running or has resumed a coroutine that is
// running: gopher-lua sets Parent while a coroutine is resumed and clears it
// when it yields or ends. Resuming an active coroutine would run it twice.
func active(L *lua.LState, th *lua.LState) bool {
	return th.Parent != nil && !th.Dead && L.G.CurrentThread != th
}

// prepareResume readies the suspended coroutine th to be resumed by L: it
// gives th the context of L, so the same time limit applies inside, and
// makes the slots its yield's results land in hold nil.
func prepareResume(L, th *lua.LState) {
	if th.Dead || L.G.CurrentThread == th {
		return
	}
	// A yield whose results are assigned to more variables than the resume
	// passes reads the rest above the top: Lua's nils, not Go's (a Lua
	// function has at most 250 registers).
	luastate.NilAboveTop(th, 256)
	switch ctx := L.Context(); {
	case ctx == th.Context():
	case ctx == nil:
		th.RemoveContext()
	default:
		th.SetContext(ctx)
	}
}

// resumeNested resumes th with resume (gopher-lua's coroutine.resume, or
// the function coroutine.wrap made, when wrapped), counting it as one more
// level of nesting (see maxCNesting). It refuses, in Lua 5.1's words, a
// coroutine that is dead, running or has resumed another (running it twice
// would corrupt it). Errors th does not catch end at this resume: its
// upvalues are closed as it dies (see protect.go).
func (rt *Runtime) resumeNested(L, th *lua.LState, wrapped bool, resume lua.LGFunction) int {
	refuse := func(msg string) int {
		if wrapped {
			L.RaiseError("%s", msg)
		}
		L.Push(lua.LFalse)
		L.Push(lua.LString(msg))
		return 2
	}
	switch rt.threadStatus(L, th) {
	case "dead":
		return refuse("cannot resume dead coroutine")
	case "running":
		return refuse("cannot resume running coroutine")
	case "normal":
		return refuse("cannot resume normal coroutine")
	}
	if len(rt.catches) >= maxCNesting {
		return refuse(errCStack)
	}
	if p := rt.pending(th); p != nil {
		// th is suspended inside a pcall: its sub-thread goes on.
		first := 2
		if wrapped {
			first = 1
		}
		args := make([]lua.LValue, 0, L.GetTop())
		for i := first; i <= L.GetTop(); i++ {
			args = append(args, L.Get(i))
		}
		r := rt.resumeSub(L, p.sub, args)
		rt.raiseExit(L)
		L.SetTop(0)
		if r.yielded {
			if !wrapped {
				L.Push(lua.LTrue)
			}
			for _, v := range r.values {
				L.Push(v)
			}
			return L.GetTop()
		}
		rt.clearPending(th)
		L.SetTop(0)
		if !wrapped {
			L.Push(th)
		}
		for _, v := range r.pcallResults() {
			L.Push(v)
		}
	}
	if tailYielded(th) {
		return rt.finishTailYielded(L, th, wrapped)
	}
	prepareResume(L, th)
	luastate.SetWrapped(th, wrapped)
	depth := len(rt.catches)
	rt.catches = append(rt.catches, catchPoint{L: th})
	n := resume(L)
	rt.catches = rt.catches[:depth]
	rt.raiseExit(L) // the coroutine called os.exit: so does its resumer
	if th.Dead {
		luastate.CloseUpvalues(th, 0)
	}
	if n == 2 && L.Get(-2) == lua.LFalse && L.Get(-1) == lua.LString(luastate.GrowingStackFull) {
		L.Replace(-1, lua.LString("stack overflow"))
	}
	return n
}

// tailYielded reports whether th yielded from a tail call in its body's
// own frame (`return coroutine.yield(x)`): gopher-lua then drops the last
// frame with the yield, and would crash resuming a thread with no frame.
// Lua's meaning is plain: the resume's values are what the body returns.
func tailYielded(th *lua.LState) bool {
	_, hasFrames := th.GetStack(-1)
	return !th.Dead && !hasFrames
}

// finishTailYielded ends a coroutine that tailYielded, as resuming it does
// in Lua: it returns the resume's values (the values above the coroutine on
// L's stack, all of them for a wrapped one's call).
func (rt *Runtime) finishTailYielded(L, th *lua.LState, wrapped bool) int {
	th.Dead = true
	luastate.CloseUpvalues(th, 0)
	if wrapped {
		return L.GetTop()
	}
	L.Replace(1, lua.LTrue) // in place of the coroutine
	return L.GetTop()
}

// The gopher-lua functions that run Lua code in a Go loop of their own.
const (
	luaMainLoop    = "github.com/yuin/gopher-lua.mainLoop"
	luaMainLoopCtx = "github.com/yuin/gopher-lua.mainLoopWithContext"
	luaThreadRun   = "github.com/yuin/gopher-lua.threadRun"
)

// yieldCrossesGo reports whether a yield called now would return into
// anything but the coroutine's own loop: whether, on the Go stack, more than
// one VM loop runs above the coroutine's start. It runs on every yield, so
// it unwinds a few frames first (the common case: the coroutine's loop is
// right there) and names each return address once (see goFrameKind).
func yieldCrossesGo() bool {
	var pcs [64]uintptr
	for _, depth := range []int{8, len(pcs)} {
		n := runtime.Callers(2, pcs[:depth])
		loops := 0
		for _, pc := range pcs[:n] {
			switch goFrameKind(pc) {
			case frameVMLoop:
				if loops++; loops > 1 {
					return true
				}
			case frameThreadStart:
				return false
			}
		}
		if n < depth {
			break // the whole stack was seen
		}
	}
	return false // not in a coroutine, or too deep to tell: yield itself decides
}

type frameKind uint8

const (
	frameOther       frameKind = iota
	frameVMLoop                // gopher-lua's mainLoop
	frameThreadStart           // gopher-lua's threadRun: a coroutine's start
)

// goFrameKinds caches goFrameKind per return address; states on several
// goroutines share it.
var goFrameKinds sync.Map // uintptr -> frameKind

// goFrameKind is what the function holding return address pc is. Neither
// gopher-lua function is inlined (one is called through a function value,
// the other recovers), so the address names it.
func goFrameKind(pc uintptr) frameKind {
	if k, ok := goFrameKinds.Load(pc); ok {
		return k.(frameKind)
	}
	k := frameOther
	if fn := runtime.FuncForPC(pc - 1); fn != nil {
		switch fn.Name() {
		case luaMainLoop, luaMainLoopCtx:
			k = frameVMLoop
		case luaThreadRun:
			k = frameThreadStart
		}
	}
	goFrameKinds.Store(pc, k)
	return k
}
