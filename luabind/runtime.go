package luabind

import (
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"sync/atomic"
	"time"
	"weak"

	"github.com/loopscript/loopscript/internal/luastate"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// Config sets up a Runtime.
type Config struct {
	// Reactor is the poller of the reactor installed by a plain
	// require("reactor"): "epoll", "poll" or "select"; empty means
	// reactor.DefaultPoller (epoll on Linux, poll elsewhere).
	Reactor string
	// Clock is the reactor's clock; nil means the monotonic clock.
	Clock reactor.Clock
	// HandleSignals lets SIGINT and SIGTERM stop the reactor gracefully (see
	// reactor.SignalWatch). Open starts catching them, so that this overlaps
	// with loading the script rather than delaying the reactor's start.
	HandleSignals bool
	// Exit ends the process on a second signal; nil means os.Exit.
	Exit func(code int)
	// StopGrace bounds how long a graceful stop on a signal may take before
	// the process exits naming the callback holding the loop (see
	// reactor.Config.StopGrace): zero means reactor.DefaultStopGrace,
	// negative no bound.
	StopGrace time.Duration
	// OnError receives every error a callback raised and did not handle; nil
	// writes its Report to Stderr.
	OnError func(*CallbackError)
	// Stdout is what the io library's io.stdout (and so io.write) writes
	// to; nil means os.Stdout. (print is the host's: see host.Options.)
	Stdout io.Writer
	// Stderr is where unhandled errors go when OnError is nil, and what
	// io.stderr writes to; nil means os.Stderr.
	Stderr io.Writer
	// Stdin, when set, is what io.stdin reads, and io.read and io.lines
	// while the default input is io.stdin; nil leaves the io library
	// reading the process's standard input. The stdio module's
	// StandardIO reads descriptor 0 either way.
	Stdin io.Reader
	// Trace, when set, receives a line for every callback the reactor runs,
	// before it runs (see trace.go).
	Trace io.Writer
	// Limits bound how long callbacks may run (see watchdog.go).
	Limits Limits
	// AllowIO, when set, approves each call that would open a socket, a
	// listener, a child process or the standard I/O: a non-nil error
	// refuses it, and the script gets "FUNCTION: ERROR" raised at the
	// call. Nil allows everything.
	AllowIO func(IORequest) error

	// luaAwaitOnly makes defer.await the Lua side's, as on a gopher-lua
	// whose VM luastate does not know: for the tests of that await.
	luaAwaitOnly bool
}

// ErrAlreadyInstalled is raised by *reactor.install() once a reactor of
// another kind exists.
var ErrAlreadyInstalled = errors.New("reactor already installed")

// Runtime binds one Lua state to its reactor.
type Runtime struct {
	L   *lua.LState
	cfg Config
	r   *reactor.Reactor
	// installedBy says who installed r, for the error of a later install.
	installedBy string
	// signals is the watch Open started for the reactor to come, until
	// Install hands it over (or Close lets it go).
	signals *reactor.SignalWatch
	// installed is r, published for other goroutines (Installed).
	installed atomic.Pointer[reactor.Reactor]

	// runner calls a callback with the state's Panic hook set to
	// raiseWithTraceback, so an error's traceback is taken while the failing
	// frames are still on the stack (see PCall).
	runner *lua.LFunction
	// pcallRunner runs the functions pcall, xpcall and luabind's own Go
	// code call in protected mode; catches are the catch points of the
	// protected calls under way, innermost last (see protect.go).
	pcallRunner *lua.LFunction
	catches     []catchPoint

	// What makes pcall and xpcall yieldable inside coroutines (see
	// yieldable_pcall.go): gopher-lua's own coroutine.create and resume,
	// the function sub-threads start with, the sub-threads running, and
	// the coroutines suspended inside a pcall.
	coCreate, coResume lua.LGFunction
	subThreadStart     *lua.LFunction
	subThreadDone      *lua.LUserData // what a sub-thread yields when its function returned
	subPool            []*lua.LState  // finished sub-threads, for the next pcall
	subThreads         map[*lua.LState]*subThread
	pendingPCalls      map[weak.Pointer[lua.LState]]*pendingPCall
	collected          collectedThreads

	// raiseHook is rt.raiseWithTraceback, made into a func value once:
	// taking the method value at every callback allocated each time.
	raiseHook func(*lua.LState)
	// catchHook is rt.catchHookFor, made into a func value once, for the
	// same reason.
	catchHook func(*lua.LState)

	// The DelayedCall and LoopingCall metatables, made by
	// delayedCallMetatable and loopingCallMetatable at the first of each.
	delayedCallMeta *lua.LTable
	loopingCallMeta *lua.LTable
	// processMakeConnection is ProcessProtocol's own make_connection (see
	// madeWithoutLua).
	processMakeConnection *lua.LFunction
	streamDefaults        streamDefaults // see protocol_defaults.go

	io *ioLib // the io library's streams (see iolib.go); nil without io
	// input is io.stdin over Config.Stdin and the default input (see
	// iolib_input.go); nil without Config.Stdin.
	input *inputLib
	// gcPause and gcStepMul are what collectgarbage("setpause") and
	// ("setstepmul") last set, Lua's 200 at first.
	gcPause, gcStepMul int
	// exit is set once the script calls os.exit (see exit.go); loopDepth
	// is len(catches) where the running reactor.run() was called.
	exit      *ExitError
	loopDepth int

	// embeddedEnv holds the globals the modules written in Lua see, and
	// embedded those modules once loaded (see embedded.go).
	embeddedEnv *lua.LTable
	embedded    map[string]lua.LValue
	addrs       addressCache // see address.go

	transportMeta *lua.LTable                           // see transport.go
	ioObjects     map[reactor.FileDescriptor]lua.LValue // see io_objects.go
	watchers      luaWatchers                           // see watcher_module.go
	// lastResult is the first value the callback runCallee ran last
	// returned, for the callers that need it (a reader's do_read).
	lastResult lua.LValue
	deferred   deferState // see defer_module.go

	mods   moduleSet // the Modules opened (see module.go)
	watch  watchdog  // enforces cfg.Limits
	stdout io.Writer // cfg.Stdout as print and io.stdout write it (see output.go)
	outputState
	script *sessionScript // the script of an interactive session (see session.go)
	random *rand.Rand     // math.random's generator (see safe_stdlib.go)
}

// Open makes the loopscript modules available to require in L and hardens
// its standard library (see hardenStdlib). Nothing becomes global.
func Open(L *lua.LState, cfg Config) *Runtime {
	if cfg.Reactor == "" {
		cfg.Reactor = reactor.DefaultPoller
	}
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	rt := &Runtime{L: L, cfg: cfg, gcPause: 200, gcStepMul: 200}
	luastate.MarkLua51(L, lua51NumberString) // the VM's errors and `..` as Lua 5.1's
	rt.stdout = rt.limitedWriter(cfg.Stdout, "standard output")
	if cfg.HandleSignals {
		rt.signals = reactor.WatchSignals(cfg.Exit)
	}
	rt.runner = L.NewFunction(rt.runCallee)
	rt.raiseHook = rt.raiseWithTraceback
	rt.catchHook = rt.catchHookFor
	rt.replaceTraceback()
	rt.replaceProtectedCalls()
	rt.hardenStdlib()
	rt.replaceExit()
	rt.replaceClock()
	L.SetGlobal("tostring", L.NewFunction(luaToString))
	rt.replaceIO()
	rt.snapshotGlobals()
	for _, m := range rt.modules() {
		L.PreloadModule(m.name, m.loader)
	}
	return rt
}

// delayedCallMetatable is the metatable of every DelayedCall, made at the
// first one: a script that schedules no call does not build it at start-up.
func (rt *Runtime) delayedCallMetatable() *lua.LTable {
	if rt.delayedCallMeta == nil {
		rt.delayedCallMeta = rt.newDelayedCallMeta()
	}
	return rt.delayedCallMeta
}

// loopingCallMetatable is the metatable of every LoopingCall, made at the
// first one.
func (rt *Runtime) loopingCallMetatable() *lua.LTable {
	if rt.loopingCallMeta == nil {
		rt.loopingCallMeta = rt.newLoopingCallMeta()
	}
	return rt.loopingCallMeta
}

type module struct {
	name   string
	loader lua.LGFunction
}

// modules are the modules require finds, each with its loader (a module's
// file says what it is for).
func (rt *Runtime) modules() []module {
	mods := []module{
		{"reactor", rt.moduleLoader("reactor", reactorModule{rt})},
		{"task", rt.moduleLoader("task", taskModule{rt})},
		{"errors", rt.embeddedLoader("errors")},
		{"protocol", rt.embeddedLoader("protocol")},
		{"socket", rt.moduleLoader("socket", socketModule{rt})},
		{"basic", rt.embeddedLoader("basic")},
		{"defer", rt.embeddedLoader("defer")},
		{"testing", rt.embeddedLoader("testing")},
		{"stdio", rt.moduleLoader("stdio", stdioModule{rt})},
		{"utils", rt.embeddedLoader("utils")},
		{"endpoints", rt.embeddedLoader("endpoints")},
		{"log", rt.embeddedLoader("log")},
	}
	for _, kind := range reactor.PollerNames {
		mods = append(mods, module{kind + "reactor", rt.moduleLoader(kind+"reactor", rt.installerModule(kind))})
	}
	return mods
}

// ModuleNames are the names of the modules a Runtime makes available to
// require, in no particular order.
func ModuleNames() []string {
	var names []string
	for _, m := range (&Runtime{}).modules() {
		names = append(names, m.name)
	}
	return names
}

// Reactor returns the installed reactor, installing the default one first if
// no script has asked for one yet.
func (rt *Runtime) Reactor() (*reactor.Reactor, error) {
	if rt.r == nil {
		if err := rt.Install(rt.cfg.Reactor); err != nil {
			return nil, err
		}
	}
	return rt.r, nil
}

// Install installs the reactor of the given kind ("epoll", "poll" or
// "select"), as InstallBy does, saying who installs it by the Lua code
// running (see installSite), if any.
func (rt *Runtime) Install(kind string) error { return rt.InstallBy(kind, rt.installSite()) }

// InstallBy installs the reactor of the given kind; by says who asks, for the
// error a later install of another kind gets ("--reactor", `require("reactor")
// at x.lua:3`; empty if unknown). Installing the kind already installed does
// nothing; another kind fails with an error wrapping ErrAlreadyInstalled
// that names the installed kind and who installed it: "reactor already
// installed (epoll, by require("reactor") at x.lua:3)".
func (rt *Runtime) InstallBy(kind, by string) error {
	if rt.r != nil {
		if rt.r.Name() == kind {
			return nil
		}
		if rt.installedBy == "" {
			return fmt.Errorf("%w (%s)", ErrAlreadyInstalled, rt.r.Name())
		}
		return fmt.Errorf("%w (%s, by %s)", ErrAlreadyInstalled, rt.r.Name(), rt.installedBy)
	}
	poller, err := reactor.NewPoller(kind)
	if err != nil {
		return err
	}
	r, err := reactor.New(reactor.Config{
		Poller:  poller,
		Clock:   rt.cfg.Clock,
		OnError: rt.ReportError,
		Signals: rt.signals,
		// For a signal's stop that does not take effect in time.
		StopGrace: rt.cfg.StopGrace,
		Busy:      rt.busy,
		Stderr:    rt.cfg.Stderr,
	})
	rt.signals = nil // the reactor's now, or closed
	if err != nil {
		return err
	}
	rt.r, rt.installedBy = r, by
	rt.installed.Store(r)
	return nil
}

// Installed returns the reactor if one is installed, else nil. Unlike
// Reactor it never installs one, so it is safe for concurrent use.
func (rt *Runtime) Installed() *reactor.Reactor { return rt.installed.Load() }

// Close lets go of what a Runtime holds outside the Lua state: it stops
// catching SIGINT and SIGTERM if Config.HandleSignals made Open start, and
// releases the reactor's descriptors if it never ran. (A reactor that ran
// has released both itself.)
func (rt *Runtime) Close() error {
	rt.closeOutputs()
	if rt.signals != nil {
		rt.signals.Close()
		rt.signals = nil
	}
	if rt.r != nil {
		return rt.r.Close()
	}
	return nil
}

// PCall calls fn(args...) in protected mode. A Lua error comes back as a
// *CallbackError whose Function and Defined describe fn.
//
// Why not L.PCall with a message handler: gopher-lua pushes the handler onto
// the value stack after the error, and when the error was a full stack
// ("registry overflow") that push panics out of PCall and kills the process.
// Instead the callee runs under a Panic hook that records the traceback in
// the error itself, in Go, without touching the Lua stack; and with the
// state's "error function active" flag set, which is what a handler would
// have done for upvalues; the hook closes the upvalues of the frames the
// error ends (see protect.go).
func (rt *Runtime) PCall(fn lua.LValue, args ...lua.LValue) error {
	L := rt.L
	L.Push(rt.runner)
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	apiErr := rt.protectRunner(L, len(args), 0, nil)
	if apiErr == nil {
		return nil
	}
	if rt.exit != nil {
		return rt.exit
	}
	cbErr := &CallbackError{
		Message:   rt.errorText(L, apiErr.Object),
		Traceback: tidyGopherTraceback(apiErr.StackTrace),
		value:     apiErr.Object,
	}
	if apiErr.Type == lua.ApiErrorPanic {
		// A Go builtin panicked, or the call stack was full: no Lua error
		// was raised, so no hook ran.
		cbErr.Message = lua.LVAsString(errorValue(apiErr))
		cbErr.value = errorValue(apiErr)
		_, cbErr.Traceback = goPanicMessage("", apiErr.StackTrace)
	}
	cbErr.Function, cbErr.Defined = rt.describe(L, fn)
	if rt.exit != nil { // the error's __tostring called os.exit
		return rt.exit
	}
	return cbErr
}

// runCallee is the runner: it calls the function at stack index 1 with the
// arguments above it, unprotected, with raiseWithTraceback as the Panic hook.
// A Lua pcall inside the callee installs its own hook and restores ours, so
// errors the script catches itself cost no traceback.
func (rt *Runtime) runCallee(L *lua.LState) int {
	saved := L.Panic
	L.Panic = rt.raiseHook
	luastate.SetErrorFuncActive(L, true)
	L.Call(L.GetTop()-1, 1)
	rt.lastResult = L.Get(-1)
	L.Panic = saved // on an error, the enclosing PCall restores it
	return 0
}

// raiseWithTraceback is gopher-lua's Panic hook, called with the error value
// on top of the stack while the frames that raised it are still live.
func (rt *Runtime) raiseWithTraceback(L *lua.LState) {
	rt.closeAtRaise(L)
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: L.Get(-1), StackTrace: rt.traceback(L, 0)})
}

// CallKind says why the reactor runs a callback.
type CallKind string

// The kinds of callback, as the trace prints them.
const (
	KindRunning CallKind = "running" // call_when_running
	KindLater   CallKind = "later"   // call_later
	KindLooping CallKind = "looping" // task.looping_call
	KindTrigger CallKind = "trigger" // add_system_event_trigger
	KindIO      CallKind = "io"      // a protocol's or descriptor's method
)

// call runs a callback for the reactor and reports its error, if any. It
// returns the error so a LoopingCall can stop on it.
//
// A callback that called os.exit is not reported. When it ran inline, from
// Lua code still running above the reactor's loop (clock:advance, lc:start,
// call_when_running), that code ends too: the exit is raised again there.
func (rt *Runtime) call(kind CallKind, fn lua.LValue, args []lua.LValue) error {
	rt.traceCall(kind, fn)
	err := rt.PCallAsCallback(fn, args...)
	switch e := err.(type) {
	case nil:
	case *ExitError:
		if len(rt.catches) > rt.loopDepth {
			rt.raiseExit(rt.L.G.CurrentThread)
		}
	default:
		rt.report(e.(*CallbackError))
	}
	return err
}

func (rt *Runtime) report(e *CallbackError) {
	if e.reported {
		return
	}
	e.reported = true
	if rt.cfg.OnError != nil {
		rt.cfg.OnError(e)
		return
	}
	io.WriteString(rt.cfg.Stderr, e.Report())
}

// ReportError reports err like an error raised by a callback. A
// *CallbackError goes as it is; anything else (a Go callback's panic, which
// means a bug in Go code rather than in the script) is wrapped in one.
func (rt *Runtime) ReportError(err error) {
	if _, ok := err.(*ExitError); ok {
		return // os.exit is no error to report
	}
	var acceptErr *reactor.AcceptError
	if errors.As(err, &acceptErr) {
		// A condition the port survives, reported as Twisted logs it:
		// a line, not an unhandled error.
		fmt.Fprintf(rt.cfg.Stderr, "warning: %v\n", acceptErr)
		return
	}
	cbErr := callbackErrorOf(err) // a protocol callback's, through a panic
	if cbErr == nil {
		cbErr = &CallbackError{Function: "Go callback", Message: fmt.Sprintf("internal error: %v", err)}
	}
	rt.report(cbErr)
}
