package tests

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/internal/testfiles"
	"github.com/loopscript/loopscript/luabind"
	"golang.org/x/sys/unix"
)

const stdioGreeting = "echo: type lines, end with Ctrl-D\n"

// stdioEchoScript is what scripts/stdio-echo.lua prints with /dev/null as
// stdin (TestScripts gives it none): the greeting written in
// connection_made reaches stdout before connection_lost, which Twisted's
// StandardIO would have dropped.
func stdioEchoScript(*testing.T) scriptCase {
	return scriptCase{stdout: []check{is(stdioGreeting + "0 lines; stdin closed: Connection was closed cleanly.\n")}}
}

// numbered is what stdio-echo.lua echoes for lines.
func numbered(lines ...string) string {
	var b strings.Builder
	for i, l := range lines {
		fmt.Fprintf(&b, "%d: %s\n", i+1, l)
	}
	return b.String()
}

// TestStdioEchoScript feeds scripts/stdio-echo.lua from a pipe, a regular
// file and /dev/null, and sends its stdout to a pipe or a file.
func TestStdioEchoScript(t *testing.T) {
	t.Parallel()
	many := make([]string, 20000)
	for i := range many {
		many[i] = "line " + strconv.Itoa(i+1)
	}
	manyText := strings.Join(many, "\n") + "\n"
	done := func(n int) string { return fmt.Sprintf("%d lines; stdin closed: Connection was closed cleanly.\n", n) }
	tests := []struct {
		name   string
		stdin  func(t *testing.T) io.Reader // nil: /dev/null
		toFile bool                         // stdout a regular file instead of a pipe
		want   string
	}{
		{"pipe", text("a\nb\n"), false, stdioGreeting + numbered("a", "b") + done(2)},
		{"file", file("a\nb\n"), false, stdioGreeting + numbered("a", "b") + done(2)},
		{"devnull", nil, false, stdioGreeting + done(0)},
		{"unfinished last line", text("a\nb"), false, stdioGreeting + numbered("a") + "unfinished last line: b\n" + done(1)},
		{"many lines through a pipe", text(manyText), false, stdioGreeting + numbered(many...) + done(len(many))},
		{"many lines from a file to a file", file(manyText), true, stdioGreeting + numbered(many...) + done(len(many))},
		{"devnull to a file", nil, true, stdioGreeting + done(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var outFile *os.File
			p := startWith(t, func(cmd *exec.Cmd) {
				if tc.stdin != nil {
					cmd.Stdin = tc.stdin(t)
				}
				if tc.toFile {
					f, err := os.Create(filepath.Join(t.TempDir(), "out"))
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { f.Close() })
					outFile, cmd.Stdout = f, f
				}
			}, "--warn-slow", "0", "scripts/stdio-echo.lua")
			r := p.wait(30 * time.Second)
			if outFile != nil {
				data, err := os.ReadFile(outFile.Name())
				if err != nil {
					t.Fatal(err)
				}
				r.stdout = string(data)
			}
			expect(t, r, 0, []check{is(tc.want)}, nil)
		})
	}
}

// text is a stdin fed through a pipe.
func text(s string) func(*testing.T) io.Reader {
	return func(*testing.T) io.Reader { return strings.NewReader(s) }
}

// file is a stdin that is a regular file holding s.
func file(s string) func(*testing.T) io.Reader {
	return func(t *testing.T) io.Reader {
		path := filepath.Join(t.TempDir(), "in")
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
}

// TestStdioPrintBesideTheTransport: print and the transport share stdout,
// a pipe the reader leaves full for a while. print then waits, as it
// always did; it never fails with EAGAIN, because StandardIO leaves the
// descriptor's own description blocking.
func TestStdioPrintBesideTheTransport(t *testing.T) {
	t.Parallel()
	script := writeFile(t, "mixed.lua", []byte(`local reactor = require("reactor")
local protocol = require("protocol")
local P = protocol.Protocol:extend()
local chunk = string.rep("x", 16383) .. "\n"
local n = 0
local function tick(transport)
  n = n + 1
  transport:write(chunk)
  print("print " .. n)
  if n < 200 then
    reactor.call_later(0, tick, transport)
  else
    transport:lose_connection()
  end
end
function P:connection_made() tick(self.transport) end
function P:connection_lost(reason) print("done " .. reason.type) reactor.stop() end
require("stdio").StandardIO(P())
reactor.run()
`))
	var outRd *os.File
	p := startWith(t, func(cmd *exec.Cmd) {
		rd, wr, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rd.Close() })
		outRd, cmd.Stdout = rd, wr
		cmd.Stdin = neverEnding(t) // stdin open and silent: only lose_connection ends it
	}, "--warn-slow", "0", script)
	p.cmd.Stdout.(*os.File).Close() // the child has its copy
	// Read nothing until the pipe is half full, and a while after, so the
	// child prints into a full pipe (small prints take whole pages, so a
	// full pipe may hold less than its 64 KiB).
	p.waitFor("a full pipe", 20*time.Second, func() bool {
		n, err := bytesToRead(int(outRd.Fd()))
		return err == nil && n >= 32<<10
	})
	time.Sleep(300 * time.Millisecond)
	read := make(chan string, 1)
	go func() {
		data, _ := io.ReadAll(outRd) // ends when the child exits, or is killed
		read <- string(data)
	}()
	r := p.wait(30 * time.Second)
	out := <-read
	expect(t, r, 0, nil, nil)
	// The two write to the same pipe from separate buffers, so a print may
	// land inside a chunk the transport wrote in parts: take the prints
	// out, and the chunks must be left, whole and in order, then the last
	// print, which connection_lost made once the transport had flushed.
	for i := 1; i <= 200; i++ {
		line := "print " + strconv.Itoa(i) + "\n"
		if strings.Count(out, line) != 1 {
			t.Fatalf("%q printed %d times", line, strings.Count(out, line))
		}
		out = strings.Replace(out, line, "", 1)
	}
	want := strings.Repeat(strings.Repeat("x", 16383)+"\n", 200) + "done ConnectionDone\n"
	if out != want {
		t.Errorf("without the prints, stdout holds %d bytes, want the %d of the chunks and the last print", len(out), len(want))
	}
}

// neverEnding is a stdin pipe whose writer stays open until the test ends.
func neverEnding(t *testing.T) *os.File {
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rd.Close(); wr.Close() })
	return rd
}

// openPty is a pseudo-terminal: its master, and its slave opened blocking
// and read-write as a shell's terminal is.
func openPty(t *testing.T) (master int, slave *os.File) {
	t.Helper()
	m, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { m.Close(); slave.Close() })
	return int(m.Fd()), slave
}

// readNow reads what fd holds, waiting at most a little for the first byte.
func readNow(fd int) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	wait := 1000
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(fds, wait); n <= 0 || fds[0].Revents&unix.POLLIN == 0 {
			return b.String()
		}
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			return b.String()
		}
		b.Write(buf[:n])
		wait = 100
	}
}

// TestStdioOnATerminal runs stdio-echo.lua on a terminal, the way a shell
// starts it, and checks the terminal is still blocking afterwards, even
// when the script ends with os.exit in the middle of the connection: the
// shell would otherwise get EAGAIN from its next read.
func TestStdioOnATerminal(t *testing.T) {
	t.Parallel()
	exiting := writeFile(t, "exiting.lua", []byte(`local protocol = require("protocol")
local P = protocol.Protocol:extend()
function P:data_received(data)
  self.transport:write("got " .. data)
  os.exit(0)
end
require("stdio").StandardIO(P())
require("reactor").run()
`))
	tests := []struct {
		name  string
		args  []string
		input string
		shows []string // what the terminal shows, beside the echo of the input
	}{
		{"echo until Ctrl-D", []string{"scripts/stdio-echo.lua"}, "hi\n\x04",
			[]string{"echo: type lines, end with Ctrl-D\r\n", "1: hi\r\n", "1 lines; stdin closed: Connection was closed cleanly.\r\n"}},
		{"os.exit with the transport open", []string{exiting}, "hi\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			master, slave := openPty(t)
			before, err := unix.FcntlInt(slave.Fd(), unix.F_GETFL, 0)
			if err != nil {
				t.Fatal(err)
			}
			p := startWith(t, func(cmd *exec.Cmd) {
				cmd.Stdin, cmd.Stdout = slave, slave
			}, tc.args...)
			if _, err := unix.Write(master, []byte(tc.input)); err != nil {
				t.Fatal(err)
			}
			r := p.wait(30 * time.Second)
			expect(t, r, 0, nil, nil)
			shown := readNow(master)
			for _, s := range tc.shows {
				if !strings.Contains(shown, s) {
					t.Errorf("the terminal shows %q, without %q", shown, s)
				}
			}
			after, err := unix.FcntlInt(slave.Fd(), unix.F_GETFL, 0)
			if err != nil {
				t.Fatal(err)
			}
			if after != before || after&unix.O_NONBLOCK != 0 {
				t.Fatalf("terminal flags %#x after the run, %#x before", after, before)
			}
		})
	}
}

// TestStdioSandbox: --sandbox refuses StandardIO at the call; a
// host.Sandbox allows it with AllowStdio.
func TestStdioSandbox(t *testing.T) {
	t.Parallel()
	r := run(t, "--sandbox", "scripts/stdio-echo.lua")
	expect(t, r, 1, nil, []check{firstLine(fmt.Sprintf("loopscript: scripts/stdio-echo.lua:%d: StandardIO: not allowed in the sandbox (stdio)",
		lineOf(t, "scripts/stdio-echo.lua", "stdio.StandardIO(Echo())")))})

	var inFds, outFds [2]int
	for _, fds := range []*[2]int{&inFds, &outFds} {
		var err error
		if *fds, err = testfiles.Pipe(); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for _, fd := range []int{inFds[0], outFds[0], outFds[1]} {
			unix.Close(fd)
		}
	}()
	unix.Write(inFds[1], []byte("ping"))
	unix.Close(inFds[1]) // once: the number may be another test's soon after
	code := fmt.Sprintf(`local reactor = require("reactor")
local protocol = require("protocol")
local P = protocol.Protocol:extend()
function P:data_received(data) self.transport:write(data:upper()) end
function P:connection_lost(reason) print(reason.type) reactor.stop() end
require("stdio").StandardIO(P(), {stdin = %d, stdout = %d})
reactor.run()`, inFds[0], outFds[1])
	for _, tc := range []struct {
		name    string
		sandbox host.Sandbox
		want    string
	}{
		{"AllowStdio refused by ApproveIO", host.Sandbox{AllowStdio: true, ApproveIO: func(q luabind.IORequest) error {
			return errors.New("no terminal for you")
		}}, ""},
		{"AllowStdio without AllowDescriptors", host.Sandbox{AllowStdio: true}, ""},
		// Descriptors other than 0 and 1 are descriptors, not stdio.
		{"AllowStdio and AllowDescriptors", host.Sandbox{AllowStdio: true, AllowDescriptors: true}, "ConnectionDone\n"},
	} {
		var out strings.Builder
		// Generous limits: the test is about the sandbox rules, not time.
		h, err := host.New(host.Options{Stdout: &out, Sandbox: &tc.sandbox, MaxCallbackTime: 10 * time.Second, MaxRunTime: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		err = h.RunString("setup", code)
		h.Close()
		if tc.want == "" {
			refusal := "StandardIO: no terminal for you"
			if tc.sandbox.ApproveIO == nil {
				refusal = "StandardIO: not allowed in the sandbox (descriptor)"
			}
			if err == nil || !strings.Contains(err.Error(), refusal) {
				t.Errorf("%s: error %v, output %q", tc.name, err, out.String())
			}
			continue
		}
		if err != nil || out.String() != tc.want {
			t.Errorf("%s: error %v, output %q", tc.name, err, out.String())
		}
		buf := make([]byte, 16)
		if n, _ := unix.Read(outFds[0], buf); string(buf[:n]) != "PING" {
			t.Errorf("%s: stdout got %q", tc.name, buf[:n])
		}
	}
}
