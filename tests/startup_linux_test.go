//go:build linux

package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestStartupStartsOnePoller pins what start-up asks of the kernel for
// polling: the reactor's own epoll set and waker, and not a second set
// (with its eventfd) for the Go runtime's network poller, which the first
// os.Open of a process starts and a script that opens nothing never uses.
// It needs strace, and skips without it.
func TestStartupStartsOnePoller(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed")
	}
	w1 := filepath.Join(repoRoot, "tests", "bench", "loopscript", "w1_startup.lua")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"script file", []string{w1}},
		{"chunk", []string{"-e", `local r = require("reactor"); r.call_when_running(function() print("hello"); r.stop() end); r.run()`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			summary := filepath.Join(t.TempDir(), "strace")
			argv := append([]string{"-f", "-c", "-o", summary, "-e", "trace=epoll_create1,eventfd2", loopscript}, tc.args...)
			out, err := exec.Command(strace, argv...).CombinedOutput()
			if err != nil {
				if strings.Contains(string(out), "ptrace") {
					t.Skipf("strace cannot trace here: %s", out)
				}
				t.Fatalf("strace loopscript %v: %v\n%s", tc.args, err, out)
			}
			if !strings.Contains(string(out), "hello") {
				t.Fatalf("the script did not run: %s", out)
			}
			text, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			calls := straceCounts(string(text))
			for _, name := range []string{"epoll_create1", "eventfd2"} {
				if calls[name] != 1 {
					t.Errorf("%s called %d times, want 1 (the reactor's); strace -c says:\n%s", name, calls[name], text)
				}
			}
		})
	}
}

// straceCounts reads the calls column of strace -c's summary.
func straceCounts(summary string) map[string]int {
	counts := map[string]int{}
	for _, line := range strings.Split(summary, "\n") {
		f := strings.Fields(line)
		// % time, seconds, usecs/call, calls, [errors,] syscall
		if len(f) < 5 || f[len(f)-1] == "total" {
			continue
		}
		if n, err := strconv.Atoi(f[3]); err == nil {
			counts[f[len(f)-1]] = n
		}
	}
	return counts
}
