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
	h           *host.Host
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
func (s *Session) Run(h *host.Host) error {
	s.h = h
	r, err := h.Reactor()
	if err != nil {
		return err
	}
	eval, err := loadDriver(h.LState())
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
	go s.readLines(eval)
	err = h.RunString("=(repl)", `require("reactor").run()`)
	s.term.Write([]byte("\n"))
	return err
}

// loadDriver runs driver.lua on L, returning its eval function.
func loadDriver(L *lua.LState) (lua.LValue, error) {
	fn, err := L.Load(strings.NewReader(driverSource), "repl")
	if err != nil {
		return nil, fmt.Errorf("repl driver: %v", err)
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		return nil, fmt.Errorf("repl driver: %v", err)
	}
	eval := L.Get(-1)
	L.Pop(1)
	return eval, nil
}

// readLines is the terminal's goroutine: it reads lines, gathers them into
// chunks, and hands each chunk to the loop.
func (s *Session) readLines(eval lua.LValue) {
	var chunk []string
	for {
		if len(chunk) == 0 {
			s.term.SetPrompt(prompt)
		} else {
			s.term.SetPrompt(continuePrompt)
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
		done := make(chan outcome, 1)
		if err := s.h.CallFromGoroutine(func(L *lua.LState) { s.evaluate(L, eval, strings.Join(chunk, "\n"), done) }); err != nil {
			return // the reactor has stopped
		}
		s.keys.setRunning(true)
		select {
		case o := <-done:
			if !o.incomplete {
				chunk = nil
			}
		case <-s.keys.interrupts:
			// The chunk awaits a Deferred: the prompt stops waiting. What
			// the chunk does when the Deferred fires is not shown.
			s.term.Write([]byte("interrupted\n"))
			chunk = nil
		}
		s.keys.setRunning(false)
	}
}

// evaluate runs on the loop: it compiles and starts chunk, and sends its
// outcome on done once the chunk has finished (which, when it awaits, is
// after later turns of the loop).
func (s *Session) evaluate(L *lua.LState, eval lua.LValue, chunk string, done chan<- outcome) {
	report := L.NewFunction(func(L *lua.LState) int {
		if v := L.Get(2); v != lua.LNil {
			s.show(lua.LVAsString(v))
		}
		done <- outcome{}
		return 0
	})
	L.Push(eval)
	L.Push(lua.LString(chunk))
	L.Push(report)
	if err := L.PCall(2, 2, nil); err != nil {
		s.show(err.Error())
		done <- outcome{}
		return
	}
	status, msg := lua.LVAsString(L.Get(-2)), lua.LVAsString(L.Get(-1))
	L.Pop(2)
	switch status {
	case "incomplete":
		done <- outcome{incomplete: true}
	case "error":
		s.show(msg)
		done <- outcome{}
	}
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
