package luabind

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// outputEnds are the kinds of standard output a limitedOutput handles,
// each as the file the script writes and the one the test reads.
var outputEnds = []struct {
	name   string
	open   func(t *testing.T) (w, r *os.File)
	polled bool // poll before each write, as where no description of its own can be had
}{
	{"pipe", func(t *testing.T) (*os.File, *os.File) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		return w, r
	}, false},
	{"pipe, polled", func(t *testing.T) (*os.File, *os.File) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		return w, r
	}, true},
	{"socket", func(t *testing.T) (*os.File, *os.File) {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		return os.NewFile(uintptr(fds[0]), "w"), os.NewFile(uintptr(fds[1]), "r")
	}, false},
}

// TestLimitedOutputKeepsEveryByte: under a time limit, io.write to a pipe
// or socket read slowly delivers every byte, in order, however the writes
// are cut to wait for room.
func TestLimitedOutputKeepsEveryByte(t *testing.T) {
	const code = `for i = 1, 600 do
  io.write(string.rep(string.char(65 + i % 26), 997 + i % 3000), i % 7 == 0 and "\n" or "")
end`
	var want bytes.Buffer
	for i := 1; i <= 600; i++ {
		want.WriteString(strings.Repeat(string(rune(65+i%26)), 997+i%3000))
		if i%7 == 0 {
			want.WriteString("\n")
		}
	}
	for _, end := range outputEnds {
		t.Run(end.name, func(t *testing.T) {
			w, r := end.open(t)
			defer r.Close()
			got := make(chan []byte)
			go func() { // a slow reader: the writes must wait for room
				var data []byte
				buf := make([]byte, 8192)
				for {
					n, err := r.Read(buf)
					data = append(data, buf[:n]...)
					if err != nil {
						got <- data
						return
					}
					time.Sleep(time.Millisecond)
				}
			}()
			L, rt, _ := testState(t, Config{Stdout: w, Limits: Limits{MaxCallbackTime: time.Minute}})
			polled(t, rt, end.polled)
			fn, err := L.LoadString(code)
			if err != nil {
				t.Fatal(err)
			}
			if err := rt.RunChunk(fn); err != nil {
				t.Fatal(err)
			}
			rt.closeOutputs()
			w.Close()
			if data := <-got; !bytes.Equal(data, want.Bytes()) {
				t.Fatalf("read %d bytes, want the %d written, in order", len(data), want.Len())
			}
		})
	}
}

// TestLimitedOutputAnswersTheLimit: io.write to a pipe or socket nobody
// reads blocks until the time limit interrupts it, as the limit would any
// other code.
func TestLimitedOutputAnswersTheLimit(t *testing.T) {
	for _, end := range outputEnds {
		t.Run(end.name, func(t *testing.T) {
			w, r := end.open(t)
			defer r.Close()
			defer w.Close()
			L, rt, _ := testState(t, Config{Stdout: w, Limits: Limits{MaxCallbackTime: 200 * time.Millisecond}})
			polled(t, rt, end.polled)
			fn, err := L.LoadString(`while true do io.write(string.rep("x", 1000)) end`)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = rt.RunChunk(fn)
			if err == nil || !strings.Contains(err.Error(), "main chunk exceeded the time limit of 200ms") {
				t.Fatalf("RunChunk: %v, want the time limit's error", err)
			}
			// Loose: the limit is 200 ms, a loaded machine may add seconds.
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("interrupted after %v", elapsed)
			}
		})
	}
}

// polled makes the runtime's standard output poll before each write, if
// asked: it never opens a description of its own.
func polled(t *testing.T, rt *Runtime, asked bool) {
	t.Helper()
	o, ok := rt.stdout.(*limitedOutput)
	if !ok {
		t.Fatalf("standard output is a %T, not a limitedOutput", rt.stdout)
	}
	o.ownOpen = o.ownOpen || asked
}
