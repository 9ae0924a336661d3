// Package hosttest is a test kit for the authors of host Modules, in the
// spirit of k6's modulestest: a host on virtual time whose output and
// unhandled errors are captured, in a few lines of a Go test.
//
//	func TestGreet(t *testing.T) {
//		h := hosttest.New(t, hosttest.WithModule("greet", greet.Module{}))
//		h.MustRun(`print(require("greet").hello("you"))`)
//		if got := h.Stdout(); got != "hello, you\n" { t.Errorf(...) }
//	}
//
// Timers fire at once and in order (reactor.VirtualClock); a run is bounded
// by DefaultRunTime of real time, so a script that waits for ever fails
// instead of hanging the test.
package hosttest

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/reactor"
)

// DefaultRunTime is the host.Options.MaxRunTime of a kit's host unless an
// option sets another.
const DefaultRunTime = 10 * time.Second

// ChunkName is the name Run gives the chunks it runs, in their messages.
const ChunkName = "test.lua"

// An Option changes the options of the host the kit builds.
type Option func(*host.Options)

// WithModule registers m as name, as host.Options.Modules does.
func WithModule(name string, m host.Module) Option {
	return func(o *host.Options) {
		if o.Modules == nil {
			o.Modules = map[string]host.Module{}
		}
		o.Modules[name] = m
	}
}

// WithOptions lets set any host option; the kit's own (Clock, Stdout,
// Stderr, OnError) are set before, so that it may replace them.
func WithOptions(set func(*host.Options)) Option { return Option(set) }

// Host is a host.Host with what it wrote and reported captured.
type Host struct {
	*host.Host
	// Clock is the host's virtual clock (nil if an option replaced it with
	// another kind).
	Clock *reactor.VirtualClock

	t      testing.TB // nil for Start
	mu     sync.Mutex // output may be written from goroutines a module starts
	stdout bytes.Buffer
	stderr bytes.Buffer
	errs   []*host.CallbackError
}

// New builds a kit's host for the test t: a failure to build it fails the
// test at once, and the host is closed when the test ends (an error of
// Close, a module's included, fails the test).
func New(t testing.TB, opts ...Option) *Host {
	t.Helper()
	h, err := Start(opts...)
	if err != nil {
		t.Fatalf("hosttest: %v", err)
	}
	h.t = t
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("hosttest: Close: %v", err)
		}
	})
	return h
}

// Start is New outside a test: the caller closes the host.
func Start(opts ...Option) (*Host, error) {
	h := &Host{Clock: reactor.NewVirtualClock()}
	o := host.Options{
		Clock:      h.Clock,
		Stdout:     lockedWriter{&h.mu, &h.stdout},
		Stderr:     lockedWriter{&h.mu, &h.stderr},
		OnError:    h.addError,
		MaxRunTime: DefaultRunTime,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.Clock != reactor.Clock(h.Clock) {
		h.Clock = nil
	}
	hh, err := host.New(o)
	if err != nil {
		return nil, err
	}
	h.Host = hh
	return h, nil
}

// Run runs code as a chunk named ChunkName and returns its error (a
// *host.ScriptError for a Lua error).
func (h *Host) Run(code string, args ...string) error {
	return h.RunString(ChunkName, code, args...)
}

// MustRun is Run that fails the test, with the Lua message and traceback,
// if the chunk fails, or if a callback raised an error nobody handled.
func (h *Host) MustRun(code string, args ...string) {
	if h.t == nil {
		panic("hosttest: MustRun needs a host from New")
	}
	h.t.Helper()
	if err := h.Run(code, args...); err != nil {
		if se, ok := err.(*host.ScriptError); ok && se.Traceback != "" {
			h.t.Fatalf("%s\n%s", se.Message, se.Traceback)
		}
		h.t.Fatal(err)
	}
	if errs := h.Errors(); len(errs) > 0 {
		var b strings.Builder
		for _, e := range errs {
			b.WriteString(e.Report())
		}
		h.t.Fatalf("unhandled errors:\n%s", b.String())
	}
}

// Stdout is what print and io.write wrote so far.
func (h *Host) Stdout() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stdout.String()
}

// Stderr is what io.stderr wrote so far (unhandled errors go to Errors).
func (h *Host) Stderr() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stderr.String()
}

// Errors are the errors callbacks raised and nobody handled, and the
// failures left at the end of Deferreds' chains when a Run ended, in order.
func (h *Host) Errors() []*host.CallbackError {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*host.CallbackError(nil), h.errs...)
}

func (h *Host) addError(e *host.CallbackError) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, e)
}

// lockedWriter serializes writes to a buffer the test reads.
type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
