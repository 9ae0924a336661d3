package luabind

import (
	"math"
	"time"

	"github.com/loopscript/loopscript/internal/luastate"
	lua "github.com/yuin/gopher-lua"
)

// The checks below replace gopher-lua's own (L.CheckNumber and friends),
// whose messages leave the function name unquoted and which accept the string
// "1.5" as a number. Ours read like reference Lua:
// bad argument #1 to 'call_later' (number expected, got string).

// fname names a Lua function in argument errors. For a method (called as
// obj:name(...)) the self argument is not counted, as in reference Lua.
type fname struct {
	name   string
	method bool
}

// asMethod is f as a method: for the check of its self, which hints at
// obj:name when obj.name was called. The io library's functions name their
// other arguments without it, so that they are numbered as Lua 5.1 numbers
// them, by how they were called (f:seek("x") and pcall(f.seek, f, "x")
// name "x" #1 and #2).
func (f fname) asMethod() fname {
	f.method = true
	return f
}

// argError raises a Lua error for the argument at stack index n of f. The
// self of a method is checked by checkSelf, never here.
func argError(L *lua.LState, n int, f fname, msg string) {
	// Called with a colon, self is not counted, as in Lua 5.1; but a module
	// function called on its module (reactor:call_later) keeps its numbers
	// and the hint typeError gave: the colon itself is the mistake.
	if f.method || luastate.CalledAsMethod(L) && moduleHint(L.Get(1), f.name) == "" {
		n--
		if n == 0 {
			L.RaiseError("calling '%s' on bad self (%s)", f.name, msg)
		}
	}
	L.RaiseError("bad argument #%d to '%s' (%s)", n, f.name, msg)
}

// typeName is what Lua calls the value at n, "no value" past the top.
func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// typeError raises "want expected, got TYPE" for argument n of f. When a
// module function got its own module as argument 1, the script wrote
// reactor:call_later for reactor.call_later, and the message says so.
func typeError(L *lua.LState, n int, f fname, want string) {
	msg := want + " expected, got " + typeName(L, n)
	if n == 1 && !f.method {
		msg += moduleHint(L.Get(1), f.name)
	}
	argError(L, n, f, msg)
}

// checkSeconds reads argument n as a finite, non-negative number of seconds
// and converts it to a duration, clamping delays beyond ~292 years (the range
// of a time.Duration) instead of letting them wrap into the past.
func checkSeconds(L *lua.LState, n int, f fname) time.Duration {
	v, ok := L.Get(n).(lua.LNumber)
	if !ok {
		typeError(L, n, f, "number")
	}
	secs := float64(v)
	switch {
	case math.IsNaN(secs), math.IsInf(secs, 0):
		argError(L, n, f, "finite number expected, got "+numberText(secs))
	case secs < 0:
		argError(L, n, f, "non-negative number expected, got "+lua.LVAsString(v))
	}
	return secondsToDuration(secs)
}

// numberText writes a number as reference Lua's tostring does, which spells
// the non-finite ones nan, inf and -inf (Go says NaN, +Inf, -Inf).
func numberText(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return lua.LNumber(f).String()
}

// secondsToDuration converts seconds to a duration, rounding up to the next
// nanosecond so a timer never fires before the time asked for.
func secondsToDuration(f float64) time.Duration {
	ns := math.Ceil(f * 1e9)
	if ns >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ns)
}

// IsCallable reports whether v can be called: a function, or a table or
// userdata whose metatable has a __call function.
func IsCallable(L *lua.LState, v lua.LValue) bool {
	switch v.Type() {
	case lua.LTFunction:
		return true
	case lua.LTTable, lua.LTUserData:
		return L.GetMetaField(v, "__call").Type() == lua.LTFunction
	}
	return false
}

func checkCallable(L *lua.LState, n int, f fname) lua.LValue {
	v := L.Get(n) // nil past the top, for which typeError says "no value"
	if !IsCallable(L, v) {
		typeError(L, n, f, "function")
	}
	return v
}

// checkSelf returns the *T behind the userdata that is argument 1 of f (the
// self of a method), or raises the type error for an argument that is not a
// selfType. A method gets no self of its type almost only when called with
// '.' instead of ':' (the object's methods are reachable through it alone),
// so the message reads as Lua's would for that call, with the fix:
//
//	bad argument #1 to 'cancel' (DelayedCall expected, got no value; use dc:cancel, not dc.cancel)
func checkSelf[T any](L *lua.LState, f fname, selfType string) *T {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if v, ok := ud.Value.(*T); ok {
			return v
		}
	}
	msg := selfType + " expected, got " + typeName(L, 1)
	if v, ok := selfVariable[selfType]; ok && f.method {
		msg += "; use " + v + ":" + f.name + ", not " + v + "." + f.name
	}
	L.RaiseError("bad argument #1 to '%s' (%s)", f.name, msg)
	return nil
}

// selfVariable is what the README calls an object of each type, for the
// hints of checkSelf.
var selfVariable = map[string]string{
	delayedCallType: "dc",
	loopingCallType: "lc",
	clockType:       "clock",
	streamType:      "file",
	transportType:   "transport",
	portType:        "port",
	connectorType:   "connector",
	udpPortType:     "port",
	socketType:      "sock",
}

func checkString(L *lua.LState, n int, f fname) string {
	v, ok := L.Get(n).(lua.LString)
	if !ok {
		typeError(L, n, f, "string")
	}
	return string(v)
}

// restArgs copies the arguments from n to the top, for passing on to a
// callback later; nil when there are none, which is the common case.
func restArgs(L *lua.LState, n int) []lua.LValue {
	top := L.GetTop()
	if top < n {
		return nil
	}
	args := make([]lua.LValue, top-n+1)
	for i := range args {
		args[i] = L.Get(n + i)
	}
	return args
}
