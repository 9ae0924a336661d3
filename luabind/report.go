package luabind

import (
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// CallbackError is an error a Lua callback raised and did not handle. The
// loop goes on after it; the report goes to Config.OnError or standard error.
type CallbackError struct {
	Function  string // "function 'count'", or "function <FILE:LINE>" when it has no name
	Defined   string // FILE:LINE where the function was defined, if it is Lua code
	Message   string // the error value as text, usually "FILE:LINE: message"
	Traceback string // "stack traceback:\n\t..."

	// value is the Lua error value itself, for the reason a connection
	// the error closed is lost with (see reason.go); nil for a Go panic.
	value lua.LValue
	// reported is set once the error went to OnError, so the reactor's
	// report of the same error (a protocol callback's error closes its
	// connection through a panic) is not a second one.
	reported bool
}

// Error is the error message alone.
func (e *CallbackError) Error() string { return e.Message }

// Report is the full text written to standard error: a header naming the
// function, the message and the traceback.
func (e *CallbackError) Report() string {
	var b strings.Builder
	b.Grow(len(e.Function) + len(e.Defined) + len(e.Message) + len(e.Traceback) + 32)
	b.WriteString("Unhandled error in ")
	b.WriteString(withDefined(e.Function, e.Defined))
	b.WriteString(":\n")
	b.WriteString(e.Message)
	b.WriteByte('\n')
	if e.Traceback != "" {
		b.WriteString(e.Traceback)
		b.WriteByte('\n')
	}
	return b.String()
}

// errorText turns a Lua error value into text the way the lua interpreter
// does: strings and numbers as they are, values with a __tostring metamethod
// through it (called under protection: it may itself fail), anything else as
// "(error object is a table value)".
func (rt *Runtime) errorText(L *lua.LState, v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return lua51NumberString(float64(v))
	}
	if mm := L.GetMetaField(v, "__tostring"); mm != lua.LNil {
		L.Push(mm)
		L.Push(v)
		if rt.pcall(L, 1, 1) == nil {
			s := L.Get(-1)
			L.Pop(1)
			if str, ok := s.(lua.LString); ok {
				return rt.namedError(v, string(str))
			}
		}
	}
	return fmt.Sprintf("(error object is a %s value)", v.Type())
}

// namedError is the text of an uncaught instance of an error class of the
// "errors" module as Python shows an uncaught exception, "NAME: message"
// (Twisted's classes print their bare message, as their str does); text
// that names its class already is left as it is.
func (rt *Runtime) namedError(v lua.LValue, text string) string {
	t, ok := v.(*lua.LTable)
	if !ok {
		return text
	}
	cls, ok := t.Metatable.(*lua.LTable)
	if _, loaded := rt.embedded["errors"]; !ok || !loaded || !rt.isErrorClass(cls) {
		return text
	}
	name, _ := cls.RawGetString("name").(lua.LString)
	if name == "" || text == string(name) || strings.HasPrefix(text, string(name)+": ") {
		return text
	}
	return string(name) + ": " + text
}

// Tracebacks longer than this keep their first and last frames only, as in
// reference Lua.
const (
	tracebackHead = 10
	tracebackTail = 11
)

// traceback describes the live Lua call stack from level down, in reference
// Lua's format: Go functions show as [C], callbacks run by the reactor are
// named by the variable that holds them rather than "main chunk".
//
// gopher-lua finds a level by walking down from the top, so a stack 20,000
// deep is measured by bisection and only the frames shown are described:
// describing every level would take time quadratic in the depth.
func (rt *Runtime) traceback(L *lua.LState, level int) string {
	frames := make([]string, 0, 8)
	// frame describes level i: "" for loopscript's own plumbing, and ok
	// false past the bottom of the stack.
	frame := func(i int) (line string, ok bool) {
		dbg, ok := L.GetStack(i)
		if !ok {
			return "", false
		}
		fn, err := L.GetInfo("Slnf", dbg, lua.LNil)
		if err != nil || rt.isRunner(fn) {
			return "", true
		}
		return rt.frameLine(L, i, dbg, fn), true
	}
	// level counts the script's frames: the runners hidden below take no
	// level, so debug.traceback(msg, n) starts where Lua 5.1's would.
	i := 0
	for shown := 0; ; i++ {
		dbg, ok := L.GetStack(i)
		if !ok {
			break
		}
		if fn, err := L.GetInfo("f", dbg, lua.LNil); err != nil || !rt.isRunner(fn) {
			if shown == level {
				break
			}
			shown++
		}
	}
	complete := false
	for ; len(frames) <= tracebackHead+tracebackTail; i++ {
		line, ok := frame(i)
		if !ok {
			complete = true
			break
		}
		if line != "" {
			frames = append(frames, line)
		}
	}
	if !complete { // too many: keep the first and the last frames
		frames = append(frames[:tracebackHead], "\t...")
		var tail []string
		for j := stackDepth(L) - 1; j >= i && len(tail) < tracebackTail; j-- {
			if line, _ := frame(j); line != "" {
				tail = append(tail, line)
			}
		}
		for k := len(tail) - 1; k >= 0; k-- {
			frames = append(frames, tail[k])
		}
	}
	frames = append(frames, rt.ownerFrames(L)...)
	if len(frames) == 0 {
		return "stack traceback:"
	}
	return "stack traceback:\n" + strings.Join(frames, "\n")
}

// calledBySubThreadBody reports whether the function at level of the
// sub-thread L was called by the sub-thread's body: pcall's function.
func (rt *Runtime) calledBySubThreadBody(L *lua.LState, level int) bool {
	dbg, ok := L.GetStack(level + 1)
	if !ok {
		return false
	}
	fn, err := L.GetInfo("f", dbg, lua.LNil)
	return err == nil && fn == rt.subThreadStart
}

// ownerFrames continues the traceback of a pcall's sub-thread (see
// yieldable_pcall.go) into the coroutine that called pcall, so that it
// reads as one stack, as it is in Lua.
func (rt *Runtime) ownerFrames(L *lua.LState) []string {
	st := rt.subThreads[L]
	if st == nil {
		return nil
	}
	owner := st.owner.Value()
	if owner == nil {
		return nil
	}
	var frames []string
	if dbg, ok := owner.GetStack(0); !ok || dbg == nil || !isGoFrame(owner, dbg) {
		// The owner is suspended: its pcall frame is gone from its stack.
		name := "pcall"
		if st.handler != nil {
			name = "xpcall"
		}
		frames = append(frames, "\t[C]: in function '"+name+"'")
	}
	rest := strings.TrimPrefix(rt.traceback(owner, 0), "stack traceback:")
	if rest = strings.TrimPrefix(rest, "\n"); rest != "" {
		frames = append(frames, strings.Split(rest, "\n")...)
	}
	return frames
}

func isGoFrame(L *lua.LState, dbg *lua.Debug) bool {
	if _, err := L.GetInfo("S", dbg, lua.LNil); err != nil {
		return false
	}
	return dbg.What == "G"
}

// nameSearchLevels is how many levels of the stack the searches for a
// function's name visit at each end (see nearLevels).
const nameSearchLevels = 64

// nearLevels calls visit for the levels from level down, up to
// nameSearchLevels of them, then for the bottom nameSearchLevels levels (the
// main chunk and what it called), until visit returns true. Finding a level
// takes time proportional to its depth, so visiting every level of a stack
// 20,000 deep would take seconds; the names sought live near the function's
// call or near the bottom, where it was made.
func nearLevels(L *lua.LState, level int, visit func(dbg *lua.Debug) bool) {
	for i := level; i < level+nameSearchLevels; i++ {
		dbg, ok := L.GetStack(i)
		if !ok {
			return // the whole stack was seen
		}
		if visit(dbg) {
			return
		}
	}
	depth := stackDepth(L)
	for i := max(level+nameSearchLevels, depth-nameSearchLevels); i < depth; i++ {
		if dbg, ok := L.GetStack(i); ok && visit(dbg) {
			return
		}
	}
}

// stackDepth is the number of levels L.GetStack finds.
func stackDepth(L *lua.LState) int {
	hi := 1
	for {
		if _, ok := L.GetStack(hi); !ok {
			break
		}
		hi *= 2
	}
	lo := hi / 2 // GetStack(lo) exists, or lo is 0
	if _, ok := L.GetStack(0); !ok {
		return 0
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if _, ok := L.GetStack(mid); ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// frameLine is one line of a traceback. It runs for every frame of every
// error report, so it concatenates rather than going through fmt.
func (rt *Runtime) frameLine(L *lua.LState, level int, dbg *lua.Debug, fnv lua.LValue) string {
	fn, _ := fnv.(*lua.LFunction)
	if dbg.What == "G" {
		if dbg.Name == "" || dbg.Name[0] == '(' || dbg.Name[0] == '<' {
			return "\t[C]: in ?"
		}
		return "\t[C]: in function '" + dbg.Name + "'"
	}
	where := "\t" + dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ":"
	if dbg.LineDefined == 0 { // only a chunk starts at line 0
		return where + " in main chunk"
	}
	name := dbg.Name
	if name == "corountine" || name == "main chunk" {
		// gopher-lua's names for the bottom function of a coroutine, running
		// or suspended: not names the script gave it.
		name = ""
	}
	if rt.subThreads[L] != nil && rt.calledBySubThreadBody(L, level) {
		// pcall's function: the body's parameter is no name the script gave.
		return where + " in function <" + dbg.Source + ":" + strconv.Itoa(dbg.LineDefined) + ">"
	}
	if name == "" || name[0] == '<' || name[0] == '(' {
		// Called from Go (by the reactor): no call instruction names it.
		name = rt.globalName(L, fn, level)
	}
	if name == "" {
		return where + " in function <" + dbg.Source + ":" + strconv.Itoa(dbg.LineDefined) + ">"
	}
	return where + " in function '" + name + "'"
}

// callee finds what messages call the callback v: the name of a variable
// that holds it ("count", "string.format"; "" when none does), what it is
// ("function" for Lua code, "Go function", "callable table"), and where its
// Lua code was defined (FILE:LINE; "" for Go).
func (rt *Runtime) callee(L *lua.LState, v lua.LValue) (name, kind, defined string) {
	fn, ok := v.(*lua.LFunction)
	if !ok {
		if call, isFn := L.GetMetaField(v, "__call").(*lua.LFunction); isFn && call.Proto != nil {
			defined = definedAt(call)
		}
		return "", "callable " + v.Type().String(), defined
	}
	name = rt.globalName(L, fn, 0)
	if fn.IsG {
		return name, "Go function", ""
	}
	return name, "function", definedAt(fn)
}

// describe labels a callback for reports: "function 'count'", "function
// <FILE:LINE>" for a Lua function without a name, "callable table"; and
// gives where it was defined.
func (rt *Runtime) describe(L *lua.LState, v lua.LValue) (label, defined string) {
	name, kind, defined := rt.callee(L, v)
	switch {
	case name != "":
		return "function '" + name + "'", defined
	case kind == "function":
		return "function <" + defined + ">", defined
	}
	return kind, defined
}

// shortName is the callback's name alone, "?" for a Lua function without
// one, for one-line messages such as the slow-callback warning; and where it
// was defined.
func (rt *Runtime) shortName(L *lua.LState, v lua.LValue) (name, defined string) {
	name, kind, defined := rt.callee(L, v)
	switch {
	case name != "":
		return name, defined
	case kind == "function":
		return "?", defined
	}
	return kind, defined
}

// withDefined is a callback's label followed by where it was defined, "count
// (x.lua:9)", unless the label already says so ("function <x.lua:9>") or
// there is no place to give.
func withDefined(label, defined string) string {
	if defined == "" || strings.HasSuffix(label, ">") {
		return label
	}
	return label + " (" + defined + ")"
}

// definedAt is FILE:LINE where the Lua function fn was defined.
func definedAt(fn *lua.LFunction) string {
	return fn.Proto.SourceName + ":" + strconv.Itoa(fn.Proto.LineDefined)
}

// globalName finds a name for fn the way a reader would: a local variable of
// a live Lua frame at or below level (innermost first), a global, a field
// of a loaded module ("string.format"), or else the name the source gave it
// where it was defined (see definitionName). It returns "" when there is
// none.
func (rt *Runtime) globalName(L *lua.LState, fn *lua.LFunction, level int) string {
	if fn == nil {
		return ""
	}
	found := ""
	nearLevels(L, level, func(dbg *lua.Debug) bool {
		if f, _ := L.GetInfo("f", dbg, lua.LNil); f == nil || f.(*lua.LFunction).IsG {
			return false
		}
		for i := 1; ; i++ {
			name, v := L.GetLocal(dbg, i)
			if name == "" {
				return false
			}
			if v == fn && name[0] != '(' {
				found = name
				return true
			}
		}
	})
	if found != "" {
		return found
	}
	name := ""
	globals := L.G.Global
	globals.ForEach(func(k, v lua.LValue) {
		if ks, ok := k.(lua.LString); ok && v == fn && name == "" {
			name = string(ks)
		}
	})
	if name != "" {
		return name
	}
	if loaded, _ := L.GetField(L.Get(lua.RegistryIndex), "_LOADED").(*lua.LTable); loaded != nil {
		name = moduleFieldName(loaded, globals, fn)
	}
	if name != "" {
		return name
	}
	return definitionName(L, fn)
}

// moduleFieldName is "mod.key" for the first field of a loaded module other
// than the globals that holds fn, "" when none does.
func moduleFieldName(loaded, globals *lua.LTable, fn *lua.LFunction) string {
	name := ""
	loaded.ForEach(func(mod, tv lua.LValue) {
		t, ok := tv.(*lua.LTable)
		if !ok || name != "" || t == globals {
			return
		}
		t.ForEach(func(k, v lua.LValue) {
			if ks, ok := k.(lua.LString); ok && v == fn && name == "" {
				name = lua.LVAsString(mod) + "." + string(ks)
			}
		})
	})
	return name
}

// tidyGopherTraceback rewrites gopher-lua's own traceback, used when the
// message handler could not run, in the format of ours: Go frames as [C],
// without the runner's frames and the final "[G]: ?".
func tidyGopherTraceback(tb string) string {
	lines := strings.Split(tb, "\n")
	kept := lines[:0]
	for _, line := range lines {
		switch {
		case line == "\t[G]: ?", line == "\t[G]: in main chunk": // the runner
			continue
		case strings.HasSuffix(line, ":0>"): // a chunk, named by its line 0
			line = line[:strings.LastIndex(line, " in function <")] + " in main chunk"
		}
		kept = append(kept, strings.Replace(line, "\t[G]:", "\t[C]:", 1))
	}
	return strings.Join(kept, "\n")
}

// goPanicMessage words a Go panic inside a builtin (gopher-lua recovers it)
// like a Lua error: "FILE:LINE: message", with the Lua frames only. The
// position and frames come from the trace gopher-lua takes when the state's
// IncludeGoStackTrace option is on; without it the message stays bare.
func goPanicMessage(msg, trace string) (string, string) {
	i := strings.Index(trace, "stack traceback:")
	if i < 0 {
		return msg, ""
	}
	tb := tidyGopherTraceback(trace[i:])
	for _, line := range strings.Split(tb, "\n")[1:] {
		line = strings.TrimPrefix(line, "\t")
		if strings.HasPrefix(line, "[C]") {
			continue
		}
		if j := strings.Index(line, ": in "); j > 0 {
			return line[:j+1] + " " + msg, tb
		}
	}
	return msg, tb
}
