package luabind

import (
	"errors"
	"strings"
	"syscall"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// Reasons: what connection_lost, client_connection_failed, process_ended
// and their kin receive. Each is a Failure of the "errors" module (see
// lua/errors.lua) whose value is an instance of the error class Twisted
// uses for the same event, with Twisted's message, so reason:check and
// reason:trap match along Twisted's hierarchy.

// failure makes the Failure of a Lua error value; traceback is where it was
// raised, "" if unknown. A Failure stays itself.
func (rt *Runtime) failure(v lua.LValue, traceback string) lua.LValue {
	failureClass := rt.errorsModule().RawGetString("Failure")
	if t, ok := v.(*lua.LTable); ok && t.Metatable == failureClass {
		return t
	}
	var typ lua.LValue = lua.LString(v.Type().String())
	if t, ok := v.(*lua.LTable); ok {
		if cls, ok := t.Metatable.(*lua.LTable); ok && rt.isErrorClass(cls) {
			typ = className(cls)
		}
	}
	return rt.newFailure(failureClass, v, typ, traceback)
}

// newFailure is a Failure of class failureClass with its value, type and
// traceback ("" for none).
func (rt *Runtime) newFailure(failureClass, v, typ lua.LValue, traceback string) *lua.LTable {
	L := rt.L
	f := L.CreateTable(0, 3)
	f.RawSetString("value", v)
	f.RawSetString("type", typ)
	if traceback != "" {
		f.RawSetString("traceback", lua.LString(traceback))
	}
	L.SetMetatable(f, failureClass)
	return f
}

// className is an error class's name as a Lua string; the string the class
// holds is reused, so naming it allocates nothing.
func className(cls *lua.LTable) lua.LValue {
	name := cls.RawGetString("name")
	if _, ok := name.(lua.LString); ok {
		return name
	}
	return lua.LString(lua.LVAsString(name))
}

// errorInstance makes an instance of the error class name of the "errors"
// module, with the message and the fields given.
func (rt *Runtime) errorInstance(class, message string, fields map[string]lua.LValue) lua.LValue {
	e := rt.newErrorInstance(rt.errorClass(class), message, len(fields))
	for k, v := range fields {
		e.RawSetString(k, v)
	}
	return e
}

// errorClass is the error class name of the "errors" module.
func (rt *Runtime) errorClass(name string) *lua.LTable {
	cls, ok := rt.errorsModule().RawGetString(name).(*lua.LTable)
	if !ok {
		panic("luabind: no error class " + name)
	}
	return cls
}

// newErrorInstance is an instance of cls with its message, and room for
// that many more fields.
func (rt *Runtime) newErrorInstance(cls *lua.LTable, message string, fields int) *lua.LTable {
	e := rt.L.CreateTable(0, 1+fields)
	e.RawSetString("message", messageValue(message))
	rt.L.SetMetatable(e, cls)
	return e
}

// isErrorClass says whether cls is an error class: every class shares the
// metatable of the errors module's own.
func (rt *Runtime) isErrorClass(cls *lua.LTable) bool {
	known, _ := rt.errorsModule().RawGetString("ConnectError").(*lua.LTable)
	return known != nil && cls.Metatable == known.Metatable
}

func (rt *Runtime) errorsModule() *lua.LTable {
	return rt.embeddedModule("errors").(*lua.LTable)
}

// reason is the Failure a Lua callback receives for err, a reason the
// reactor gave (reactor.ErrConnectionDone, *reactor.ConnectError, ...).
// An error a Lua callback raised (which closed its connection) comes back
// as the Lua error value it was, with its traceback.
func (rt *Runtime) reason(err error) lua.LValue {
	m := matchError(err)
	if cbErr := m.callbackError(); cbErr != nil {
		v := cbErr.value
		if v == nil {
			v = lua.LString(cbErr.Message)
		}
		return rt.failure(v, cbErr.Traceback)
	}
	class, message, fields := reasonClass(m)
	cls := rt.errorClass(class)
	e := rt.newErrorInstance(cls, message, fields.n)
	fields.setIn(e)
	return rt.newFailure(rt.errorsModule().RawGetString("Failure"), e, className(cls), "")
}

// callbackErrorOf finds the Lua error behind err, a callback's error the
// reactor wrapped in a *reactor.PanicError, or nil.
func callbackErrorOf(err error) *CallbackError {
	return matchError(err).callbackError()
}

func (m errorMatcher) callbackError() *CallbackError {
	if cbErr, ok := errorAs[*CallbackError](m); ok {
		return cbErr
	}
	if p, ok := errorAs[*reactor.PanicError](m); ok {
		if cbErr, ok := p.Value.(*CallbackError); ok {
			return cbErr
		}
	}
	return nil
}

// reasonClass maps a reactor's reason to Twisted's error class, message and
// fields; the first case that matches wins.
func reasonClass(m errorMatcher) (class, message string, fields errorFields) {
	err := m.err
	switch {
	case m.is(reactor.ErrConnectionDone):
		return "ConnectionDone", err.Error(), fields
	case m.is(reactor.ErrConnectionAborted):
		return "ConnectionAborted", err.Error(), fields
	case m.is(reactor.ErrFdWentAway):
		return "ConnectionFdescWentAway", "Uh: " + err.Error(), fields
	}
	if lost, ok := errorAs[*reactor.ConnectionLostError](m); ok {
		// Twisted drops the errno from the message (its CONNECTION_LOST
		// has no arguments) and says "Connection lost." at shutdown only;
		// the errno stays readable as a field.
		message = lostMessage
		if m.is(reactor.ErrLostAtShutdown) {
			message = err.Error()
		}
		fields.addErrno(lost.Err)
		return "ConnectionLost", message, fields
	}
	switch {
	case m.is(reactor.ErrConnectTimeout):
		return "TimeoutError", err.Error(), fields
	case m.is(reactor.ErrUserAborted):
		return "UserError", err.Error(), fields
	}
	if dns, ok := errorAs[*reactor.DNSLookupError](m); ok {
		fields.add("name", lua.LString(dns.Name))
		return "DNSLookupError", err.Error(), fields
	}
	if bind, ok := errorAs[*reactor.ConnectBindError](m); ok {
		fields.addErrno(bind.Err)
		return "ConnectBindError", err.Error(), fields
	}
	if conn, ok := errorAs[*reactor.ConnectError](m); ok {
		class = "ConnectError"
		switch {
		case errors.Is(conn.Err, unix.ECONNREFUSED):
			class = "ConnectionRefusedError"
		case errors.Is(conn.Err, unix.ENETUNREACH), errors.Is(conn.Err, unix.EHOSTUNREACH):
			class = "NoRouteError"
		case errors.Is(conn.Err, unix.ETIMEDOUT):
			class = "TCPTimedOutError"
		}
		fields.addErrno(conn.Err)
		return class, err.Error(), fields
	}
	if done, ok := errorAs[*reactor.ProcessDone](m); ok {
		fields.add("exit_code", numberValue(0))
		fields.add("status", numberValue(int(done.Status)))
		return "ProcessDone", err.Error(), fields
	}
	if term, ok := errorAs[*reactor.ProcessTerminated](m); ok {
		fields.add("status", numberValue(int(term.Status)))
		if term.Signal != 0 {
			fields.add("signal", numberValue(int(term.Signal)))
		} else {
			fields.add("exit_code", numberValue(term.ExitCode))
		}
		return "ProcessTerminated", err.Error(), fields
	}
	if m.is(reactor.ErrProcessExitedAlready) {
		return "ProcessExitedAlready", err.Error(), fields
	}
	if listen, ok := errorAs[*reactor.CannotListenError](m); ok {
		fields.addErrno(listen.Err)
		return "CannotListenError", err.Error(), fields
	}
	if _, ok := errorAs[*reactor.MessageLengthError](m); ok {
		return "MessageLengthError", err.Error(), fields
	}
	if _, ok := errorAs[*reactor.InvalidAddressError](m); ok {
		return "InvalidAddressError", err.Error(), fields
	}
	// Any other error ends a connection as a loss, with its own words.
	fields.addErrno(err)
	return "ConnectionLost", err.Error(), fields
}

// errorFields are the few fields of an error instance beyond its message,
// held by value so that classifying a reason allocates nothing.
type errorFields struct {
	n      int
	names  [maxErrorFields]string
	values [maxErrorFields]lua.LValue
}

// maxErrorFields is the most fields reasonClass gives an instance.
const maxErrorFields = 2

func (f *errorFields) add(name string, v lua.LValue) {
	f.names[f.n], f.values[f.n] = name, v
	f.n++
}

// addErrno adds errno (the number) and os_error (its text, as Python's
// os.strerror words it) for an error that wraps an errno.
func (f *errorFields) addErrno(err error) {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		f.add("errno", numberValue(int(errno)))
		f.add("os_error", errnoTextValue(errno))
	}
}

func (f *errorFields) setIn(t *lua.LTable) {
	for i := range f.n {
		t.RawSetString(f.names[i], f.values[i])
	}
}

// errnoFields are errno (the number) and os_error (its text, as Python's
// os.strerror words it) for an error that wraps an errno, nil for another.
func errnoFields(err error) map[string]lua.LValue {
	var f errorFields
	f.addErrno(err)
	if f.n == 0 {
		return nil
	}
	fields := make(map[string]lua.LValue, f.n)
	for i := range f.n {
		fields[f.names[i]] = f.values[i]
	}
	return fields
}

// capitalized is s with its first letter in upper case: Go's errno texts
// are glibc's in lower case, Python's os.strerror capitalizes them.
func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
