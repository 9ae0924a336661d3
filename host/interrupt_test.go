package host

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// signalWriter is a Stdout that reports, once, when a line it is written
// contains mark: the Lua code has reached the loop that Interrupt must stop.
type signalWriter struct {
	mu      sync.Mutex
	text    strings.Builder
	mark    string
	reached chan struct{}
	once    sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.text.Write(p)
	seen := strings.Contains(w.text.String(), w.mark)
	w.mu.Unlock()
	if seen {
		w.once.Do(func() { close(w.reached) })
	}
	return len(p), nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.text.String()
}

// Interrupt stops the Lua code that holds the loop, whether a chunk or a
// callback; the code may catch it once, and the loop goes on.
func TestInterrupt(t *testing.T) {
	cases := []struct {
		name       string
		code       string
		wantErr    string // the chunk's error; "" for none
		wantReport string // the callback error reported; "" for none
		wantOut    string // stdout after the run, once busy is printed
	}{
		{"a chunk in an endless loop", `print("busy") while true do end`,
			"interrupt.lua:1: interrupted!", "", ""},
		{"a chunk in a numeric for", `print("busy") for i = 1, 1e15 do end`,
			"interrupt.lua:1: interrupted!", "", ""},
		{"a chunk building strings", `print("busy") for i = 1, 1e15 do local s = string.rep("x", 1000) end`,
			"interrupt.lua:1: interrupted!", "", ""},
		{"a callback: reported, and the timer set before still fires", `local reactor = require("reactor")
reactor.call_later(0, function() print("busy") while true do end end)
reactor.call_later(0.01, function() print("timer fired") reactor.stop() end)
reactor.run()
print("after run")`,
			"", "interrupt.lua:2: interrupted!", "timer fired\nafter run\n"},
		{"pcall catches it once, as under lua", `local ok, err = pcall(function() print("busy") while true do end end)
print(ok, err)
local n = 0 for i = 1, 1000 do n = n + i end
print(n)`,
			"", "", "false\tinterrupt.lua:1: interrupted!\n500500\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := &signalWriter{mark: "busy\n", reached: make(chan struct{})}
			var reports []*CallbackError
			h, err := New(Options{Stdout: out, Interruptible: true,
				OnError: func(e *CallbackError) { reports = append(reports, e) }})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			done := make(chan error, 1)
			go func() { done <- h.RunString("interrupt.lua", c.code) }()
			select {
			case <-out.reached:
			case <-time.After(30 * time.Second):
				t.Fatal("the script never printed busy")
			}
			// The code may not have entered its loop yet, as print returns:
			// Interrupt reports whether Lua code ran, so try until it does.
			for !h.Interrupt() {
				time.Sleep(time.Millisecond)
			}
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Interrupt did not stop the script")
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
				if se, ok := err.(*ScriptError); !ok || !strings.HasPrefix(se.Traceback, "stack traceback:\n") {
					t.Errorf("error %#v: want a *ScriptError with its traceback", err)
				}
			}
			if gotErr != c.wantErr {
				t.Errorf("chunk error %q, want %q", gotErr, c.wantErr)
			}
			var got []string
			for _, r := range reports {
				got = append(got, r.Message)
			}
			if want := c.wantReport; want == "" && len(got) != 0 || want != "" && (len(got) != 1 || got[0] != want) {
				t.Errorf("reported %q, want %q", got, want)
			}
			if rest := strings.TrimPrefix(out.String(), "busy\n"); rest != c.wantOut {
				t.Errorf("stdout after busy: %q, want %q", rest, c.wantOut)
			}
		})
	}
}

// With nothing running, Interrupt does nothing and leaves nothing pending;
// without Options.Interruptible it has nothing to interrupt.
func TestInterruptNothingRuns(t *testing.T) {
	for _, interruptible := range []bool{true, false} {
		var out strings.Builder
		h, err := New(Options{Stdout: &out, Interruptible: interruptible})
		if err != nil {
			t.Fatal(err)
		}
		if h.Interrupt() {
			t.Errorf("interruptible %v: Interrupt before anything ran reported code running", interruptible)
		}
		code := `local n = 0 for i = 1, 100000 do n = n + i end print(n)`
		if err := h.RunString("quiet.lua", code); err != nil {
			t.Errorf("interruptible %v: %v", interruptible, err)
		}
		if h.Interrupt() {
			t.Errorf("interruptible %v: Interrupt after the run reported code running", interruptible)
		}
		if err := h.RunString("quiet.lua", code); err != nil {
			t.Errorf("interruptible %v: an interrupt was left pending: %v", interruptible, err)
		}
		if out.String() != "5000050000\n5000050000\n" {
			t.Errorf("interruptible %v: stdout %q", interruptible, out.String())
		}
		h.Close()
	}
}

// Without Options.Interruptible, a busy chunk is not interrupted.
func TestInterruptNeedsOption(t *testing.T) {
	out := &signalWriter{mark: "busy\n", reached: make(chan struct{})}
	h, err := New(Options{Stdout: out})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	done := make(chan error, 1)
	go func() { done <- h.RunString("busy.lua", `print("busy") `+busy(0.2)+` print("finished")`) }()
	<-out.reached
	if h.Interrupt() {
		t.Error("Interrupt reported code interrupted without Options.Interruptible")
	}
	if err := <-done; err != nil || out.String() != "busy\nfinished\n" {
		t.Errorf("err %v, stdout %q: want the chunk to finish", err, out.String())
	}
}
