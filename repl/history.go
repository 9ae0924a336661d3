package repl

import (
	"bufio"
	"os"
	"path/filepath"
	"sync/atomic"
)

// maxHistory is how many lines the prompt remembers, in memory and in the
// file.
const maxHistory = 1000

// historyPath is where the lines typed are kept between sessions:
// $XDG_STATE_HOME/loopscript/history, or ~/.local/state/loopscript/history
// (the XDG base directory specification's default). Empty: nowhere.
func historyPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "loopscript", "history")
}

// history is x/term's History over a file: each line typed is appended to
// the file as it is entered, so that a session that crashes keeps its lines.
// The file is best effort: a history that cannot be written is kept in
// memory only.
type history struct {
	lines       []string // oldest first
	path        string
	interrupted *atomic.Bool // a line ended by Ctrl-C is not remembered
}

func openHistory(path string, interrupted *atomic.Bool) *history {
	h := &history{path: path, interrupted: interrupted}
	if path == "" {
		return h
	}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			h.lines = append(h.lines, sc.Text())
		}
		f.Close()
		if len(h.lines) > maxHistory {
			h.lines = h.lines[len(h.lines)-maxHistory:]
			h.rewrite()
		}
	}
	return h
}

// Add remembers a line, unless it is empty, repeats the last one, or was
// interrupted.
func (h *history) Add(line string) {
	if line == "" || h.interrupted.Load() || (len(h.lines) > 0 && h.lines[len(h.lines)-1] == line) {
		return
	}
	h.lines = append(h.lines, line)
	if len(h.lines) > 2*maxHistory {
		h.lines = h.lines[len(h.lines)-maxHistory:]
		h.rewrite()
		return
	}
	if h.path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return
	}
	f, err := os.OpenFile(h.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	f.WriteString(line + "\n")
	f.Close()
}

func (h *history) Len() int { return len(h.lines) }

// At is the idx-th line back, 0 the newest.
func (h *history) At(idx int) string { return h.lines[len(h.lines)-1-idx] }

func (h *history) rewrite() {
	if h.path == "" {
		return
	}
	tmp := h.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return
	}
	w := bufio.NewWriter(f)
	for _, l := range h.lines {
		w.WriteString(l + "\n")
	}
	if w.Flush() == nil && f.Close() == nil {
		os.Rename(tmp, h.path)
	}
}
