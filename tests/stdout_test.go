package tests

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// floodScripts write line after line to standard output, for ever, each
// in its own way.
var floodScripts = map[string]string{
	"print": `local i = 0
while true do i = i + 1; print("line " .. i) end
`,
	"io.write": `local i = 0
while true do i = i + 1; io.write("line ", i, "\n") end
`,
	"io.stdout:write": `local i = 0
while true do i = i + 1; io.stdout:write("line ", i, "\n") end
`,
	// A stdio transport never blocks the loop: it queues, and writes
	// what stdout takes. The script stops once the transport is lost.
	"a stdio transport": `local reactor = require("reactor")
local protocol = require("protocol")
local stdio = require("stdio")
local Flood = protocol.Protocol:extend()
function Flood:connection_made()
  local t, i = self.transport, 0
  local function more()
    if not self.connected then return end
    for _ = 1, 100 do i = i + 1; t:write("line " .. i .. "\n") end
    reactor.call_later(0, more)
  end
  more()
end
function Flood:connection_lost(reason)
  io.stderr:write(string.format("lost: %s, errno %s\n", reason:get_error_message(), tostring(reason.value.errno)))
  if reactor.running then reactor.stop() end
end
stdio.StandardIO(Flood())
reactor.run()
`,
}

// pipeStdout makes a pipe the command's standard output (and, if both, its
// standard error too) and returns the read end, closed when the test ends.
func pipeStdout(t *testing.T, both bool) (read *os.File, setup func(*exec.Cmd)) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, func(cmd *exec.Cmd) {
		cmd.Stdout = w
		if both {
			cmd.Stderr = w
		}
		// The child has its copy once it starts; the test keeps none.
		t.Cleanup(func() { w.Close() })
	}
}

// TestStdoutClosed: `loopscript flood.lua | head -1`. Once the reader has
// gone, print and io.write end the process at once and quietly, killed by
// SIGPIPE as `yes | head -1` is; a stdio transport is lost instead
// (ConnectionLost, errno 32, EPIPE), and the script decides.
func TestStdoutClosed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		script string
		signal syscall.Signal // what ends the process, or 0: it exits
		code   int
		stderr []check
	}{
		{script: "print", signal: syscall.SIGPIPE, code: -1},
		{script: "io.write", signal: syscall.SIGPIPE, code: -1},
		{script: "io.stdout:write", signal: syscall.SIGPIPE, code: -1},
		{script: "a stdio transport", code: 0, stderr: []check{
			is("lost: Connection to the other side was lost in a non-clean fashion., errno 32\n")}},
	}
	for _, c := range cases {
		t.Run(c.script, func(t *testing.T) {
			t.Parallel()
			script := writeFile(t, "flood.lua", []byte(floodScripts[c.script]))
			r, setup := pipeStdout(t, false)
			p := startWith(t, func(cmd *exec.Cmd) {
				setup(cmd)
				cmd.Stdin = openStdin(t) // a stdio transport's stdin must not end first
			}, script)
			first, err := bufio.NewReader(r).ReadString('\n')
			if err != nil || first != "line 1\n" {
				t.Fatalf("first line %q, %v", first, err)
			}
			r.Close()
			res := p.wait(20 * time.Second)
			if res.signal != c.signal || res.code != c.code {
				t.Errorf("ended with status %d, signal %v; want %d, signal %v\nstderr:\n%s",
					res.code, res.signal, c.code, c.signal, res.stderr)
			}
			if res.elapsed > 10*time.Second {
				t.Errorf("took %v to end once stdout closed", res.elapsed)
			}
			expect(t, res, c.code, []check{is("")}, c.stderr)
		})
	}
}

// openStdin is a pipe for a child's standard input that stays open, with
// nothing written, until the test ends.
func openStdin(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r
}

// Scripts for a standard output nobody reads: each floods it from a
// callback (or the main chunk), and says so on standard error first.
const (
	floodCallback = `local reactor = require("reactor")
reactor.call_when_running(function()
  io.stderr:write("flooding\n")
  local i = 0
  while true do i = i + 1; %s end
end)
reactor.call_later(0, function() io.stderr:write("the loop went on\n"); reactor.stop() end)
reactor.run()
`
	floodMainChunk = `io.stderr:write("flooding\n")
local i = 0
while true do i = i + 1; %s end
`
	printLine = `print("line " .. i)`
	writeLine = `io.write("line ", i, "\n")`
)

// TestStdoutNobodyReads: with standard output a pipe that nobody reads,
// print and io.write block, as in Lua, but the process still answers a
// signal (after the stop grace, with a message that says the loop is
// blocked writing, or at once outside the loop or at a second signal),
// even when standard error is that same pipe; and --max-callback-time
// interrupts the blocked write like any other runaway code.
func TestStdoutNobodyReads(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		script string // a flood script, with the line's statement (if any) for %s
		line   string
		flags  []string
		both   bool           // stderr is the same unread pipe
		settle bool           // nothing on stderr to wait for: wait a second
		sig    syscall.Signal // sent once the flood has started; 0: none
		second bool           // send a second signal a moment later
		code   int
		stderr []check
	}{
		{name: "SIGINT after the stop grace", script: floodCallback, line: printLine,
			flags: []string{"--stop-grace", "1"}, sig: syscall.SIGINT, code: 130,
			stderr: []check{contains("flooding\n", ": SIGINT: callback function <", ":2> (blocked writing to standard output) did not return within 1s; exiting\n")}},
		{name: "a second SIGINT at once", script: floodCallback, line: writeLine,
			flags: []string{"--stop-grace", "0"}, sig: syscall.SIGINT, second: true, code: 130,
			stderr: []check{is("flooding\n")}},
		{name: "SIGINT in the main chunk", script: floodMainChunk, line: printLine,
			sig: syscall.SIGINT, code: 130, stderr: []check{is("flooding\n")}},
		{name: "SIGTERM with stderr on the same pipe", script: floodCallback, line: printLine,
			flags: []string{"--stop-grace", "500ms"}, both: true, sig: syscall.SIGTERM, code: 143},
		{name: "SIGINT with a stdio transport's writes queued", script: floodScripts["a stdio transport"],
			flags:  []string{"--warn-slow", "0"}, // a loaded machine makes the flood slow
			settle: true, sig: syscall.SIGINT, code: 0,
			stderr: []check{is("lost: Connection to the other side was lost in a non-clean fashion: Connection lost., errno nil\n")}},
		{name: "--max-callback-time interrupts print", script: floodCallback, line: printLine,
			flags: []string{"--warn-slow", "0", "--max-callback-time", "500ms"}, code: 0,
			stderr: []check{contains("flooding\n", ":5: callback exceeded the time limit of 500ms\n", "the loop went on\n")}},
		{name: "--max-callback-time interrupts io.write", script: floodCallback, line: writeLine,
			flags: []string{"--warn-slow", "0", "--max-callback-time", "500ms"}, code: 0,
			stderr: []check{contains("flooding\n", "callback exceeded the time limit of 500ms\n", "the loop went on\n")}},
		{name: "--max-callback-time in the main chunk", script: floodMainChunk, line: printLine,
			flags: []string{"--max-callback-time", "500ms"}, code: 1,
			stderr: []check{contains("flooding\n", ":3: main chunk exceeded the time limit of 500ms\n")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code := c.script
			if c.line != "" {
				code = strings.Replace(code, "%s", c.line, 1)
			}
			script := writeFile(t, "flood.lua", []byte(code))
			_, setup := pipeStdout(t, c.both)
			p := startWith(t, func(cmd *exec.Cmd) {
				setup(cmd)
				cmd.Stdin = openStdin(t)
			}, append(c.flags, script)...)
			if c.sig != 0 {
				if c.both || c.settle {
					time.Sleep(time.Second) // nothing to watch on stderr
				} else {
					p.waitFor("the flood", 20*time.Second, func() bool { return p.stderr.String() != "" })
					time.Sleep(300 * time.Millisecond) // 64 KiB fill the pipe long before
				}
				p.signal(c.sig)
				if c.second {
					time.Sleep(300 * time.Millisecond)
					p.signal(c.sig)
				}
			}
			r := p.wait(20 * time.Second)
			expect(t, r, c.code, []check{is("")}, c.stderr)
		})
	}
}
