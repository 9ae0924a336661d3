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
	L := rt.L
	failureClass := rt.errorsModule().RawGetString("Failure")
	if t, ok := v.(*lua.LTable); ok && t.Metatable == failureClass {
		return t
	}
	f := L.CreateTable(0, 3)
	f.RawSetString("value", v)
	typ := lua.LString(v.Type().String())
	if t, ok := v.(*lua.LTable); ok {
		if cls, ok := t.Metatable.(*lua.LTable); ok && rt.isErrorClass(cls) {
			typ = lua.LString(lua.LVAsString(cls.RawGetString("name")))
		}
	}
	f.RawSetString("type", typ)
	if traceback != "" {
		f.RawSetString("traceback", lua.LString(traceback))
	}
	L.SetMetatable(f, failureClass)
	return f
}

// errorInstance makes an instance of the error class name of the "errors"
// module, with the message and the fields given.
func (rt *Runtime) errorInstance(class, message string, fields map[string]lua.LValue) lua.LValue {
	L := rt.L
	cls, ok := rt.errorsModule().RawGetString(class).(*lua.LTable)
	if !ok {
		panic("luabind: no error class " + class)
	}
	e := L.CreateTable(0, 1+len(fields))
	e.RawSetString("message", lua.LString(message))
	for k, v := range fields {
		e.RawSetString(k, v)
	}
	L.SetMetatable(e, cls)
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
	// The reasons most connections end with, before the errors.As below,
	// whose targets cost an allocation each per call.
	switch err {
	case reactor.ErrConnectionDone:
		return rt.failure(rt.errorInstance("ConnectionDone", err.Error(), nil), "")
	case reactor.ErrConnectionAborted:
		return rt.failure(rt.errorInstance("ConnectionAborted", err.Error(), nil), "")
	}
	if cbErr := callbackErrorOf(err); cbErr != nil {
		v := cbErr.value
		if v == nil {
			v = lua.LString(cbErr.Message)
		}
		return rt.failure(v, cbErr.Traceback)
	}
	class, message, fields := reasonClass(err)
	return rt.failure(rt.errorInstance(class, message, fields), "")
}

// callbackErrorOf finds the Lua error behind err, a callback's error the
// reactor wrapped in a *reactor.PanicError, or nil.
func callbackErrorOf(err error) *CallbackError {
	var cbErr *CallbackError
	if errors.As(err, &cbErr) {
		return cbErr
	}
	var p *reactor.PanicError
	if errors.As(err, &p) {
		if cbErr, ok := p.Value.(*CallbackError); ok {
			return cbErr
		}
	}
	return nil
}

// reasonClass maps a reactor's reason to Twisted's error class, message and
// fields.
func reasonClass(err error) (class, message string, fields map[string]lua.LValue) {
	var (
		lost    *reactor.ConnectionLostError
		conn    *reactor.ConnectError
		bind    *reactor.ConnectBindError
		dns     *reactor.DNSLookupError
		done    *reactor.ProcessDone
		term    *reactor.ProcessTerminated
		listen  *reactor.CannotListenError
		tooLong *reactor.MessageLengthError
		badAddr *reactor.InvalidAddressError
	)
	switch {
	case errors.Is(err, reactor.ErrConnectionDone):
		return "ConnectionDone", err.Error(), nil
	case errors.Is(err, reactor.ErrConnectionAborted):
		return "ConnectionAborted", err.Error(), nil
	case errors.Is(err, reactor.ErrFdWentAway):
		return "ConnectionFdescWentAway", "Uh: " + err.Error(), nil
	case errors.As(err, &lost):
		// Twisted drops the errno from the message (its CONNECTION_LOST
		// has no arguments) and says "Connection lost." at shutdown only;
		// the errno stays readable as a field.
		message = "Connection to the other side was lost in a non-clean fashion."
		if errors.Is(err, reactor.ErrLostAtShutdown) {
			message = err.Error()
		}
		return "ConnectionLost", message, errnoFields(lost.Err)
	case errors.Is(err, reactor.ErrConnectTimeout):
		return "TimeoutError", err.Error(), nil
	case errors.Is(err, reactor.ErrUserAborted):
		return "UserError", err.Error(), nil
	case errors.As(err, &dns):
		return "DNSLookupError", err.Error(), map[string]lua.LValue{"name": lua.LString(dns.Name)}
	case errors.As(err, &bind):
		return "ConnectBindError", err.Error(), errnoFields(bind.Err)
	case errors.As(err, &conn):
		class = "ConnectError"
		switch {
		case errors.Is(conn.Err, unix.ECONNREFUSED):
			class = "ConnectionRefusedError"
		case errors.Is(conn.Err, unix.ENETUNREACH), errors.Is(conn.Err, unix.EHOSTUNREACH):
			class = "NoRouteError"
		case errors.Is(conn.Err, unix.ETIMEDOUT):
			class = "TCPTimedOutError"
		}
		return class, err.Error(), errnoFields(conn.Err)
	case errors.As(err, &done):
		return "ProcessDone", err.Error(), map[string]lua.LValue{
			"exit_code": lua.LNumber(0), "status": lua.LNumber(int(done.Status)),
		}
	case errors.As(err, &term):
		fields = map[string]lua.LValue{"status": lua.LNumber(int(term.Status))}
		if term.Signal != 0 {
			fields["signal"] = lua.LNumber(int(term.Signal))
		} else {
			fields["exit_code"] = lua.LNumber(term.ExitCode)
		}
		return "ProcessTerminated", err.Error(), fields
	case errors.Is(err, reactor.ErrProcessExitedAlready):
		return "ProcessExitedAlready", err.Error(), nil
	case errors.As(err, &listen):
		return "CannotListenError", err.Error(), errnoFields(listen.Err)
	case errors.As(err, &tooLong):
		return "MessageLengthError", err.Error(), nil
	case errors.As(err, &badAddr):
		return "InvalidAddressError", err.Error(), nil
	}
	// Any other error ends a connection as a loss, with its own words.
	return "ConnectionLost", err.Error(), errnoFields(err)
}

// errnoFields are errno (the number) and os_error (its text, as Python's
// os.strerror words it) for an error that wraps an errno.
func errnoFields(err error) map[string]lua.LValue {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return nil
	}
	return map[string]lua.LValue{
		"errno":    lua.LNumber(int(errno)),
		"os_error": lua.LString(capitalized(errno.Error())),
	}
}

// capitalized is s with its first letter in upper case: Go's errno texts
// are glibc's in lower case, Python's os.strerror capitalizes them.
func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
