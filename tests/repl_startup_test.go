package tests

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/creack/pty"
)

// BenchmarkPromptStartup times how long each interactive prompt takes to
// show on a pseudo-terminal, from the start of the process: loopscript's
// beside `lua5.1 -i` and Python's asyncio REPL, the two a learner would
// compare it with. Peers not installed are skipped.
//
//	go test ./tests -run '^$' -bench PromptStartup -benchtime 20x
func BenchmarkPromptStartup(b *testing.B) {
	for _, p := range []struct {
		name   string
		argv   []string
		prompt []byte
	}{
		{"loopscript", []string{loopscript}, []byte("> ")},
		{"lua5.1 -i", []string{"lua5.1", "-i"}, []byte("> ")},
		{"python3 -m asyncio", []string{"/usr/bin/python3", "-m", "asyncio"}, []byte(">>> ")},
	} {
		b.Run(p.name, func(b *testing.B) {
			if _, err := exec.LookPath(p.argv[0]); err != nil {
				b.Skipf("%s is not installed", p.argv[0])
			}
			for i := 0; i < b.N; i++ {
				if err := timePrompt(p.argv, p.prompt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// timePrompt starts argv on a pseudo-terminal and returns once its output
// ends with prompt, killing it.
func timePrompt(argv []string, prompt []byte) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "TERM=xterm", "XDG_STATE_HOME="+os.TempDir())
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 120})
	if err != nil {
		return err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
	}()
	var screen []byte
	buf := make([]byte, 4096)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		n, err := f.Read(buf)
		screen = append(screen, buf[:n]...)
		if bytes.HasSuffix(screen, prompt) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return os.ErrDeadlineExceeded
}
