package tests

import (
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// replSession is loopscript's prompt on a pseudo-terminal, with everything
// the terminal shows gathered as it comes.
type replSession struct {
	t      *testing.T
	pty    *os.File
	cmd    *exec.Cmd
	mu     sync.Mutex
	screen strings.Builder
	done   chan error
}

func startREPL(t *testing.T, args ...string) *replSession {
	t.Helper()
	cmd := exec.Command(loopscript, args...)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "TERM=xterm")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 200})
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	s := &replSession{t: t, pty: f, cmd: cmd, done: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			s.mu.Lock()
			s.screen.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		f.Close()
	})
	return s
}

func (s *replSession) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.screen.String()
}

// expect waits (loosely) until the screen, from offset from, matches re,
// and returns the offset past the match.
func (s *replSession) expect(from int, re string) int {
	s.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out := s.output()
		if loc := rx.FindStringIndex(out[min(from, len(out)):]); loc != nil {
			return from + loc[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("the terminal never showed %q after offset %d; it shows:\n%q", re, from, s.output()[min(from, len(s.output())):])
	return 0
}

func (s *replSession) send(keys string) {
	s.t.Helper()
	if _, err := io.WriteString(s.pty, keys); err != nil {
		s.t.Fatal(err)
	}
}

func (s *replSession) wait() error {
	s.t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		s.t.Fatalf("the REPL did not exit; the terminal shows:\n%q", s.output())
		return nil
	}
}

// TestREPL types at loopscript's prompt through a pseudo-terminal, one
// session a case, each a list of keys to send and what must show next.
func TestREPL(t *testing.T) {
	// A step sends keys, then waits for the screen to show expect past what
	// the steps before it matched; or anywhere since the session began, for
	// a line whose place depends on timing (a timer's).
	type step struct {
		send, expect string
		anywhere     bool
	}
	cases := []struct {
		name  string
		steps []step
		exit  bool // Ctrl-D ends the session: it must exit with status 0
	}{
		{"an expression prints its value", []step{
			{"1 + 2\r", `\r\n3\r\n> `, false},
			{"=string.rep('a', 3), nil\r", `aaa\tnil\r\n> `, false},
			{"local x = 1\r", `\r\n> `, false},
		}, false},
		{"a multi-line chunk", []step{
			{"function f(n)\r", `\r\n>> `, false},
			{"return n * 2\r", `\r\n>> `, false},
			{"end\r", `\r\n> `, false},
			{"f(21)\r", `\r\n42\r\n> `, false},
		}, false},
		{"an error and the REPL goes on", []step{
			{"error('boom')\r", `stdin:1: boom\r\nstack traceback:\r\n`, false},
			{"", `> $`, false},
			{"x = = 1\r", `stdin:1: unexpected symbol near '='\r\n> `, false},
			{"print('still here')\r", `still here\r\n> `, false},
		}, false},
		{"a timer fires mid-line", []step{
			{"reactor.call_later(1, print, 'fired')\r", `\r\n> $`, false},
			{"typed", ``, false},
			// The callback's line appears above the prompt, which is drawn
			// again with what was typed so far.
			{"", `fired\r\n> typed`, false},
			{" = 5\r", `\r\n> `, false},
			{"=typed\r", `5\r\n> `, false},
		}, false},
		{"completion of module fields", []step{
			{"reactor.call_la\t", `reactor\.call_later`, false},
			{"(0, print, 'done')\r", `done\r\n> `, false},
		}, false},
		{"Ctrl-C clears the line and the chunk", []step{
			{"for i = 1, 3 do\r", `>> $`, false},
			{"garbage\x03", `\^C\r\n> $`, false},
			{"=1\r", `\r\n1\r\n> `, false},
		}, false},
		{"defer.await at the prompt, and Ctrl-C stops waiting", []step{
			{"d = defer.Deferred(); reactor.call_later(0.2, function() d:callback('late') end)\r", `\r\n> `, false},
			{"=defer.await(d)\r", `late\r\n> `, false},
			{"=defer.await(defer.Deferred())\r", `\r\n`, false},
			{"\x03", `interrupted\r\n> `, false},
			{"=2\r", `2\r\n> `, false},
		}, false},
		{"Ctrl-C interrupts a busy chunk; the loop goes on", []step{
			{"reactor.call_later(0.3, print, 'tick')\r", `\r\n> `, false},
			// The chunk prints first, for the test to know it runs: a Ctrl-C
			// that came as it started would interrupt the REPL's own code
			// around it, which shows "interrupted!" alone.
			{"print('spinning') while true do end\r", `spinning\r\n`, false},
			{"\x03", `stdin:1: interrupted!\r\nstack traceback:\r\n(\t.*\r\n)*> $`, false},
			{"", `tick\r\n`, true}, // the timer started before fires
			{"print('spinning') for i = 1, 1e12 do local s = string.rep('x', 100) end\r", `spinning\r\n`, false},
			{"\x03", `stdin:1: interrupted!\r\nstack traceback:\r\n(\t.*\r\n)*> $`, false},
			{"=1 + 1\r", `\r\n2\r\n> `, false},
		}, false},
		{"Ctrl-C on an empty line interrupts a busy callback", []step{
			{"reactor.call_later(0, function() print('busy') while true do end end)\r", `busy\r\n`, false},
			{"\x03", `interrupted!\r\nstack traceback:\r\n`, false},
			{"=1 + 1\r", `\r\n2\r\n> `, false},
		}, false},
		{"Ctrl-D runs the shutdown triggers and exits", []step{
			{"reactor.add_system_event_trigger('before', 'shutdown', print, 'bye')\r", `\r\n> `, false},
			{"\x04", `bye`, false},
		}, true},
		{"reactor.stop() exits", []step{
			{"reactor.stop()\r", `\r\n`, false},
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startREPL(t)
			at := s.expect(0, `loopscript .*\r\n> $`) // keys typed before raw mode would be echoed twice
			start := at
			for _, st := range c.steps {
				s.send(st.send)
				if st.anywhere {
					at = max(at, s.expect(start, st.expect))
				} else {
					at = s.expect(at, st.expect)
				}
			}
			if c.exit {
				if err := s.wait(); err != nil {
					t.Fatalf("exit: %v; the terminal shows:\n%q", err, s.output())
				}
			} else {
				s.send("\x04")
				if err := s.wait(); err != nil {
					t.Fatalf("Ctrl-D: %v; the terminal shows:\n%q", err, s.output())
				}
			}
			t.Logf("session:\n%s", s.output())
		})
	}
}

// TestREPLAfterScript: loopscript -i script runs the script, then opens the
// prompt on its live reactor, as lua -i does: the script's reactor.stop()
// ends its reactor.run() without stopping the reactor, and the shutdown
// triggers run once, as the session ends.
func TestREPLAfterScript(t *testing.T) {
	dir := t.TempDir()
	write := func(name, code string) string {
		path := dir + "/" + name
		if err := os.WriteFile(path, []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cases := []struct {
		name     string
		script   string
		before   string // the screen before the first prompt
		steps    [][2]string
		wantExit int
	}{
		{"countdown.lua stops, and the prompt opens on its reactor", "../scripts/countdown.lua",
			`Start!\r+\n5 \.\.\.\r\n4 \.\.\.\r\n3 \.\.\.\r\n2 \.\.\.\r\n1 \.\.\.\r\nStop!\r\n> $`,
			[][2]string{
				{"=reactor.running\r", `true\r\n> `},
				{"reactor.call_later(0.1, print, 'still live')\r", `still live\r\n`},
				{"reactor.add_system_event_trigger('before', 'shutdown', print, 'bye')\r", `\r\n> `},
				{"\x04", `bye\r\n`},
			}, 0},
		{"a script that never runs the reactor", write("plain.lua", "x = 41\n"), `> $`,
			[][2]string{{"=x + 1\r", `42\r\n> `}, {"\x04", ``}}, 0},
		{"a script that fails after its run() ends the session", write("late.lua",
			"local reactor = require('reactor')\nreactor.call_later(0, reactor.stop)\nreactor.run()\nerror('after run')\n"),
			`late\.lua:4: after run`, nil, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startREPL(t, "-i", c.script)
			at := s.expect(0, c.before)
			for _, st := range c.steps {
				s.send(st[0])
				at = s.expect(at, st[1])
			}
			err := s.wait()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.wantExit {
				t.Errorf("exit status %d, want %d; the terminal shows:\n%q", code, c.wantExit, s.output())
			}
			if n := strings.Count(s.output(), "bye\r\n"); c.wantExit == 0 && len(c.steps) > 2 && n != 1 {
				t.Errorf("the shutdown trigger ran %d times, want once", n)
			}
			t.Logf("session:\n%s", s.output())
		})
	}
}
