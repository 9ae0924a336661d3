package luabind

import (
	"fmt"
	"sort"
	"strings"

	"github.com/loopscript/loopscript/internal/luastate"
	lua "github.com/yuin/gopher-lua"
)

// require("defer") is written in Lua (lua/defer.lua). This file gives it
// what Lua cannot do: a protected call that keeps the traceback of the
// error, the address of a table for tostring, an __index whose errors point
// at the script's line, and the register of the Deferreds
// whose chain ended in a failure nothing handled, which the Runtime reports
// when the run ends (ReportUnhandled).

// deferState is the Go side of the "defer" module for one Runtime.
type deferState struct {
	// unhandled maps a Deferred (its Lua table) to the failure its chain
	// last ended in, while nothing has handled it.
	unhandled map[*lua.LTable]unhandledFailure
	seq       int // orders the reports as the failures happened
	// meta and failure are the metatables of Deferreds and Failures, for
	// the fast path of defer_fast.go.
	meta, failure *lua.LTable
	// head and tail are the slots of a new Deferred's empty chain (FIRST
	// and FIRST - 1), boxed once: boxing a number allocates.
	head, tail lua.LValue
	// addCallbackSlow and addCallbackAfter are the Lua side's parts of
	// d:add_callback (see deferAddCallback).
	addCallbackSlow, addCallbackAfter *lua.LFunction
	// awaitThread is the last thread await_now found a script sees as
	// awaitCurrent (see visibleThread), which costs two map lookups and a
	// weak pointer to find out. It is forgotten whenever a sub-thread starts
	// or ends, which changes what a thread is seen as, and when the driver's
	// resume returns, so as not to keep either thread alive.
	awaitThread, awaitCurrent *lua.LState
	// current is the coroutine an inline callbacks driver is resuming now
	// (drivers nest as resumes nest: each puts back the one it found);
	// an await is valid only there.
	current *lua.LState
	// waiting and resumed are lua/defer.lua's tags of what goes between an
	// inline callbacks coroutine and its driver: the coroutine yields
	// waiting and the Deferred it waits on; the driver resumes it with
	// resumed and that Deferred's result.
	waiting, resumed lua.LValue
	// deliverTo is the thread a driver's resume (with resumed) reaches,
	// parked in an await (see awaitWait), and delivered the result it
	// takes; deliverTo is nil when no such resume is under way.
	deliverTo *lua.LState
	delivered lua.LValue
	// await is the Go defer.await (defer_await.go), nil when the Lua one
	// stands in.
	await *lua.LFunction
}

// forgetAwaitThread drops what await_now last found (see awaitThread).
func (s *deferState) forgetAwaitThread() { s.awaitThread, s.awaitCurrent = nil, nil }

type unhandledFailure struct {
	seq     int
	failure lua.LValue
}

// deferCore is the table lua/defer.lua receives as its chunk argument.
func (rt *Runtime) deferCore() *lua.LTable {
	L := rt.L
	core := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"try":          rt.deferTry,
		"address":      deferAddress,
		"unhandled":    rt.deferUnhandled,
		"index":        deferIndex,
		"report_error": rt.deferReportError,
		"classes":      rt.deferClasses,
		"add_callback": rt.deferAddCallbackMaker,
		"await_now":    rt.deferAwaitNow,
		"await":        rt.deferAwaitMaker,
		"succeed":      rt.deferSucceed,
	})
	rt.inlineCore(core) // inline_callbacks.go
	return core
}

// try(fn, ...) calls fn(...) in protected mode and returns true, or false,
// the error value and the traceback taken where it was raised ("stack
// traceback:\n\t..." without the frames of lua/defer.lua; "" if none).
// os.exit is not caught. A time limit's interruption is caught like any
// error, but the next instruction of the caller raises it again.
func (rt *Runtime) deferTry(L *lua.LState) int {
	nargs := L.GetTop() - 1
	if nargs < 0 {
		L.Push(lua.LNil)
		nargs = 0
	}
	if len(rt.catches) >= maxCNesting {
		L.SetTop(0)
		L.Push(lua.LFalse)
		L.Push(lua.LString(errCStack))
		L.Push(lua.LString(""))
		return 3
	}
	L.Insert(rt.runner, 1)
	apiErr := rt.protectRunner(L, nargs, 0, nil)
	if apiErr == nil {
		L.Push(lua.LTrue)
		return 1
	}
	return rt.pushCallbackError(L, lua.LFalse, apiErr)
}

// pushCallbackError replaces the stack with what defer.lua's run loop takes
// for a callback that raised: tag (how the caller tells this from a
// result), the error value, and its traceback without defer.lua's frames.
// An os.exit raised in the callback goes on up instead.
func (rt *Runtime) pushCallbackError(L *lua.LState, tag lua.LValue, apiErr *lua.ApiError) int {
	rt.raiseExit(L)
	value, trace := apiErr.Object, apiErr.StackTrace
	if apiErr.Type == lua.ApiErrorPanic {
		value = errorValue(apiErr)
		_, trace = goPanicMessage("", apiErr.StackTrace)
	}
	L.SetTop(0)
	L.Push(tag)
	L.Push(value)
	L.Push(lua.LString(withoutDeferFrames(trace)))
	return 3
}

// deferSource is the chunk name of lua/defer.lua in tracebacks.
const deferSource = "=loopscript/defer.lua:"

// withoutDeferFrames drops the frames of lua/defer.lua from a traceback,
// and the Go frame of try they call through: the run loop of a Deferred is
// plumbing; the script's callbacks and the line that fired the Deferred
// are what a reader looks for.
func withoutDeferFrames(tb string) string {
	if !strings.Contains(tb, deferSource) {
		return tb
	}
	return withoutFramesFrom(tb, deferSource)
}

// withoutFramesFrom drops from a traceback the frames whose chunk name
// starts with source, and each Go frame called from one of them; it is ""
// when only the header is left.
func withoutFramesFrom(tb, source string) string {
	lines := strings.Split(tb, "\n")
	kept := lines[:0]
	for i, line := range lines {
		if strings.HasPrefix(line, "\t"+source) {
			continue
		}
		// A Go frame called from there (error, xpcall, try).
		if strings.HasPrefix(line, "\t[C]:") && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t"+source) {
			continue
		}
		kept = append(kept, line)
	}
	if len(kept) <= 1 {
		return ""
	}
	return strings.Join(kept, "\n")
}

// address(t) is the address tostring shows for a table ("0xc000123456"),
// for a Deferred's own tostring, which replaces the plain one.
func deferAddress(L *lua.LState) int {
	L.Push(lua.LString(fmt.Sprintf("%p", L.CheckTable(1))))
	return 1
}

// unhandled(d, failure) records that d's chain ended in failure, which
// nothing has handled yet; unhandled(d) (failure nil) that it no longer
// holds one. A Deferred recorded again keeps its first place in the order.
func (rt *Runtime) deferUnhandled(L *lua.LState) int {
	d := L.CheckTable(1)
	f := L.Get(2)
	if f == lua.LNil {
		delete(rt.deferred.unhandled, d)
		return 0
	}
	rt.deferred.record(d, f)
	return 0
}

// record notes that d's chain ended in failure f, which nothing has handled.
func (s *deferState) record(d *lua.LTable, f lua.LValue) {
	if s.unhandled == nil {
		s.unhandled = map[*lua.LTable]unhandledFailure{}
	}
	u, ok := s.unhandled[d]
	if !ok {
		s.seq++
		u.seq = s.seq
	}
	u.failure = f
	s.unhandled[d] = u
}

// index(type_name, methods, fields) is the __index of objects that are
// tables with integer keys only (a Deferred): a method from methods, a field
// from its slot (fields maps names to slots: d.called is d[1]), or else
// "TYPE has no field 'x' (did you mean 'y'?)" raised at the script's line.
// A Go function, so that the miss is the script's error and not a line of
// lua/defer.lua.
func deferIndex(L *lua.LState) int {
	typeName := L.CheckString(1)
	methods := L.CheckTable(2)
	slots := map[string]int{}
	L.CheckTable(3).ForEach(func(k, v lua.LValue) {
		if n, ok := v.(lua.LNumber); ok {
			slots[lua.LVAsString(k)] = int(n)
		}
	})
	// add_callback, a chain's step, is taken as methods holds it now and
	// found by comparing the key with its name: the table's lookup cost
	// three fourths of this function.
	const hotName = "add_callback"
	hot := methods.RawGetString(hotName)
	// field is d[key], or nil when a Deferred has no such field.
	field := func(_ *lua.LState, d *lua.LTable, key string) lua.LValue {
		if key == hotName && hot != lua.LNil {
			return hot
		}
		if m := methods.RawGetString(key); m != lua.LNil {
			return m
		}
		if slot, ok := slots[key]; ok && d != nil {
			return d.RawGetInt(slot)
		}
		return nil
	}
	index := L.NewFunction(func(L *lua.LState) int {
		switch k := L.Get(2).(type) {
		case lua.LNumber:
			return 0 // an empty slot: nil, the value it holds
		case lua.LString:
			d, _ := L.Get(1).(*lua.LTable)
			if v := field(L, d, string(k)); v != nil {
				L.Push(v)
				return 1
			}
		}
		raiseNoField(L, typeName, L.Get(2), fieldNames(methods, slots))
		return 0
	})
	// d:add_callback(f) and d.called find their field without a call.
	luastate.SetFastIndex(L, index, field)
	L.Push(index)
	return 1
}

// fieldNames lists what a Deferred has, sorted, for a did-you-mean hint.
func fieldNames(methods *lua.LTable, slots map[string]int) []string {
	names := tableNames(methods)
	for name := range slots {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// report_error(what, err, traceback) reports an error nothing can catch
// (a DeferredList member's canceller raising) as a callback's error:
// "Unhandled error in canceller:".
func (rt *Runtime) deferReportError(L *lua.LState) int {
	what := L.CheckString(1)
	value := L.Get(2)
	rt.report(&CallbackError{
		Function:  what,
		Message:   rt.errorText(L, value),
		Traceback: lua.LVAsString(L.Get(3)),
		value:     value,
	})
	return 0
}

// ReportUnhandled reports each failure that a Deferred's chain ended in and
// nothing handled, once, in the order they happened, as a callback's error
// is reported (Config.OnError, or Stderr):
//
//	Unhandled error in Deferred:
//	Failure: string: x.lua:3: oops
//	stack traceback:
//		x.lua:3: in function <x.lua:2>
//		...
//
// The traceback is where the error was raised; a Failure made from a value
// (d:errback(v), defer.fail(v)) has none. Twisted prints the same report
// when such a Deferred is garbage-collected, which in a script means at
// exit; gopher-lua has no finalizers, so host calls this when a run ends.
// It returns how many it reported.
func (rt *Runtime) ReportUnhandled() int {
	s := &rt.deferred
	if len(s.unhandled) == 0 {
		return 0
	}
	pending := make([]unhandledFailure, 0, len(s.unhandled))
	for _, u := range s.unhandled {
		pending = append(pending, u)
	}
	s.unhandled = nil
	sort.Slice(pending, func(i, j int) bool { return pending[i].seq < pending[j].seq })
	for _, u := range pending {
		rt.report(rt.unhandledReport(u.failure))
	}
	return len(pending)
}

// unhandledReport is the report of an unhandled failure: its type and
// message as Twisted's last line words them, and its traceback.
func (rt *Runtime) unhandledReport(f lua.LValue) *CallbackError {
	L := rt.L
	typ := lua.LVAsString(L.GetField(f, "type"))
	message := ""
	if m := L.GetField(f, "get_error_message"); m != lua.LNil {
		L.Push(m)
		L.Push(f)
		if rt.pcall(L, 1, 1) == nil {
			message = lua.LVAsString(L.Get(-1))
			L.Pop(1)
		} else {
			message = "(error in the error's __tostring)"
		}
	}
	tb := ""
	if t, ok := L.GetField(f, "traceback").(lua.LString); ok {
		tb = string(t)
	}
	return &CallbackError{
		Function:  "Deferred",
		Message:   "Failure: " + typ + ": " + message,
		Traceback: tb,
		value:     f,
	}
}
