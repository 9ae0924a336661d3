package repl

import (
	"io"
	"testing"
	"time"
)

// readAvailable reads from p what it holds now: Read blocks only when the
// queue is empty, so a test waits on the pump first.
func readAvailable(t *testing.T, p *keyPump) string {
	t.Helper()
	buf := make([]byte, 64)
	n, err := p.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

// waitQueued waits (loosely) until the pump has n keys queued.
func waitQueued(t *testing.T, p *keyPump, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		got := len(p.queue)
		p.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the pump never queued %d keys", n)
}

func interrupted(p *keyPump) bool {
	select {
	case <-p.interrupts:
		return true
	case <-time.After(50 * time.Millisecond):
		return false
	}
}

// Where each Ctrl-C goes: to x/term as keyInterrupt and Enter at the
// prompt, to the chunk while one runs, to the next chunk when typed ahead of
// it, to the prompt when it came as the chunk ended.
func TestKeyPump(t *testing.T) {
	cases := []struct {
		name string
		// run drives the pump fed through w; it returns what x/term reads
		// and whether the chunk was interrupted.
		run                 func(t *testing.T, p *keyPump, w io.Writer) (string, bool)
		wantRead            string
		wantChunkInterrupts bool
	}{
		{"at the prompt", func(t *testing.T, p *keyPump, w io.Writer) (string, bool) {
			w.Write([]byte("ab\x03"))
			waitQueued(t, p, 3)
			return readAvailable(t, p), interrupted(p)
		}, "ab\x1c\r", false},
		{"while a chunk runs", func(t *testing.T, p *keyPump, w io.Writer) (string, bool) {
			p.setRunning(true)
			w.Write([]byte("x\x03y"))
			waitQueued(t, p, 2)
			got := interrupted(p)
			p.setRunning(false)
			return readAvailable(t, p), got
		}, "xy", true},
		{"typed ahead of the chunk", func(t *testing.T, p *keyPump, w io.Writer) (string, bool) {
			w.Write([]byte("\x03z"))
			waitQueued(t, p, 2)
			p.setRunning(true)
			got := interrupted(p)
			p.setRunning(false)
			return readAvailable(t, p), got
		}, "z", true},
		{"as the chunk ended", func(t *testing.T, p *keyPump, w io.Writer) (string, bool) {
			p.setRunning(true)
			w.Write([]byte("\x03"))
			deadline := time.Now().Add(10 * time.Second)
			for len(p.interrupts) == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			p.setRunning(false) // nobody took it
			return readAvailable(t, p), interrupted(p)
		}, "\x1c\r", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, w := io.Pipe()
			defer w.Close()
			p := newKeyPump(r)
			p.start()
			read, chunk := c.run(t, p, w)
			if read != c.wantRead || chunk != c.wantChunkInterrupts {
				t.Errorf("x/term read %q, chunk interrupted %v; want %q, %v", read, chunk, c.wantRead, c.wantChunkInterrupts)
			}
		})
	}
}

// Once the terminal is gone, Read returns its error after the keys left.
func TestKeyPumpEOF(t *testing.T) {
	r, w := io.Pipe()
	p := newKeyPump(r)
	p.start()
	w.Write([]byte("q"))
	w.Close()
	if got := readAvailable(t, p); got != "q" {
		t.Fatalf("read %q", got)
	}
	if _, err := p.Read(make([]byte, 8)); err != io.EOF {
		t.Fatalf("err %v, want io.EOF", err)
	}
}
