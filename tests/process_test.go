package tests

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/luabind"
)

// spawnScript is what scripts/spawn.lua must print: the command's lines as
// they come, with the timer ticking in between (the 0.5 s sleep between
// "one" and "two" holds at least two ticks of 0.1 s, however loaded the
// machine: only a blocked loop misses them), then its exit code and output.
func spawnScript(t *testing.T) scriptCase {
	shape := regexp.MustCompile(`^Start! running: sh -c 'echo one; sleep 0\.5; echo two; exit 3'
((?:tick \d+\n)*)the command says: one
((?:tick \d+\n)*)the command says: two
((?:tick \d+\n)*)the command ended with exit code 3 after (\d+\.\d) s; the timer ticked (\d+) times meanwhile
its whole output:
one
two
Stop!
$`)
	return scriptCase{
		realClockOnly: true, // a virtual clock races through the ticks while the command sleeps
		minTime:       500 * time.Millisecond,
		stdout: []check{func(t *testing.T, stream, text string) {
			t.Helper()
			m := shape.FindStringSubmatch(text)
			if m == nil {
				t.Fatalf("%s:\n%s\nwant the command's lines and ticks, then its exit code 3 and its output", stream, text)
			}
			between := strings.Count(m[2], "tick ")
			total, _ := strconv.Atoi(m[5])
			if between < 2 {
				t.Errorf("%d ticks while the command slept 0.5 s: the loop was blocked\n%s", between, text)
			}
			if printed := strings.Count(text, "tick "); printed != total {
				t.Errorf("%d ticks printed, but the summary says %d", printed, total)
			}
		}},
	}
}

// TestSpawnScriptCommands runs scripts/spawn.lua on commands of our own:
// one killed by a signal, one whose output lacks its last newline, one
// that does not exist.
func TestSpawnScriptCommands(t *testing.T) {
	t.Parallel()
	runCLICases(t, []cliCase{
		{name: "killed by a signal", args: []string{"scripts/spawn.lua", "/bin/sh", "-c", "echo bye; kill -TERM $$"},
			stdout: []check{contains("the command says: bye\n", "the command ended with signal 15 after ", "its whole output:\nbye\nStop!\n")}},
		{name: "a last line without newline", args: []string{"scripts/spawn.lua", "printf", "a\\nb"},
			// A tick may come between the two lines: b is shown when the
			// output ends, which can be a later turn.
			stdout: []check{contains("the command says: a\n", "the command says: b\n", "with exit code 0", "its whole output:\na\nb\nStop!\n")}},
		{name: "a command that does not exist", args: []string{"scripts/spawn.lua", "no-such-command-here"}, code: 1,
			stdout: []check{is("Start! running: no-such-command-here\n")},
			stderr: []check{firstLine(fmt.Sprintf("loopscript: scripts/spawn.lua:%d: spawn_process: cannot run 'no-such-command-here': no such file or directory",
				lineOf(t, "scripts/spawn.lua", "reactor.spawn_process(")))}},
	})
}

// processChunk is a -e chunk's ProcessProtocol that prints its output and
// its reason, then stops the reactor.
const processChunk = `local reactor = require("reactor")
local protocol = require("protocol")
local P = protocol.ProcessProtocol:extend()
function P:out_received(data) io.write(data) end
function P:process_ended(reason)
  print(reason.type, reason.value.exit_code, reason.value.signal)
  reactor.stop()
end
`

func TestSpawnProcessThroughTheBinary(t *testing.T) {
	t.Parallel()
	runCLICases(t, []cliCase{
		{name: "cat echoes what it is written", args: lua(processChunk + `
local t = reactor.spawn_process(P(), "cat", {"cat"})
t:write("hello, ") t:write("cat\n") t:close_stdin()
reactor.run()`), stdout: []check{is("hello, cat\nProcessDone\t0\tnil\n")}},
		{name: "exit code 3", args: lua(processChunk + `
reactor.spawn_process(P(), "sh", {"sh", "-c", "exit 3"})
reactor.run()`), stdout: []check{is("ProcessTerminated\t3\tnil\n")}},
		{name: "signal", args: lua(processChunk + `
local t = reactor.spawn_process(P(), "sleep", {"sleep", "30"})
reactor.call_later(0.1, function() t:signal_process("KILL") end)
reactor.run()`), stdout: []check{is("ProcessTerminated\tnil\t9\n")}},
		{name: "the environment is inherited", args: lua(processChunk + `
reactor.spawn_process(P(), "sh", {"sh", "-c", "echo $HOME"})
reactor.run()`), stdout: []check{is(os.Getenv("HOME") + "\nProcessDone\t0\tnil\n")}},
		{name: "the child's output does not reach ours", args: lua(processChunk + `
P.out_received = function() end
reactor.spawn_process(P(), "echo", {"echo", "hidden"})
reactor.run()`), stdout: []check{is("ProcessDone\t0\tnil\n")}},
		{name: "a program that cannot run", args: lua(processChunk + `reactor.spawn_process(P(), "/nonexistent", {})`), code: 1,
			stderr: []check{firstLine("loopscript: (command line):9: spawn_process: cannot run '/nonexistent': no such file or directory")}},
		{name: "under --sandbox", args: lua(`local reactor = require("reactor")
print(pcall(reactor.spawn_process, require("protocol").ProcessProtocol(), "/bin/true", {"true"}))`, "--sandbox"),
			stdout: []check{is("false\t(command line):2: spawn_process: not allowed in the sandbox (process)\n")}},
	})
}

// TestSpawnProcessNoZombie: once their process_ended has run, the children
// of a loopscript still running are reaped: /proc shows no zombie child.
func TestSpawnProcessNoZombie(t *testing.T) {
	t.Parallel()
	p := start(t, "", "-e", `local reactor = require("reactor")
local protocol = require("protocol")
local ended = 0
local P = protocol.ProcessProtocol:extend()
function P:process_ended()
  ended = ended + 1
  if ended == 20 then
    print("all ended")
    reactor.call_later(30, reactor.stop) -- the test interrupts it before
  end
end
for i = 1, 20 do reactor.spawn_process(P(), "sh", {"sh", "-c", "exit " .. i % 3}) end
reactor.run()`)
	p.waitFor("all ended", 10*time.Second, func() bool { return p.stdout.String() == "all ended\n" })
	if zombies := zombiesOf(t, p.cmd.Process.Pid); len(zombies) > 0 {
		t.Errorf("zombie children after every process_ended: %v", zombies)
	}
	p.signal(syscall.SIGINT)
	expect(t, p.wait(5*time.Second), 0, []check{is("all ended\n")}, nil)
}

// zombiesOf lists the children of ppid that have exited and not been
// reaped, from /proc.
func zombiesOf(t *testing.T, ppid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	var zombies []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // gone meanwhile
		}
		// After the ")" closing the command name: state, then ppid.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[0] == "Z" && fields[1] == strconv.Itoa(ppid) {
			zombies = append(zombies, pid)
		}
	}
	return zombies
}

// TestSpawnProcessInHostSandbox: a host.Sandbox refuses spawn_process
// unless AllowProcesses, and then asks ApproveIO about each program.
func TestSpawnProcessInHostSandbox(t *testing.T) {
	t.Parallel()
	code := `local reactor = require("reactor")
local protocol = require("protocol")
local P = protocol.ProcessProtocol:extend()
function P:out_received(data) print("out", data) end
function P:process_ended(reason) print(reason.type) reactor.stop() end
local spawned = false
for _, exe in ipairs({"/bin/sh", "/bin/echo"}) do
  local ok, err = pcall(reactor.spawn_process, P(), exe, {exe, "approved"})
  if not ok then print(err) end
  spawned = spawned or ok
end
if spawned then reactor.run() end -- process_ended stops it`
	errNotListed := errors.New("only /bin/echo may run")
	// ApproveIO sees each program's real path (/bin may be a link).
	realSh, errSh := filepath.EvalSymlinks("/bin/sh")
	realEcho, errEcho := filepath.EvalSymlinks("/bin/echo")
	if errSh != nil || errEcho != nil {
		t.Skip("no /bin/sh or /bin/echo")
	}
	tests := []struct {
		name    string
		sandbox host.Sandbox
		want    string
		asked   string
	}{
		{"no AllowProcesses", host.Sandbox{},
			"setup:8: spawn_process: not allowed in the sandbox (process)\nsetup:8: spawn_process: not allowed in the sandbox (process)\n", ""},
		{"AllowProcesses with ApproveIO", host.Sandbox{AllowProcesses: true, ApproveIO: func(q luabind.IORequest) error {
			if q.Target != realEcho {
				return errNotListed
			}
			return nil
		}}, "setup:8: spawn_process: only /bin/echo may run\nout\tapproved\n\nProcessDone\n",
			"spawn_process " + realSh + " (process); spawn_process " + realEcho + " (process); "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			var asked strings.Builder
			sb := tt.sandbox
			if approve := sb.ApproveIO; approve != nil {
				sb.ApproveIO = func(q luabind.IORequest) error {
					asked.WriteString(q.String() + "; ")
					return approve(q)
				}
			}
			// Generous limits: the test is about the sandbox's I/O rules, and a
			// loaded machine can take a second to start a child.
			h, err := host.New(host.Options{Stdout: &out, Sandbox: &sb, MaxCallbackTime: 10 * time.Second, MaxRunTime: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			if err := h.RunString("setup", code); err != nil {
				t.Fatalf("run: %v\noutput:\n%s", err, out.String())
			}
			if out.String() != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", out.String(), tt.want)
			}
			if asked.String() != tt.asked {
				t.Errorf("ApproveIO asked %q, want %q", asked.String(), tt.asked)
			}
		})
	}
}
