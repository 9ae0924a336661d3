package tests

import (
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The hardening tests of issue 13 for child processes, through the
// binary and spawn_process: children that die hard, close their pipes
// early, never read, leave grandchildren holding the pipes, and a thousand
// of them at once.

// eventsChunk is a -e chunk's ProcessProtocol that prints each event
// (except the output it collects), with the transport as T.
const eventsChunk = `local reactor = require("reactor")
local protocol = require("protocol")
local P = protocol.ProcessProtocol:extend()
local function why(reason) return reason.type .. " " .. tostring(reason.value.exit_code) .. " " .. tostring(reason.value.signal) end
function P:out_received(data) io.write("out ", data) end
function P:err_received(data) io.write("err ", data) end
function P:in_connection_lost() print("in lost") end
function P:out_connection_lost() print("out lost") end
function P:err_connection_lost() print("err lost") end
function P:process_exited(reason) print("exited " .. why(reason)) end
function P:process_ended(reason) print("ended " .. why(reason)) reactor.stop() end
`

// inOrder checks that each of lines appears in text, in this order.
func inOrder(lines ...string) check {
	return func(t *testing.T, stream, text string) {
		t.Helper()
		rest := text
		for _, line := range lines {
			i := strings.Index(rest, line+"\n")
			if i < 0 {
				t.Errorf("%s lacks %q after the lines before it:\n%s", stream, line, text)
				return
			}
			rest = rest[i+len(line)+1:]
		}
	}
}

func TestProcessHardeningThroughTheBinary(t *testing.T) {
	t.Parallel()
	const killed = "ended ProcessTerminated nil 9"
	runCLICases(t, []cliCase{
		{name: "signal_process KILL", args: lua(eventsChunk + `
local T = reactor.spawn_process(P(), "sleep", {"sleep", "30"})
reactor.call_later(0, function() T:signal_process("KILL") end)
reactor.run()`), stdout: []check{inOrder("exited ProcessTerminated nil 9", killed), count("ended", 1)}},
		{name: "signal_process 9", args: lua(eventsChunk + `
local T = reactor.spawn_process(P(), "sleep", {"sleep", "30"})
reactor.call_later(0, function() T:signal_process(9) end)
reactor.run()`), stdout: []check{inOrder("exited ProcessTerminated nil 9", killed), count("ended", 1)}},
		{name: "kills itself with signal 9", args: lua(eventsChunk + `
reactor.spawn_process(P(), "sh", {"sh", "-c", "echo before; kill -9 $$; echo after"})
reactor.run()`), // The exit may be seen before the output: they come on different
			// descriptors.
			stdout: []check{contains("out before\n"), inOrder("exited ProcessTerminated nil 9", killed), lacks("after")}},
		// The child closes its stdout, then waits for SIGUSR1, which the
		// script sends only at out_connection_lost: so that came while the
		// child ran (pid still set), however slow the machine.
		{name: "a child that closes stdout and goes on", args: lua(eventsChunk + `
local T
function P:out_connection_lost()
  print("out lost, pid set: " .. tostring(T.pid ~= nil))
  T:signal_process("USR1")
end
T = reactor.spawn_process(P(), "sh", {"sh", "-c", "trap 'echo still-running >&2; exit 0' USR1; exec >&-; while :; do sleep 0.05; done"})
reactor.run()`), stdout: []check{inOrder("out lost, pid set: true", "err still-running", "exited ProcessDone 0 nil", "ended ProcessDone 0 nil"), count("out lost", 1)}},
		// A grandchild holds the three pipes (sh gives a background job
		// /dev/null for stdin, so fd 3 carries it) and waits for a line
		// on stdin, written at process_exited: process_ended waits for it,
		// as in Twisted 22.4.
		{name: "a grandchild holds the pipes", args: lua(eventsChunk + `
local T
function P:process_exited(reason)
  print("exited " .. why(reason))
  T:write("go\n")
end
T = reactor.spawn_process(P(), "sh", {"sh", "-c", "exec 3<&0; (exec 0<&3 3<&-; read x; echo late $x) & exit 0"})
reactor.run()`), stdout: []check{inOrder("exited ProcessDone 0 nil", "out late go", "ended ProcessDone 0 nil"), count("in lost", 1)}},
		// register_producer on the child's stdin: its arguments are
		// checked; a pull producer is resumed at once; once stdin is gone,
		// a producer is told stop_producing at once, as in Twisted.
		{name: "register_producer", args: lua(eventsChunk + `
local T = reactor.spawn_process(P(), "cat", {"cat"})
local prod = {pause_producing = function() end, resume_producing = function() print("resumed") end, stop_producing = function() print("stopped") end}
print(pcall(T.register_producer, T, 1, true))
print(pcall(T.register_producer, T, prod))
print(pcall(T.register_producer, T, prod, false))
T:unregister_producer()
T:close_stdin()
reactor.run()
print(pcall(T.register_producer, T, prod, true))`), stdout: []check{
			contains("bad argument #1 to 'register_producer' (producer expected, got number)\n",
				"bad argument #2 to 'register_producer' (boolean expected, got no value)\n"),
			inOrder("resumed", "true", "in lost", "ended ProcessDone 0 nil", "stopped", "true"), count("stopped", 1)}},
	})
}

// neverReadsChunk writes 10 MiB to a child that never reads its stdin,
// 16 KiB at a time: through a streaming producer when producer is true
// (paused once 64 KiB are queued), else all at once. A timer ticks every
// 10 ms; at the 20th tick the child is sent TERM; at process_ended the
// script says what it wrote and waits for the test to read its peak RSS
// (a line on stdin stops it).
const neverReadsChunk = `local reactor = require("reactor")
local protocol = require("protocol")
local stdio = require("stdio")
local use_producer = %s
local total, chunk = 10 * 1024 * 1024, string.rep("x", 16 * 1024)
local T
local prod = {written = 0, pauses = 0, stops = 0, paused = false, scheduled = false}
function prod:pump()
  self.scheduled = false
  while not self.paused and self.stops == 0 and self.written < total do
    T:write(chunk)
    self.written = self.written + #chunk
  end
end
function prod:schedule()
  if self.scheduled or self.stops > 0 then return end
  self.scheduled = true
  reactor.call_later(0, function() self:pump() end)
end
function prod:pause_producing() self.paused = true self.pauses = self.pauses + 1 end
function prod:resume_producing() self.paused = false self:schedule() end
function prod:stop_producing() self.stops = self.stops + 1 self.paused = true end

local ticks = 0
local P = protocol.ProcessProtocol:extend()
function P:in_connection_lost() print("in lost") end
function P:process_ended(reason)
  print(string.format("ended %%s %%s; written %%d, pauses %%d, stops %%d, ticks %%d",
    reason.type, tostring(reason.value.signal), prod.written, prod.pauses, prod.stops, ticks))
end
T = reactor.spawn_process(P(), "sleep", {"sleep", "30"})
if use_producer then
  T:register_producer(prod, true)
  prod:schedule()
else
  T:write(string.rep(chunk, total / #chunk))
  prod.written = total
end
local function tick()
  ticks = ticks + 1
  if ticks == 20 then T:signal_process("TERM") return end
  reactor.call_later(0.01, tick)
end
reactor.call_later(0.01, tick)
local Stop = protocol.Protocol:extend()
function Stop:data_received() reactor.stop() end
stdio.StandardIO(Stop())
reactor.run()
`

// peakRSS is VmHWM of pid in KiB, from /proc.
func peakRSS(t *testing.T, pid int) int {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skip("no /proc:", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatalf("VmHWM line %q: %v", line, err)
			}
			return kb
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// startPiped starts loopscript with a pipe for stdin, which the returned
// function writes to.
func startPiped(t *testing.T, args ...string) (*proc, func(string)) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	p := startWith(t, func(cmd *exec.Cmd) { cmd.Stdin = r }, args...)
	return p, func(s string) {
		t.Helper()
		if _, err := w.WriteString(s); err != nil {
			t.Fatalf("writing to loopscript's stdin: %v", err)
		}
	}
}

// A child that never reads while the script writes 10 MiB to it: with a
// producer the script is paused after 64 KiB (plus what the pipe took);
// the timer keeps ticking (the child is only ended at the 20th tick);
// the write side ends cleanly at the exit (in_connection_lost, the
// producer told stop_producing once, no error). The peak RSS of both runs
// is logged: the figure for the issue.
func TestProcessHardeningChildNeverReadsStdin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		producer bool
	}{
		{"streaming producer", true},
		{"one 10 MiB write", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, send := startPiped(t, "-e", fmt.Sprintf(neverReadsChunk, strconv.FormatBool(tt.producer)))
			p.waitFor("process_ended", 30*time.Second, func() bool { return strings.Contains(p.stdout.String(), "ended ") })
			rss := peakRSS(t, p.cmd.Process.Pid)
			send("stop\n")
			r := p.wait(10 * time.Second)
			t.Logf("%s: peak RSS %d KiB; %s", tt.name, rss, strings.TrimSpace(r.stdout))
			var written, pauses, stops, ticks int
			var signal string
			line := r.stdout[strings.Index(r.stdout, "ended "):]
			if _, err := fmt.Sscanf(line, "ended ProcessTerminated %s written %d, pauses %d, stops %d, ticks %d", &signal, &written, &pauses, &stops, &ticks); err != nil {
				t.Fatalf("output %q: %v", r.stdout, err)
			}
			if signal != "15;" || ticks != 20 {
				t.Errorf("signal %s, ticks %d: want 15 at the 20th tick", signal, ticks)
			}
			if tt.producer && (pauses == 0 || stops != 1 || written >= 1<<20) {
				t.Errorf("written %d, pauses %d, stops %d: want a pause before 1 MiB and one stop_producing", written, pauses, stops)
			}
			expect(t, r, 0, []check{inOrder("in lost"), count("in lost", 1), count("ended ProcessTerminated 15; ", 1)}, nil)
		})
	}
}

// fleetChunk spawns N cats, ten a turn, once stdin says "spawn", then
// says "in flight" and waits; at "release" it writes each cat its number
// and closes its stdin; once every process_ended has come it checks them
// and says "all ended"; "stop" stops it.
const fleetChunk = `local reactor = require("reactor")
local protocol = require("protocol")
local stdio = require("stdio")
local n = %d
local cats, ended, bad = {}, 0, {}
local Cat = protocol.ProcessProtocol:extend()
function Cat:connection_made() self.out, self.lost = "", 0 end
function Cat:out_received(data) self.out = self.out .. data end
function Cat:in_connection_lost() self.lost = self.lost + 1 end
function Cat:out_connection_lost() self.lost = self.lost + 1 end
function Cat:err_connection_lost() self.lost = self.lost + 1 end
function Cat:process_ended(reason)
  if self.ended then bad[#bad + 1] = self.i .. ": process_ended twice" end
  self.ended = true
  if reason.type ~= "ProcessDone" or self.out ~= tostring(self.i) or self.lost ~= 3 then
    bad[#bad + 1] = self.i .. ": " .. reason.type .. " " .. self.out .. " " .. self.lost
  end
  ended = ended + 1
  if ended == n then print("all ended " .. ended .. ", wrong: " .. #bad .. " " .. table.concat(bad, "; ", 1, math.min(#bad, 5))) end
end
local Control = protocol.Protocol:extend()
function Control:data_received(data)
  for cmd in data:gmatch("%%a+") do
    if cmd == "spawn" then
      -- Ten at a time: each spawn waits for its child's exec, so a
      -- thousand in one callback would hold the loop for seconds.
      local function spawn_from(first)
        for i = first, math.min(first + 9, n) do
          local cat = Cat()
          cat.i = i
          cats[i] = reactor.spawn_process(cat, "cat", {"cat"})
        end
        if first + 10 <= n then
          reactor.call_later(0, spawn_from, first + 10)
        else
          print("in flight " .. n)
        end
      end
      spawn_from(1)
    elseif cmd == "release" then
      for i, t in ipairs(cats) do t:write(tostring(i)) t:close_stdin() end
    elseif cmd == "stop" then
      reactor.stop()
    end
  end
end
stdio.StandardIO(Control())
print("ready")
reactor.run()
`

// fleetSize is how many children TestProcessHardeningThousandChildren
// runs: 1000, or LOOPSCRIPT_PROCESS_FLEET.
func fleetSize(t *testing.T) int {
	if s := os.Getenv("LOOPSCRIPT_PROCESS_FLEET"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("LOOPSCRIPT_PROCESS_FLEET=%q: want a positive count", s)
		}
		return n
	}
	return 1000
}

// fdTargetsOf maps each descriptor of pid to what it is open on, from
// /proc/PID/fd.
func fdTargetsOf(t *testing.T, pid int) map[string]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skip("no /proc:", err)
	}
	targets := map[string]string{}
	for _, e := range entries {
		if target, err := os.Readlink(dir + "/" + e.Name()); err == nil {
			targets[e.Name()] = target
		}
	}
	return targets
}

// A thousand children in flight at once through spawn_process: every
// process_ended arrives with the child's output, no zombie is left and
// loopscript's descriptors are the ones it had before it spawned.
func TestProcessHardeningThousandChildren(t *testing.T) {
	t.Parallel()
	n := fleetSize(t)
	// A turn's ten spawns take 0.1 s on a loaded machine, but seconds when
	// the whole suite runs beside it: the slow-callback warning is not what
	// this test is about.
	p, send := startPiped(t, "--warn-slow", "0", "-e", fmt.Sprintf(fleetChunk, n))
	pid := p.cmd.Process.Pid
	p.waitFor("ready", 10*time.Second, func() bool { return strings.Contains(p.stdout.String(), "ready\n") })
	before := fdTargetsOf(t, pid)
	start := time.Now()
	send("spawn\n")
	// The deadlines only catch a hang: with the suite running beside it,
	// a loaded 2-core machine took a minute to spawn the thousand.
	p.waitFor("in flight", 180*time.Second, func() bool { return strings.Contains(p.stdout.String(), "in flight") })
	spawned := time.Since(start)
	inFlight := len(fdTargetsOf(t, pid))
	send("release\n")
	p.waitFor("all ended", 180*time.Second, func() bool { return strings.Contains(p.stdout.String(), "all ended") })
	ended := time.Since(start)
	after := fdTargetsOf(t, pid)
	zombies := zombiesOf(t, pid)
	rss := peakRSS(t, pid)
	send("stop\n")
	r := p.wait(10 * time.Second)
	t.Logf("%d children: spawned in %v, all ended %v after the first spawn; descriptors %d before, %d in flight, %d after; peak RSS %d KiB",
		n, spawned.Round(time.Millisecond), ended.Round(time.Millisecond), len(before), inFlight, len(after), rss)
	expect(t, r, 0, []check{is(fmt.Sprintf("ready\nin flight %d\nall ended %d, wrong: 0 \n", n, n))}, nil)
	if inFlight < len(before)+3*n {
		t.Errorf("%d descriptors with %d children in flight, %d before: they were not all in flight at once", inFlight, n, len(before))
	}
	var leaked []string
	for fd, target := range after {
		if before[fd] != target {
			leaked = append(leaked, fd+" -> "+target)
		}
	}
	sort.Strings(leaked)
	if len(leaked) > 0 {
		t.Errorf("%d descriptors opened for the children are still open: %v", len(leaked), leaked[:min(len(leaked), 10)])
	}
	if len(zombies) > 0 {
		t.Errorf("%d zombie children after every process_ended: %v", len(zombies), zombies[:min(len(zombies), 10)])
	}
}
