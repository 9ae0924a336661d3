package luabind

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// Config sets up a Runtime.
type Config struct {
	// Reactor is the poller of the reactor installed by a plain
	// require("reactor"): "epoll" (the default when empty), "poll" or "select".
	Reactor string
	// Clock is the reactor's clock; nil means the monotonic clock.
	Clock reactor.Clock
	// HandleSignals lets SIGINT and SIGTERM stop the reactor gracefully (see
	// reactor.Config.HandleSignals).
	HandleSignals bool
	// Exit ends the process on a second signal; nil means os.Exit.
	Exit func(code int)
	// OnError receives every error a callback raised and did not handle; nil
	// writes its Report to Stderr.
	OnError func(*CallbackError)
	// Stderr is where unhandled errors go when OnError is nil; nil means
	// os.Stderr.
	Stderr io.Writer
	// Trace, when set, receives a line for every callback the reactor runs,
	// before it runs (see trace.go).
	Trace io.Writer
}

// ErrAlreadyInstalled is raised by *reactor.install() once a reactor exists.
var ErrAlreadyInstalled = errors.New("reactor already installed")

// Runtime binds one Lua state to its reactor.
type Runtime struct {
	L   *lua.LState
	cfg Config
	r   *reactor.Reactor

	// handler is the message handler of every protected call: it records the
	// traceback while the failing frames are still on the stack.
	handler       *lua.LFunction
	lastTraceback string

	delayedCallMeta *lua.LTable
	loopingCallMeta *lua.LTable
}

// Open makes the loopscript modules available to require in L. Nothing
// becomes global.
func Open(L *lua.LState, cfg Config) *Runtime {
	if cfg.Reactor == "" {
		cfg.Reactor = "epoll"
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	rt := &Runtime{L: L, cfg: cfg}
	rt.handler = L.NewFunction(func(L *lua.LState) int {
		rt.lastTraceback = rt.traceback(L, 1)
		return 1
	})
	rt.delayedCallMeta = rt.newDelayedCallMeta()
	rt.loopingCallMeta = rt.newLoopingCallMeta()
	L.PreloadModule("reactor", rt.openReactor)
	L.PreloadModule("task", rt.openTask)
	for _, kind := range reactor.PollerNames {
		L.PreloadModule(kind+"reactor", rt.openInstaller(kind))
	}
	return rt
}

// Reactor returns the installed reactor, installing the default one first if
// no script has asked for one yet.
func (rt *Runtime) Reactor() (*reactor.Reactor, error) {
	if rt.r == nil {
		if err := rt.install(rt.cfg.Reactor); err != nil {
			return nil, err
		}
	}
	return rt.r, nil
}

// Install installs the reactor of the given kind ("epoll", "poll" or
// "select"). It fails with ErrAlreadyInstalled once there is one.
func (rt *Runtime) Install(kind string) error { return rt.install(kind) }

func (rt *Runtime) install(kind string) error {
	if rt.r != nil {
		return ErrAlreadyInstalled
	}
	poller, err := reactor.NewPoller(kind)
	if err != nil {
		return err
	}
	r, err := reactor.New(reactor.Config{
		Poller:        poller,
		Clock:         rt.cfg.Clock,
		OnError:       rt.reportGoError,
		HandleSignals: rt.cfg.HandleSignals,
		Exit:          rt.cfg.Exit,
	})
	if err != nil {
		poller.Close()
		return err
	}
	rt.r = r
	return nil
}

// Close releases the reactor's descriptors if it never ran.
func (rt *Runtime) Close() error {
	if rt.r != nil {
		return rt.r.Close()
	}
	return nil
}

// PCall calls fn(args...) in protected mode. A Lua error comes back as a
// *CallbackError whose Function and Defined describe fn.
func (rt *Runtime) PCall(fn lua.LValue, args ...lua.LValue) error {
	L := rt.L
	rt.lastTraceback = ""
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	err := L.PCall(len(args), 0, rt.handler)
	if err == nil {
		return nil
	}
	cbErr := &CallbackError{Traceback: rt.lastTraceback}
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) {
		cbErr.Message = errorText(L, apiErr.Object)
		if cbErr.Traceback == "" {
			cbErr.Traceback = apiErr.StackTrace
		}
	} else {
		cbErr.Message = err.Error()
	}
	cbErr.Function, cbErr.Defined = rt.describe(L, fn)
	return cbErr
}

// CallKind says why the reactor runs a callback.
type CallKind string

// The kinds of callback, as the trace prints them.
const (
	KindRunning CallKind = "running" // call_when_running
	KindLater   CallKind = "later"   // call_later
	KindLooping CallKind = "looping" // task.looping_call
	KindTrigger CallKind = "trigger" // add_system_event_trigger
)

// call runs a callback for the reactor and reports its error, if any. It
// returns the error so a LoopingCall can stop on it.
func (rt *Runtime) call(kind CallKind, fn lua.LValue, args []lua.LValue) error {
	rt.traceCall(kind, fn)
	err := rt.PCall(fn, args...)
	if err != nil {
		rt.report(err.(*CallbackError))
	}
	return err
}

func (rt *Runtime) report(e *CallbackError) {
	if rt.cfg.OnError != nil {
		rt.cfg.OnError(e)
		return
	}
	io.WriteString(rt.cfg.Stderr, e.Report())
}

// reportGoError reports an error the reactor caught itself: a Go panic in a
// callback, which means a bug in Go code, not in the script.
func (rt *Runtime) reportGoError(err error) {
	rt.report(&CallbackError{Function: "Go callback", Message: fmt.Sprintf("internal error: %v", err)})
}
