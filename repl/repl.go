// Package repl is loopscript's interactive prompt: Lua chunks typed at a
// terminal run on a reactor that keeps running while the user types, so
// that timers, connections and processes started at the prompt go on
// between lines, and what their callbacks print appears above the line
// being typed.
//
// Only the reactor's goroutine touches the Lua state: the terminal is read
// on a goroutine of its own, which hands each complete line to the loop
// with Host.CallFromGoroutine and waits for the chunk's outcome.
package repl

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/term"

	"github.com/loopscript/loopscript/host"
)

const (
	prompt         = "> "
	continuePrompt = ">> "
)

//go:embed driver.lua
var driverSource string

// Session is an interactive prompt on a terminal. Open it before the host
// is made, so that the host writes through it (Write keeps the prompt and
// the line being typed below what is written); Run it on the goroutine that
// runs the host.
type Session struct {
	in      *os.File
	term    *term.Terminal
	keys    *keyPump
	history *history

	// interrupted is set by Ctrl-C at the prompt, until the reader takes it.
	interrupted atomic.Bool
	// continuing is set while lines of an incomplete chunk wait for more;
	// only the terminal's goroutine uses it.
	continuing bool
	h          *host.Host
}

// Open makes a session reading keys from in, a terminal, and writing to out.
// It does not change the terminal's mode until Run.
func Open(in *os.File, out io.Writer) (*Session, error) {
	if !term.IsTerminal(int(in.Fd())) {
		return nil, errors.New("standard input is not a terminal")
	}
	s := &Session{in: in}
	s.keys = newKeyPump(in)
	s.term = term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{s.keys, out}, prompt)
	if w, h, err := term.GetSize(int(in.Fd())); err == nil && w > 0 && h > 0 {
		s.term.SetSize(w, h)
	}
	s.history = openHistory(historyPath(), &s.interrupted)
	s.term.History = s.history
	s.term.AutoCompleteCallback = s.onKey
	return s, nil
}

// Write writes p above the prompt and the line being typed, which it
// redraws below; it is safe for concurrent use.
func (s *Session) Write(p []byte) (int, error) { return s.term.Write(p) }

// outcome is what became of a chunk typed at the prompt.
type outcome struct {
	incomplete bool // the chunk needs more lines
}

// Run runs the prompt on h's reactor until Ctrl-D, or until something stops
// the reactor (reactor.stop() at the prompt): the reactor's shutdown
// triggers run, and Run returns. The error is the one the host's run of
// the reactor ended with (a *host.ExitError after os.exit at the prompt).
//
// scriptEnded, if not nil, is the end of a script still waiting in its
// reactor.run() (see host.StartFile): the prompt opens once it has ended;
// if it failed, the reactor stops and Run returns its error.
func (s *Session) Run(h *host.Host, scriptEnded <-chan error) error {
	s.h = h
	r, err := h.Reactor()
	if err != nil {
		return err
	}
	drv, err := loadDriver(h.LState())
	if err != nil {
		return err
	}
	old, err := term.MakeRaw(int(s.in.Fd()))
	if err != nil {
		return err
	}
	defer term.Restore(int(s.in.Fd()), old)
	release := r.HoldPending() // an idle reactor waits for the next line
	defer release()
	s.keys.start()
	var scriptErr error
	go func() {
		if scriptEnded != nil {
			if scriptErr = s.awaitScript(scriptEnded); scriptErr != nil {
				s.stop()
				return
			}
		}
		s.readLines(drv)
	}()
	err = h.RunString("=(repl)", `require("reactor").run()`)
	s.term.Write([]byte("\n"))
	if scriptErr != nil {
		return scriptErr
	}
	return err
}

// awaitScript waits for the script to end; meanwhile Ctrl-C interrupts the
// Lua code holding the loop.
func (s *Session) awaitScript(ended <-chan error) error {
	s.keys.setRunning(true)
	defer s.keys.setRunning(false)
	for {
		select {
		case err := <-ended:
			return err
		case <-s.keys.interrupts:
			s.h.Interrupt()
		}
	}
}

// driver is driver.lua's functions.
type driver struct {
	eval, values, failure lua.LValue
}

// loadDriver runs driver.lua on L.
func loadDriver(L *lua.LState) (*driver, error) {
	fn, err := L.Load(strings.NewReader(driverSource), "repl")
	if err != nil {
		return nil, fmt.Errorf("repl driver: %v", err)
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		return nil, fmt.Errorf("repl driver: %v", err)
	}
	t, ok := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	if !ok {
		return nil, errors.New("repl driver: it returned no table")
	}
	return &driver{eval: t.RawGetString("eval"), values: t.RawGetString("values"), failure: t.RawGetString("failure")}, nil
}

// readLines is the terminal's goroutine: it reads lines, gathers them into
// chunks, and hands each chunk to the loop.
func (s *Session) readLines(drv *driver) {
	var chunk []string
	for {
		s.continuing = len(chunk) > 0
		if s.continuing {
			s.term.SetPrompt(continuePrompt)
		} else {
			s.term.SetPrompt(prompt)
		}
		line, err := s.term.ReadLine()
		if s.interrupted.Swap(false) {
			chunk = nil // Ctrl-C: the line and the chunk so far are dropped
			continue
		}
		if err != nil && !errors.Is(err, term.ErrPasteIndicator) {
			s.stop() // Ctrl-D, or the terminal went away
			return
		}
		chunk = append(chunk, line)
		done, waiting := make(chan outcome, 1), make(chan struct{})
		src := strings.Join(chunk, "\n")
		if err := s.h.CallFromGoroutine(func(L *lua.LState) { s.evaluate(L, drv, src, done, waiting) }); err != nil {
			return // the reactor has stopped
		}
		s.keys.setRunning(true)
		if o := s.await(done, waiting); !o.incomplete {
			chunk = nil
		}
		s.keys.setRunning(false)
	}
}

// interruptRetry is how often a Ctrl-C typed before the chunk started on
// the loop (a callback held it) tries again to interrupt it.
const interruptRetry = 5 * time.Millisecond

// await waits for the outcome of the chunk running, which closes waiting
// if it suspends to await a Deferred. Ctrl-C interrupts the Lua code holding
// the loop (the chunk, which then fails with its error and traceback, or a
// callback, which is reported); when none runs and the chunk awaits, the
// prompt stops waiting for it (what the chunk does when the Deferred fires
// is not shown); when the chunk has not started yet, it is interrupted as
// it starts.
func (s *Session) await(done <-chan outcome, waiting <-chan struct{}) outcome {
	interrupting := false
	for {
		var retry <-chan time.Time
		if interrupting {
			retry = time.After(interruptRetry)
		}
		select {
		case o := <-done:
			return o
		case <-s.keys.interrupts:
			interrupting = true
		case <-retry:
		}
		if s.h.Interrupt() {
			interrupting = false
			continue
		}
		select {
		case <-waiting:
			s.term.Write([]byte("interrupted\n"))
			return outcome{}
		default:
		}
	}
}

// evaluate runs on the loop: it compiles and starts chunk, and sends its
// outcome on done once the chunk has finished (which, when it awaits, is
// after later turns of the loop; it closes waiting then). It sends exactly
// one outcome, whatever an interrupt stops: the chunk, or the driver's code
// around it.
func (s *Session) evaluate(L *lua.LState, drv *driver, chunk string, done chan<- outcome, waiting chan<- struct{}) {
	finished := false
	finish := func(text lua.LValue, err error) {
		switch {
		case finished:
			return
		case err != nil:
			s.show(errorText(err))
		case text != lua.LNil:
			s.show(lua.LVAsString(text))
		}
		finished = true
		done <- outcome{}
	}
	res, err := pcall(L, 2, drv.eval, lua.LString(chunk))
	if err != nil {
		finish(lua.LNil, err)
		return
	}
	switch lua.LVAsString(res[0]) {
	case "incomplete":
		finished = true
		done <- outcome{incomplete: true}
	case "error":
		finish(res[1], nil)
	case "running":
		// The callbacks are Go functions that never raise: an error of
		// theirs would go down the Deferred's chain, and done would never
		// be sent.
		d := res[1]
		onValues := L.NewFunction(func(L *lua.LState) int {
			text, err := pcall(L, 1, drv.values, L.Get(1))
			finish(first(text), err)
			return 0
		})
		onFailure := L.NewFunction(func(L *lua.LState) int {
			text, err := pcall(L, 1, drv.failure, L.Get(1))
			finish(first(text), err)
			return 0
		})
		if _, err := pcall(L, 0, L.GetField(d, "add_callbacks"), d, onValues, onFailure); err != nil {
			finish(lua.LNil, err)
		}
		if !finished {
			close(waiting) // the chunk awaits a Deferred
		}
	}
}

// pcall calls fn(args...) in protected mode, returning its first n results.
func pcall(L *lua.LState, n int, fn lua.LValue, args ...lua.LValue) ([]lua.LValue, error) {
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	if err := L.PCall(len(args), n, nil); err != nil {
		return nil, err
	}
	res := make([]lua.LValue, n)
	for i := range res {
		res[i] = L.Get(-n + i)
	}
	L.Pop(n)
	return res, nil
}

func first(vs []lua.LValue) lua.LValue {
	if len(vs) == 0 {
		return lua.LNil
	}
	return vs[0]
}

// errorText is the message of an error raised in the driver's own code
// rather than in the chunk (an interrupt that came as the chunk started or
// ended), without the driver's position: the user typed none of it.
func errorText(err error) string {
	msg := err.Error()
	if apiErr, ok := err.(*lua.ApiError); ok {
		msg = lua.LVAsString(apiErr.Object)
	}
	if rest, ok := strings.CutPrefix(msg, "repl:"); ok {
		if _, after, found := strings.Cut(rest, ": "); found {
			return after
		}
	}
	return msg
}

// show prints a chunk's values, or its error message and traceback.
func (s *Session) show(text string) {
	s.term.Write([]byte(text + "\n"))
}

// stop stops the reactor, which runs its shutdown triggers; Run returns.
func (s *Session) stop() {
	s.h.CallFromGoroutine(func(L *lua.LState) {
		if err := L.DoString(`local reactor = require("reactor") if reactor.running then reactor.stop() end`); err != nil {
			s.show(err.Error())
		}
	})
}
