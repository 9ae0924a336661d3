package luabind

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/internal/testfiles"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// stdioRun is what a stdio test script did.
type stdioRun struct {
	out     string // what it printed
	reports []*CallbackError
	err     error
}

// runStdioLua runs code on the real clock (the script's I/O, not timers,
// drives it), with stdin_fd and stdout_fd as globals, count_io(v) counting
// the watched descriptors that stand for v; the reactor is stopped if the
// script has not ended after 10 s.
func runStdioLua(t *testing.T, cfg Config, stdinFd, stdoutFd int, code string) stdioRun {
	t.Helper()
	var run stdioRun
	cfg.OnError = func(e *CallbackError) { run.reports = append(run.reports, e) }
	L, rt, out := testState(t, cfg)
	r, err := rt.Reactor()
	if err != nil {
		t.Fatal(err)
	}
	L.SetGlobal("count_io", L.NewFunction(countWatched(rt)))
	L.SetGlobal("stdin_fd", lua.LNumber(stdinFd))
	L.SetGlobal("stdout_fd", lua.LNumber(stdoutFd))
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			r.Stop()
		}
	}()
	fn, err := L.Load(strings.NewReader(code), "test.lua")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	run.err = rt.PCall(fn)
	run.out = out.String()
	return run
}

// stdioPipe is a blocking pipe, closed when the test ends; closeWriter
// closes its write end before (once: a closed number is soon reused).
func stdioPipe(t *testing.T) (rd, wr int, closeWriter func()) {
	t.Helper()
	fds, err := testfiles.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	closeWriter = func() {
		if fds[1] >= 0 {
			unix.Close(fds[1])
			fds[1] = -1
		}
	}
	t.Cleanup(func() { unix.Close(fds[0]); closeWriter() })
	return fds[0], fds[1], closeWriter
}

// drain reads what a blocking pipe holds now, without waiting.
func drain(fd int) string {
	var b strings.Builder
	buf := make([]byte, 64<<10)
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(fds, 0); n <= 0 || fds[0].Revents&unix.POLLIN == 0 {
			return b.String()
		}
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			return b.String()
		}
		b.Write(buf[:n])
	}
}

// stdioEcho echoes stdin behind a greeting and prints how it ended.
const stdioEcho = `
local protocol = require("protocol")
local stdio = require("stdio")
local reactor = require("reactor")
local Echo = protocol.Protocol:extend()
function Echo:connection_made() self.transport:write("hello\n") end
function Echo:data_received(data) self.transport:write(data) end
function Echo:connection_lost(reason)
	print("lost", reason.type, tostring(reason.value))
	reactor.stop()
end
local p = Echo()
local t = stdio.StandardIO(p, {stdin = stdin_fd, stdout = stdout_fd})
print(t == p.transport, p.connected, t.connected, tostring(t:get_peer()), t:get_host().type, count_io(t) >= 2)
reactor.run()
print("watched after", count_io(t))
`

// TestStdioEcho runs a Lua protocol over a pipe, a file and /dev/null as
// stdin: the data, then connection_lost(ConnectionDone) once the greeting
// and the echo are on stdout.
func TestStdioEcho(t *testing.T) {
	const input = "a\nb\n"
	tests := []struct {
		name  string
		stdin func(t *testing.T) int
		want  string // on stdout
	}{
		{"pipe", func(t *testing.T) int {
			rd, wr, closeWr := stdioPipe(t)
			unix.Write(wr, []byte(input))
			closeWr()
			return rd
		}, "hello\n" + input},
		{"file", func(t *testing.T) int {
			path := filepath.Join(t.TempDir(), "in")
			if err := os.WriteFile(path, []byte(input), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return int(f.Fd())
		}, "hello\n" + input},
		{"devnull", func(t *testing.T) int {
			f, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return int(f.Fd())
		}, "hello\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			outRd, outWr, _ := stdioPipe(t)
			run := runStdioLua(t, Config{}, tc.stdin(t), outWr, stdioEcho)
			if run.err != nil || len(run.reports) > 0 {
				t.Fatalf("error %v, reports %v", run.err, run.reports)
			}
			want := "true\ttrue\ttrue\tPipeAddress()\tpipe\ttrue\n" +
				"lost\tConnectionDone\tConnection was closed cleanly.\nwatched after\t0\n"
			if run.out != want {
				t.Fatalf("printed:\n%s\nwant:\n%s", run.out, want)
			}
			if got := drain(outRd); got != tc.want {
				t.Fatalf("stdout got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStdioHalfClose(t *testing.T) {
	inRd, inWr, closeIn := stdioPipe(t)
	outRd, outWr, _ := stdioPipe(t)
	unix.Write(inWr, []byte("question"))
	closeIn()
	run := runStdioLua(t, Config{}, inRd, outWr, `
local protocol = require("protocol")
local reactor = require("reactor")
local P = protocol.Protocol:extend()
function P:data_received(data) self.got = (self.got or "") .. data end
function P:read_connection_lost()
	print("read lost")
	self.transport:write("answer to " .. self.got)
	self.transport:lose_write_connection()
end
function P:write_connection_lost() print("write lost") end
function P:connection_lost(reason) print("lost", reason.type) reactor.stop() end
require("stdio").StandardIO(P(), {stdin = stdin_fd, stdout = stdout_fd})
reactor.run()
`)
	if run.err != nil || len(run.reports) > 0 {
		t.Fatalf("error %v, reports %v", run.err, run.reports)
	}
	if run.out != "read lost\nwrite lost\nlost\tConnectionDone\n" {
		t.Fatalf("printed:\n%s", run.out)
	}
	if got := drain(outRd); got != "answer to question" {
		t.Fatalf("stdout got %q", got)
	}
}

// TestStdioErrorInDataReceived: the error is reported once, the transport
// closes, and connection_lost gets the error as its reason.
func TestStdioErrorInDataReceived(t *testing.T) {
	inRd, inWr, _ := stdioPipe(t)
	_, outWr, _ := stdioPipe(t)
	unix.Write(inWr, []byte("x")) // stdin stays open: the error closes it
	run := runStdioLua(t, Config{}, inRd, outWr, `
local protocol = require("protocol")
local reactor = require("reactor")
local P = protocol.Protocol:extend()
function P:data_received(data) error("bad input " .. data) end
function P:connection_lost(reason) print("lost", reason.type, reason.value) reactor.stop() end
require("stdio").StandardIO(P(), {stdin = stdin_fd, stdout = stdout_fd})
reactor.run()
`)
	if run.err != nil || len(run.reports) != 1 || !strings.Contains(run.reports[0].Message, "bad input x") {
		t.Fatalf("error %v, reports %v", run.err, run.reports)
	}
	if run.out != "lost\tstring\ttest.lua:5: bad input x\n" {
		t.Fatalf("printed:\n%s", run.out)
	}
}

// TestStdioStop: reactor.stop() with the transport open loses it with
// ConnectionLost before run returns.
func TestStdioStop(t *testing.T) {
	inRd, _, _ := stdioPipe(t)
	outRd, outWr, _ := stdioPipe(t)
	run := runStdioLua(t, Config{}, inRd, outWr, `
local protocol = require("protocol")
local reactor = require("reactor")
local P = protocol.Protocol:extend()
function P:connection_lost(reason) print("lost", reason.type, tostring(reason.value)) end
local t = require("stdio").StandardIO(P(), {stdin = stdin_fd, stdout = stdout_fd})
reactor.call_later(0, function() t:write("bye") reactor.stop() end)
reactor.run()
print("run returned")
`)
	if run.err != nil || len(run.reports) > 0 {
		t.Fatalf("error %v, reports %v", run.err, run.reports)
	}
	if run.out != "lost\tConnectionLost\tConnection to the other side was lost in a non-clean fashion: Connection lost.\nrun returned\n" {
		t.Fatalf("printed:\n%s", run.out)
	}
	if got := drain(outRd); got != "bye" {
		t.Fatalf("stdout got %q", got)
	}
}

func TestStdioBadArguments(t *testing.T) {
	_, wr, _ := stdioPipe(t)
	tests := []struct{ call, want string }{
		{`stdio.StandardIO()`, "bad argument #1 to 'StandardIO' (protocol expected, got no value)"},
		{`stdio.StandardIO(5)`, "bad argument #1 to 'StandardIO' (protocol expected, got number)"},
		{`stdio.StandardIO({})`, "bad argument #1 to 'StandardIO' (protocol expected, got table without make_connection (extend protocol.Protocol))"},
		{`stdio:StandardIO(P())`, "bad argument #1 to 'StandardIO' (protocol expected, got the stdio module; use stdio.StandardIO, not stdio:StandardIO)"},
		{`stdio.StandardIO(P(), 1)`, "bad argument #2 to 'StandardIO' (table expected, got number)"},
		{`stdio.StandardIO(P(), {stdin = -1})`, "bad argument #2 to 'StandardIO' (non-negative integer expected for stdin, got -1)"},
		{`stdio.StandardIO(P(), {stdout = 1.5})`, "bad argument #2 to 'StandardIO' (non-negative integer expected for stdout, got 1.5)"},
		{`stdio.StandardIO(P(), {stdin = "0"})`, "bad argument #2 to 'StandardIO' (non-negative integer expected for stdin, got string)"},
		{`stdio.StandardIO(P(), {input = 0})`, "bad argument #2 to 'StandardIO' (unknown option 'input')"},
		{`stdio.StandardIO(P(), {[1] = 0})`, "bad argument #2 to 'StandardIO' (string expected for an option name, got number)"},
		{`stdio.StandardIO(P(), {stdin = 999})`, "StandardIO: stdin (fd 999): bad file descriptor"},
		{`stdio.StandardIO(P(), {stdin = stdout_fd})`, fmt.Sprintf("StandardIO: stdin (fd %d): not open for reading", wr)},
	}
	for _, tc := range tests {
		t.Run(tc.call, func(t *testing.T) {
			run := runStdioLua(t, Config{}, 0, wr, `
local protocol = require("protocol")
stdio = require("stdio")
P = protocol.Protocol:extend()
function P:connection_made() print("connection_made ran") end
local ok, err = pcall(function() return `+tc.call+` end)
print(ok, err)`)
			if run.err != nil || run.out != "false\ttest.lua:6: "+tc.want+"\n" {
				t.Fatalf("printed %q (error %v), want %q", run.out, run.err, tc.want)
			}
		})
	}
}

// TestStdioSandboxRefuses: an embedder's AllowIO refuses stdio at the
// call, before anything is opened or called.
func TestStdioSandboxRefuses(t *testing.T) {
	var asked []IORequest
	cfg := Config{AllowIO: func(q IORequest) error {
		asked = append(asked, q)
		return errors.New("not allowed in the sandbox (stdio)")
	}}
	_, wr, _ := stdioPipe(t)
	run := runStdioLua(t, cfg, 0, wr, `
local protocol = require("protocol")
local P = protocol.Protocol:extend()
function P:connection_made() print("connection_made ran") end
print(pcall(require("stdio").StandardIO, P()))`)
	if run.err != nil || run.out != "false\ttest.lua:5: StandardIO: not allowed in the sandbox (stdio)\n" {
		t.Fatalf("printed %q (error %v)", run.out, run.err)
	}
	if len(asked) != 1 || asked[0] != (IORequest{Function: "StandardIO", Kind: IOStdio}) {
		t.Fatalf("asked %v", asked)
	}
}

func TestStdioModuleIsStrict(t *testing.T) {
	_, wr, _ := stdioPipe(t)
	run := runStdioLua(t, Config{}, 0, wr, `
local stdio = require("stdio")
print(pcall(function() return stdio.StandardIo end))
print(pcall(function() stdio.x = 1 end))`)
	want := "false\ttest.lua:3: stdio has no field 'StandardIo' (did you mean 'StandardIO'?)\n" +
		"false\ttest.lua:4: attempt to modify read-only module 'stdio' (field 'x')\n"
	if run.err != nil || run.out != want {
		t.Fatalf("printed:\n%s\nwant:\n%s", run.out, want)
	}
}
