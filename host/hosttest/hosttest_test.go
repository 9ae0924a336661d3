package hosttest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/host/hosttest"
	lua "github.com/yuin/gopher-lua"
)

// answer is require("answer"): a Deferred of 42, resolved from a goroutine.
var answer = host.ModuleFunc(func(env *host.Env) (lua.LValue, error) {
	d, err := env.NewDeferred()
	if err != nil {
		return nil, err
	}
	go d.Resolve(lua.LNumber(42))
	return d.Value, nil
})

func TestKit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		code       string
		wantOut    string
		wantStderr string
		wantErrors []string // suffixes of the captured errors' messages
		wantRunErr string
	}{
		{
			name: "virtual time passes at once",
			code: `local reactor = require("reactor")
				reactor.call_later(3600, function() print("an hour later", reactor.seconds()) reactor.stop() end)
				reactor.run()`,
			wantOut: "an hour later\t3600\n",
		},
		{
			name: "a module's Deferred fired from a goroutine",
			code: `local reactor = require("reactor")
				require("answer"):add_callback(function(v) print("answer", v) reactor.stop() end)
				reactor.run()`,
			wantOut: "answer\t42\n",
		},
		{
			name: "callback errors are captured",
			code: `local reactor = require("reactor")
				reactor.call_later(1, function() error("boom") end)
				reactor.call_later(2, reactor.stop)
				io.stderr:write("to stderr\n")
				reactor.run()`,
			wantStderr: "to stderr\n",
			wantErrors: []string{"boom"},
		},
		{
			name:       "a chunk's error is returned",
			code:       `error("bad input")`,
			wantRunErr: "test.lua:1: bad input",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := hosttest.New(t, hosttest.WithModule("answer", answer))
			err := h.Run(tc.code)
			if tc.wantRunErr == "" && err != nil {
				t.Fatalf("Run: %v", err)
			}
			if tc.wantRunErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.wantRunErr)) {
				t.Fatalf("Run returned %v, want %q...", err, tc.wantRunErr)
			}
			if got := h.Stdout(); got != tc.wantOut {
				t.Errorf("stdout %q, want %q", got, tc.wantOut)
			}
			if got := h.Stderr(); got != tc.wantStderr {
				t.Errorf("stderr %q, want %q", got, tc.wantStderr)
			}
			errs := h.Errors()
			if len(errs) != len(tc.wantErrors) {
				t.Fatalf("errors %v, want %q", errs, tc.wantErrors)
			}
			for i, e := range errs {
				if !strings.HasSuffix(e.Message, tc.wantErrors[i]) {
					t.Errorf("error #%d %q, want it to end %q", i, e.Message, tc.wantErrors[i])
				}
			}
		})
	}
}

func TestKitMustRun(t *testing.T) {
	h := hosttest.New(t)
	h.MustRun(`print("one")`)
	h.MustRun(`print("two")`) // chunks share one host
	if got := h.Stdout(); got != "one\ntwo\n" {
		t.Errorf("stdout %q", got)
	}
}

func TestKitOptions(t *testing.T) {
	h := hosttest.New(t, hosttest.WithOptions(func(o *host.Options) { o.MaxRunTime = 50 * time.Millisecond }))
	err := h.Run(`while true do end`)
	if err == nil || !strings.Contains(err.Error(), "time limit") {
		t.Errorf("Run of an endless loop returned %v, want the run time limit", err)
	}
	if h.Clock == nil {
		t.Errorf("the kit's virtual clock is gone although no option replaced it")
	}
}

// A module whose Close fails fails the test that used it, through the kit's
// cleanup: the test sees it with a recording testing.TB.
func TestKitReportsCloseErrors(t *testing.T) {
	rec := &recordingTB{TB: t}
	closer := &failingCloser{err: errors.New("cannot flush")}
	func() {
		h := hosttest.New(rec, hosttest.WithModule("flaky", closer))
		if err := h.Run(`require("flaky")`); err != nil {
			t.Fatal(err)
		}
	}()
	rec.runCleanups()
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "module flaky: cannot flush") {
		t.Errorf("errors reported to the test: %q", rec.errors)
	}
}

type failingCloser struct{ err error }

func (c *failingCloser) Open(*host.Env) (lua.LValue, error) { return lua.LTrue, nil }
func (c *failingCloser) Close() error                       { return c.err }

// recordingTB is a testing.TB that keeps the errors and cleanups of a kit.
type recordingTB struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (r *recordingTB) Helper()          {}
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Errorf(f string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(f, a...))
}
func (r *recordingTB) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}
