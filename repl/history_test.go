package repl

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHistoryPath(t *testing.T) {
	cases := []struct {
		name, state, home, want string
	}{
		{"XDG_STATE_HOME", "/x/state", "/home/u", "/x/state/loopscript/history"},
		{"the XDG default under HOME", "", "/home/u", "/home/u/.local/state/loopscript/history"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("XDG_STATE_HOME", c.state)
			t.Setenv("HOME", c.home)
			if got := historyPath(); got != c.want {
				t.Errorf("historyPath() = %q, want %q", got, c.want)
			}
		})
	}
}

func lines(n int, format string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// Lines typed are kept in memory and appended to the file as they come,
// except empty ones, a repeat of the last, and lines ended by Ctrl-C; At
// counts back from the newest.
func TestHistoryAdd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "loopscript", "history")
	var interrupted atomic.Bool
	h := openHistory(path, &interrupted)
	for _, l := range []string{"a = 1", "", "a = 1", "print(a)"} {
		h.Add(l)
	}
	interrupted.Store(true)
	h.Add("half typed")
	interrupted.Store(false)
	want := []string{"a = 1", "print(a)"}
	if got := readLines(t, path); !reflect.DeepEqual(got, want) {
		t.Errorf("file %q, want %q", got, want)
	}
	if h.Len() != 2 || h.At(0) != "print(a)" || h.At(1) != "a = 1" {
		t.Errorf("Len %d, At(0) %q, At(1) %q", h.Len(), h.At(0), h.At(1))
	}
	// A new session finds them.
	if again := openHistory(path, &interrupted); again.Len() != 2 || again.At(0) != "print(a)" {
		t.Errorf("reopened: Len %d", again.Len())
	}
}

// The file keeps at most maxHistory lines: a longer one is cut to its newest
// lines when opened, and a session that doubles it rewrites it.
func TestHistorySizeLimit(t *testing.T) {
	cases := []struct {
		name    string
		inFile  int // lines in the file before the session
		added   int // lines typed in the session
		wantMem int
		wantNew string // the newest line
		fileLen int
	}{
		{"a file too long is cut on open", maxHistory + 50, 0, maxHistory, "old 1049", maxHistory},
		{"a session that doubles it rewrites it", maxHistory, maxHistory + 1, maxHistory, "new 1000", maxHistory},
		{"under the limit, appended", 10, 5, 15, "new 4", 15},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "history")
			if err := os.WriteFile(path, []byte(strings.Join(lines(c.inFile, "old %d"), "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			var interrupted atomic.Bool
			h := openHistory(path, &interrupted)
			for _, l := range lines(c.added, "new %d") {
				h.Add(l)
			}
			if h.Len() != c.wantMem || h.At(0) != c.wantNew {
				t.Errorf("in memory: %d lines, newest %q; want %d, %q", h.Len(), h.At(0), c.wantMem, c.wantNew)
			}
			file := readLines(t, path)
			if len(file) != c.fileLen || file[len(file)-1] != c.wantNew {
				t.Errorf("file: %d lines, last %q; want %d, %q", len(file), file[len(file)-1], c.fileLen, c.wantNew)
			}
		})
	}
}

// A history that cannot be written is kept in memory.
func TestHistoryUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var interrupted atomic.Bool
	for _, path := range []string{"", filepath.Join(blocker, "history")} {
		h := openHistory(path, &interrupted)
		h.Add("x = 1")
		if h.Len() != 1 || h.At(0) != "x = 1" {
			t.Errorf("path %q: Len %d", path, h.Len())
		}
	}
}
