package host

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/loopscript/loopscript/luabind"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// Options configure a Host. The zero value is usable: output to the process's
// standard output and error, the epoll reactor, no signal handling.
type Options struct {
	// Stdout receives what print and the io library's io.stdout write
	// (io.write, io.stdout:write, io.output():write); nil means os.Stdout.
	// Writes are unbuffered, one per call, so print and io.write keep
	// program order.
	Stdout io.Writer
	// Stdin is what io.stdin, io.read and io.lines read, with Lua 5.1's
	// formats; nil means the process's standard input (os.Stdin). It does
	// not change what the stdio module's StandardIO reads (descriptor 0).
	Stdin io.Reader
	// Stderr receives reports of unhandled callback errors when OnError is
	// nil, and what io.stderr writes; nil means os.Stderr.
	Stderr io.Writer
	// Reactor is the kind require("reactor") installs unless the script
	// installs one first: "epoll", "poll" or "select" (one of
	// reactor.PollerNames: epoll is Linux only). Empty means
	// reactor.DefaultPoller, epoll on Linux and poll elsewhere.
	Reactor string
	// Clock is the reactor's clock: nil for the monotonic clock, or a
	// *reactor.VirtualClock for instant, repeatable runs (see ParseClock).
	Clock reactor.Clock
	// Trace, when set, receives a line for every callback the reactor runs,
	// before it runs: "[   1.000] later   count  countdown.lua:9" (the
	// reactor's time, the kind of call, the function and where it was
	// defined). Nil turns tracing off.
	Trace io.Writer
	// HandleSignals makes the first SIGINT or SIGTERM stop the reactor
	// gracefully and a second one exit at once with status 128+signal. The
	// signals are caught from New until the reactor has run (or Close, if
	// it never does; see reactor.SignalWatch): one that arrives before the
	// reactor runs exits at once too.
	HandleSignals bool
	// StopGrace bounds the graceful stop of HandleSignals: if the reactor
	// has not stopped that long after the first signal (a callback is stuck
	// in a loop), the process exits with 128+signal after a line on Stderr
	// naming the callback: "loopscript: SIGTERM: callback function
	// <x.lua:3> did not return within 3s; exiting". Zero means
	// DefaultStopGrace (3 s); negative, no bound (only a second signal
	// ends the wait).
	StopGrace time.Duration
	// OnError receives each error a callback raised and did not handle.
	OnError func(*CallbackError)
	// Plugins are added as by AddPlugin.
	Plugins []Plugin
	// Modules are added as by AddModule, in the order of their names.
	Modules map[string]Module

	// WarnSlow: a callback that holds the loop longer gets one warning on
	// Stderr (or to OnSlowCallback). Zero means DefaultWarnSlow; a negative
	// value turns the warnings off. Measured on the real clock.
	WarnSlow time.Duration
	// OnSlowCallback receives the slow callbacks instead of Stderr.
	OnSlowCallback func(SlowCallback)
	// MaxCallbackTime interrupts a callback, or a stretch of the main chunk
	// outside reactor.run(), that runs longer: it fails with "callback
	// exceeded the time limit of ...", reported like any error, and the loop
	// goes on. Zero means no limit (DefaultSandboxCallbackTime under a
	// Sandbox); negative, no limit at all.
	MaxCallbackTime time.Duration
	// MaxRunTime bounds each RunFile, RunString, RunReader and Require call,
	// the reactor.run() it makes included: past it the reactor stops, the
	// Lua code running is interrupted and the call returns a ScriptError.
	// Zero means no limit.
	MaxRunTime time.Duration
	// Interruptible lets Interrupt stop Lua code running on the loop. It
	// makes the VM check for an interrupt before every instruction, which
	// costs a time limit's overhead; the REPL turns it on.
	Interruptible bool
	// MaxStringSize caps the strings string.rep, string.format and
	// table.concat build, in bytes. Zero means 256 MiB, or
	// DefaultSandboxStringSize under a Sandbox.
	MaxStringSize int
	// Sandbox, if set, restricts scripts to what untrusted code may do.
	Sandbox *Sandbox
}

// DefaultStopGrace is Options.StopGrace when it is zero.
const DefaultStopGrace = reactor.DefaultStopGrace

// CallbackError is an error a Lua callback raised and did not handle.
type CallbackError = luabind.CallbackError

// A Plugin is a Lua module a Go program adds to a host: require(Name) calls
// Loader once, on the loop's goroutine, with the name, and caches the value
// it returns, as for any Lua module. It is a Module without a Close (see
// Module for the lifecycle), kept for loaders written before Module.
type Plugin struct {
	Name   string
	Loader lua.LGFunction
}

// ScriptError is an error raised by a chunk itself (not by a callback, which
// is reported and survived): a syntax error or a runtime error.
type ScriptError struct {
	Message   string // FILE:LINE: message
	Traceback string // empty for a syntax error
}

func (e *ScriptError) Error() string { return e.Message }

// Errors returned by the Host.
var (
	ErrPluginExists = errors.New("a module of that name already exists")
	ErrPluginName   = errors.New("invalid module name")
	ErrClosed       = errors.New("host is closed")
)

// Host runs Lua scripts on a reactor. Build one with New.
type Host struct {
	state  *lua.LState // see LState
	rt     *luabind.Runtime
	stdout io.Writer
	names  map[string]bool // modules require can load
	closed bool
}

// New builds a host. It fails only for a bad option (an unknown reactor kind
// or a bad plugin).
func New(opts Options) (*Host, error) {
	if opts.Reactor != "" {
		if !slices.Contains(reactor.PollerNames, opts.Reactor) {
			return nil, fmt.Errorf("%w %q (want %s)", reactor.ErrUnknownPoller, opts.Reactor, reactor.WantPollers(opts.Reactor))
		}
	}
	h := &Host{stdout: opts.Stdout, names: map[string]bool{}}
	if h.stdout == nil {
		h.stdout = os.Stdout
	}
	h.state = newState(opts.Sandbox)
	var allowIO func(luabind.IORequest) error
	if opts.Sandbox != nil {
		allowIO = opts.Sandbox.allowIO
	}
	h.rt = luabind.Open(h.state, luabind.Config{
		AllowIO:       allowIO,
		Reactor:       opts.Reactor,
		Clock:         opts.Clock,
		HandleSignals: opts.HandleSignals,
		StopGrace:     opts.StopGrace,
		OnError:       opts.OnError,
		Stdout:        h.stdout,
		Stderr:        opts.Stderr,
		Stdin:         opts.stdin(),
		Trace:         opts.Trace,
		Limits:        opts.limits(),
	})
	if opts.Sandbox != nil {
		h.restrict(opts.Sandbox)
	}
	for _, name := range luabind.ModuleNames() {
		h.names[name] = true
	}
	h.state.SetGlobal("print", h.state.NewFunction(h.print))
	for _, p := range opts.Plugins {
		if err := h.AddPlugin(p); err != nil {
			h.Close()
			return nil, err
		}
	}
	if err := h.addModules(opts.Modules); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// moduleName is compiled on first use, not at start-up: compiling regular
// expressions at start-up cost every run of loopscript about a millisecond.
var moduleName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
})

// AddPlugin makes a Go-written module requirable by name, as AddModule
// does. A name already taken by a loopscript module or another plugin is
// refused.
func (h *Host) AddPlugin(p Plugin) error {
	if p.Loader == nil && moduleName().MatchString(p.Name) && !h.names[p.Name] {
		return fmt.Errorf("plugin %q has no loader", p.Name)
	}
	return h.AddModule(p.Name, loaderModule(p.Loader))
}

// LState is the host's Lua state, for plugins and tests; use it only on the
// goroutine that runs the host.
func (h *Host) LState() *lua.LState { return h.state }

// Reactor returns the reactor scripts see, installing the default kind if no
// script has asked for one yet.
func (h *Host) Reactor() (*reactor.Reactor, error) { return h.rt.Reactor() }

// Install installs the reactor of the given kind now, as a script's
// require("pollreactor").install() would. Installing the kind already
// installed does nothing; a later install of another kind fails with
// "reactor already installed (poll, by host.Install)".
func (h *Host) Install(kind string) error { return h.InstallBy(kind, "host.Install") }

// InstallBy is Install, with by saying who asks in the error a later install
// of another kind gets: InstallBy("poll", "--reactor") makes it "reactor
// already installed (poll, by --reactor)".
func (h *Host) InstallBy(kind, by string) error { return h.rt.InstallBy(kind, by) }

// CallFromGoroutine hands fn to the loop, which calls it with the Lua state
// at its next iteration. It is the one method safe for concurrent use; it
// never blocks. It fails with reactor.ErrNotRunning before the reactor is
// installed (a plugin that posts can install it in its loader with Reactor)
// and once the reactor has stopped. A Lua error fn raises through the state
// is reported like a callback's, and fn runs under the callbacks' limits
// (WarnSlow, MaxCallbackTime).
func (h *Host) CallFromGoroutine(fn func(L *lua.LState)) error {
	return h.rt.CallFromGoroutine(fn)
}

// SetArg sets the global table arg as the lua interpreter does: argv[script]
// at index 0, what follows it at 1, 2, ..., what precedes it at -1, -2, ...
func (h *Host) SetArg(argv []string, script int) {
	t := h.state.NewTable()
	for i, a := range argv {
		t.RawSetInt(i-script, lua.LString(a))
	}
	h.state.SetGlobal("arg", t)
}

// RunFile runs the script at path with args as its "..." values. Error
// messages name the file as path is written.
func (h *Host) RunFile(path string, args ...string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, syscallErr(err))
	}
	defer f.Close()
	return h.RunReader(path, f, args...)
}

// RunString runs code as a chunk called name.
func (h *Host) RunString(name, code string, args ...string) error {
	return h.RunReader(name, strings.NewReader(code), args...)
}

// RunReader runs the chunk read from src, calling it name in messages.
func (h *Host) RunReader(name string, src io.Reader, args ...string) error {
	if h.closed {
		return ErrClosed
	}
	fn, err := h.load(name, src)
	if err != nil {
		return err
	}
	err = h.Call(fn, luaStrings(args)...)
	if _, exited := err.(*ExitError); !exited {
		// The run is over: what no errback will handle now is reported,
		// as Twisted does at exit (os.exit ends the process at once).
		h.ReportUnhandled()
	}
	return err
}

// load compiles the chunk read from src, skipping a #! line as lua does.
func (h *Host) load(name string, src io.Reader) (*lua.LFunction, error) {
	code, err := io.ReadAll(src)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, syscallErr(err))
	}
	if bytes.HasPrefix(code, []byte("#")) {
		if i := bytes.IndexByte(code, '\n'); i >= 0 {
			code = append([]byte("--"), code[i:]...)
		} else {
			code = nil
		}
	}
	fn, err := luabind.Load(h.state, bytes.NewReader(code), name)
	if err != nil {
		return nil, &ScriptError{Message: err.Error()}
	}
	return fn, nil
}

func luaStrings(args []string) []lua.LValue {
	largs := make([]lua.LValue, len(args))
	for i, a := range args {
		largs[i] = lua.LString(a)
	}
	return largs
}

// ReportUnhandled reports the failures left unhandled at the end of
// Deferreds' chains, once each, as errors of callbacks are reported
// ("Unhandled error in Deferred:", to Options.OnError or Stderr), and
// returns how many. RunReader calls it when the chunk returns; a test
// runner calls it as each test ends.
func (h *Host) ReportUnhandled() int { return h.rt.ReportUnhandled() }

// Require calls the global require with name, as the option -l of Lua 5.1's
// interpreter does: the module is loaded (and cached in package.loaded), and
// its value is not made a global. name is passed as a value, never read as
// Lua code.
func (h *Host) Require(name string) error {
	if h.closed {
		return ErrClosed
	}
	err := h.Call(h.state.GetGlobal("require"), lua.LString(name))
	if se, ok := err.(*ScriptError); ok {
		// Called from Go, require has no Lua line to name: gopher-lua then
		// puts an empty position, a lone space, before the message.
		se.Message = strings.TrimPrefix(se.Message, " ")
	}
	return err
}

// Close closes the opened modules (the last opened first), then releases
// the reactor's descriptors and the Lua state. It returns the errors of all
// of them joined; a second Close does nothing.
func (h *Host) Close() error {
	if h.closed {
		return nil
	}
	h.closed = true
	modErr := h.rt.CloseModules()
	err := h.rt.Close()
	h.state.Close()
	return errors.Join(modErr, err)
}

// print writes its arguments, tab-separated, as one write: lines from
// different callbacks never interleave, and a pipe sees whole lines. Each
// argument's text ends at its first zero byte, as Lua 5.1's print writes
// it with C's fputs (io.write writes the whole string).
func (h *Host) print(L *lua.LState) int {
	var b []byte
	top := L.GetTop()
	for i := 1; i <= top; i++ {
		if i > 1 {
			b = append(b, '\t')
		}
		s := luabind.ToString(L, L.Get(i))
		if z := strings.IndexByte(s, 0); z >= 0 {
			s = s[:z]
		}
		b = append(b, s...)
	}
	b = append(b, '\n')
	if _, err := h.rt.Stdout().Write(b); err != nil {
		if ctx := L.Context(); ctx != nil && err == ctx.Err() {
			// A time limit interrupted the write: the error reads as
			// when it interrupts any other code.
			L.RaiseError("%v", err)
		}
		L.RaiseError("print: %v", err)
	}
	return 0
}

// syscallErr strips the operation and path from a *os.PathError: the caller
// words the message itself. An errno reads as C's strerror, as lua5.1's
// messages show it ("No such file or directory"; Go's text starts small),
// and errors.Is still finds it.
func syscallErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return strerror{errno}
	}
	return err
}

// strerror is an errno with C's text.
type strerror struct{ errno syscall.Errno }

func (e strerror) Error() string { return luabind.CStrerror(e.errno) }

func (e strerror) Unwrap() error { return e.errno }

// ExitError is returned by RunFile, RunString, RunReader, Require and Call
// when the script called os.exit: the run ended there, and Code is the
// status it asked for. The host never ends the process itself.
type ExitError = luabind.ExitError

// stdin is what the io library reads: Options.Stdin, or the process's own.
func (o *Options) stdin() io.Reader {
	if o.Stdin != nil {
		return o.Stdin
	}
	return os.Stdin
}
