package luabind

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/loopscript/loopscript/reactor"
)

// processPrelude is loaded before each process test's chunk: globals for
// the modules, a guard that stops a run gone wrong, and Recorder, a
// ProcessProtocol that logs its events and what it received.
const processPrelude = `
reactor = require("reactor")
protocol = require("protocol")
errors = require("errors")
reactor.call_later(20, function() print("TIMEOUT") reactor.stop() end)

Recorder = protocol.ProcessProtocol:extend()
function Recorder:init(on_end)
  self.events, self.out, self.err = {}, {}, {}
  self.on_end = on_end or function() reactor.stop() end
end
function Recorder:note(e) self.events[#self.events + 1] = e end
function Recorder:connection_made() self:note("connection_made") self.pid = self.transport.pid end
function Recorder:out_received(d) self.out[#self.out + 1] = d self:note("out") end
function Recorder:err_received(d) self.err[#self.err + 1] = d self:note("err") end
function Recorder:in_connection_lost() self:note("in_lost") end
function Recorder:out_connection_lost() self:note("out_lost") end
function Recorder:err_connection_lost() self:note("err_lost") end
function Recorder:process_exited(r) self:note("exited") self.exited = r self.pid_at_exit = self.transport.pid end
function Recorder:process_ended(r) self:note("ended") self.ended = r self:on_end(r) end
function Recorder:output() return table.concat(self.out) end
function Recorder:errors() return table.concat(self.err) end

-- describe is a reason in one line: class, exit code, signal, message.
function describe(r)
  return string.format("%s exit_code=%s signal=%s: %s", r.type, tostring(r.value.exit_code),
    tostring(r.value.signal), r:get_error_message())
end

-- check_order says what breaks the ordering rules in a Recorder's events:
-- connection_made first, every output before its pipe's loss, each pipe
-- lost once, exited once and before ended, ended last.
function check_order(events)
  local count, last = {}, {}
  for i, e in ipairs(events) do
    count[e] = (count[e] or 0) + 1
    last[e] = i
  end
  if events[1] ~= "connection_made" then return "first event " .. tostring(events[1]) end
  if events[#events] ~= "ended" then return "last event " .. tostring(events[#events]) end
  for _, e in ipairs({"connection_made", "in_lost", "out_lost", "err_lost", "exited", "ended"}) do
    if count[e] ~= 1 then return e .. " came " .. tostring(count[e] or 0) .. " times" end
  end
  if last.exited > last.ended then return "exited after ended" end
  if (last.out or 0) > last.out_lost then return "output after out_lost" end
  if (last.err or 0) > last.err_lost then return "stderr output after err_lost" end
  return "ok"
end
`

// processRun is what a process test's chunk did.
type processRun struct {
	result
	rt *Runtime
}

// runProcessLua runs code after processPrelude on a fresh state with a
// real clock (children run in real time), with cfg's Reactor and AllowIO.
// The chunk sees count_readers(v): how many descriptors the reactor
// watches for reading or writing that get_readers would show as v.
func runProcessLua(t *testing.T, cfg Config, code string) processRun {
	t.Helper()
	var run processRun
	cfg.OnError = func(e *CallbackError) { run.reports = append(run.reports, e) }
	cfg.Stdout = &strings.Builder{} // io.write's, and print's
	L, rt, out := testState(t, cfg)
	run.rt = rt
	L.SetGlobal("count_readers", L.NewFunction(countWatched(rt)))
	for _, chunk := range []struct{ name, code string }{{"prelude.lua", processPrelude}, {"test.lua", code}} {
		fn, err := L.Load(strings.NewReader(chunk.code), chunk.name)
		if err != nil {
			t.Fatalf("load %s: %v", chunk.name, err)
		}
		if run.err = rt.PCall(fn); run.err != nil {
			break
		}
	}
	run.out = out.String()
	return run
}

// expectClean fails the test for a chunk error, a reported error or a
// timeout.
func (run processRun) expectClean(t *testing.T) {
	t.Helper()
	if run.err != nil {
		t.Fatalf("error: %v\noutput:\n%s", run.err, run.out)
	}
	if len(run.reports) > 0 {
		t.Errorf("unexpected reports:\n%s", run.reportText())
	}
	if strings.Contains(run.out, "TIMEOUT") {
		t.Fatalf("the run timed out:\n%s", run.out)
	}
}

func TestSpawnProcessExitStatus(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"exit 0", `local p = Recorder() reactor.spawn_process(p, "/bin/sh", {"sh", "-c", "exit 0"})
reactor.run() print(describe(p.exited)) print(describe(p.ended))`,
			"ProcessDone exit_code=0 signal=nil: A process has ended without apparent errors: process finished with exit code 0.\n" +
				"ProcessDone exit_code=0 signal=nil: A process has ended without apparent errors: process finished with exit code 0.\n"},
		{"exit 3", `local p = Recorder() reactor.spawn_process(p, "/bin/sh", {"sh", "-c", "exit 3"})
reactor.run() print(describe(p.ended), p.ended.value.status, p.ended:check("ConnectionLost") ~= nil)`,
			"ProcessTerminated exit_code=3 signal=nil: A process has ended with a probable error condition: process ended with exit code 3.\t768\ttrue\n"},
		{"killed by TERM", `local p = Recorder() local t = reactor.spawn_process(p, "sleep", {"sleep", "30"})
t:signal_process("TERM")
reactor.run() print(describe(p.ended), p.ended.value.status)`,
			"ProcessTerminated exit_code=nil signal=15: A process has ended with a probable error condition: process ended by signal 15.\t15\n"},
		{"killed by KILL", `local p = Recorder() local t = reactor.spawn_process(p, "sleep", {"sleep", "30"})
reactor.call_later(0.05, function() t:signal_process("KILL") end)
reactor.run() print(describe(p.ended))`,
			"ProcessTerminated exit_code=nil signal=9: A process has ended with a probable error condition: process ended by signal 9.\n"},
		{"signals by number and with SIG", `local p = Recorder() local t = reactor.spawn_process(p, "sleep", {"sleep", "30"})
t:signal_process(0) t:signal_process("SIGINT")
reactor.run() print(describe(p.ended))`,
			"ProcessTerminated exit_code=nil signal=2: A process has ended with a probable error condition: process ended by signal 2.\n"},
		{"a signal after the exit raises ProcessExitedAlready", `local p = Recorder(function(self)
  local ok, e = pcall(self.transport.signal_process, self.transport, "TERM")
  print(ok, getmetatable(e) == errors.ProcessExitedAlready, tostring(e), self.transport.pid)
  reactor.stop()
end)
reactor.spawn_process(p, "/bin/true", {"true"})
reactor.run()`,
			"false\ttrue\tThe process has already exited and the operation requested can no longer be performed.\tnil\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := runProcessLua(t, Config{}, tt.code)
			run.expectClean(t)
			if run.out != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", run.out, tt.want)
			}
		})
	}
}

// TestSpawnProcessOrder checks the ordering rules on every poller for a
// child that reads its stdin, one that writes both outputs, and one killed
// while its pipes are open.
func TestSpawnProcessOrder(t *testing.T) {
	code := `
local all, ended = {}, 0
local function finish() ended = ended + 1 if ended == #all then reactor.stop() end end
local function spawn(exe, args) local p = Recorder(finish) all[#all + 1] = p
  return reactor.spawn_process(p, exe, args), p end
local t = spawn("cat", {"cat"}) t:write("x") t:close_stdin()
spawn("/bin/sh", {"sh", "-c", "echo out; echo err >&2; exit 2"})
local k = spawn("sleep", {"sleep", "30"})
reactor.call_later(0.05, function() k:signal_process("KILL") end)
reactor.run()
for i, p in ipairs(all) do
  print(i, check_order(p.events), type(p.pid), p.pid_at_exit, p.exited == p.ended or p.exited.type == p.ended.type)
end
print(all[1]:output(), all[2]:output(), all[2]:errors())`
	want := "1\tok\tnumber\tnil\ttrue\n2\tok\tnumber\tnil\ttrue\n3\tok\tnumber\tnil\ttrue\nx\tout\n\terr\n\n"
	for _, kind := range reactor.PollerNames {
		t.Run(kind, func(t *testing.T) {
			run := runProcessLua(t, Config{Reactor: kind}, code)
			run.expectClean(t)
			if run.out != want {
				t.Errorf("output:\n%s\nwant:\n%s", run.out, want)
			}
		})
	}
}

func TestSpawnProcessCatEchoesBinaryData(t *testing.T) {
	run := runProcessLua(t, Config{}, `
local bytes = {}
for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
local data = table.concat(bytes):rep(1000) -- 256 kB, beyond a pipe's buffer
local p = Recorder()
local t = reactor.spawn_process(p, "cat", {"cat"})
t:write(data:sub(1, 1000)) t:write(data:sub(1001)) t:write(42) t:close_stdin()
t:write("dropped: stdin is closing")
reactor.run()
print(p:output() == data .. "42", #p:output(), describe(p.ended))`)
	run.expectClean(t)
	want := "true\t256002\tProcessDone exit_code=0 signal=nil: A process has ended without apparent errors: process finished with exit code 0.\n"
	if run.out != want {
		t.Errorf("output:\n%s\nwant:\n%s", run.out, want)
	}
}

// writeExecutable makes dir/name, a shell script that prints what it is.
func writeExecutable(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\necho \"I am $0\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestSpawnProcessPathLookup(t *testing.T) {
	dir := t.TempDir()
	writeExecutable(t, dir, "loopscript-hello")
	// The parent's PATH: what a child with env nil inherits and what the
	// lookup uses then.
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	tests := []struct {
		name, opts, want string
	}{
		{"env nil: the parent's PATH", `nil`, "I am " + dir + "/loopscript-hello\n"},
		{"env.PATH given", `{env = {PATH = "` + dir + `"}}`, "I am " + dir + "/loopscript-hello\n"},
		{"env.PATH without the program", `{env = {PATH = "/nonexistent:/bin:/usr/bin"}}`,
			"spawn_process: cannot run 'loopscript-hello': no such file or directory\n"},
		{"env without PATH: /bin:/usr/bin", `{env = {}}`,
			"spawn_process: cannot run 'loopscript-hello': no such file or directory\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := runProcessLua(t, Config{}, `
local p = Recorder()
local ok, err = pcall(reactor.spawn_process, p, "loopscript-hello", {"loopscript-hello"}, `+tt.opts+`)
if not ok then print((err:gsub("^test.lua:%d+: ", ""))) return end
reactor.run()
io.write(p:output())`)
			run.expectClean(t)
			if run.out != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", run.out, tt.want)
			}
		})
	}
	t.Run("env without PATH still finds /bin's programs", func(t *testing.T) {
		run := runProcessLua(t, Config{}, `local p = Recorder()
reactor.spawn_process(p, "sh", {"sh", "-c", "echo found"}, {env = {}}) reactor.run() io.write(p:output())`)
		run.expectClean(t)
		if run.out != "found\n" {
			t.Errorf("output %q, want \"found\\n\"", run.out)
		}
	})
}

func TestSpawnProcessEnvironmentAndDirectory(t *testing.T) {
	t.Setenv("LOOPSCRIPT_PROCESS_TEST", "inherited")
	dir := t.TempDir()
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, exe, args, opts, want string
	}{
		{"env nil inherits", "/bin/sh", `{"sh", "-c", "echo $LOOPSCRIPT_PROCESS_TEST"}`, `nil`, "inherited\n"},
		{"env given is all the child gets", "/usr/bin/env", `{"env"}`, `{env = {B = "2", A = "one = 1"}}`, "A=one = 1\nB=2\n"},
		{"empty env", "/usr/bin/env", `{"env"}`, `{env = {}}`, ""},
		{"path is the working directory", "/bin/sh", `{"sh", "-c", "pwd -P"}`, `{path = "` + dir + `"}`, realDir + "\n"},
		{"argv[0] is args[1]", "/bin/sh", `{"my-name", "-c", "head -c 7 /proc/$$/cmdline; echo $0 $1", "zero", "o n e"}`, `nil`, "my-namezero o n e\n"},
		{"empty args: argv[0] is the executable", "/bin/echo", `{}`, `nil`, "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := runProcessLua(t, Config{}, `local p = Recorder()
reactor.spawn_process(p, "`+tt.exe+`", `+tt.args+`, `+tt.opts+`) reactor.run() io.write(p:output())`)
			run.expectClean(t)
			if run.out != tt.want {
				t.Errorf("output %q, want %q", run.out, tt.want)
			}
		})
	}
}

func TestSpawnProcessMissingDirectory(t *testing.T) {
	run := runProcessLua(t, Config{}, `local p = Recorder()
print(pcall(reactor.spawn_process, p, "/bin/true", {"true"}, {path = "/nonexistent/dir"}))
print(#p.events)`)
	want := "false\ttest.lua:2: spawn_process: cannot run '/bin/true': no such file or directory\n0\n"
	if run.err != nil || run.out != want {
		t.Errorf("output:\n%s(error %v)\nwant:\n%s", run.out, run.err, want)
	}
}

// zombieChildren lists this process's children that have exited and not
// been reaped, from /proc.
func zombieChildren(t *testing.T) []int {
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
		if len(fields) > 1 && fields[0] == "Z" && fields[1] == strconv.Itoa(os.Getpid()) {
			zombies = append(zombies, pid)
		}
	}
	return zombies
}

func TestSpawnProcessLeavesNoZombie(t *testing.T) {
	for _, kind := range reactor.PollerNames {
		t.Run(kind, func(t *testing.T) {
			run := runProcessLua(t, Config{Reactor: kind}, `
local n, pids = 0, {}
for i = 1, 10 do
  local p = Recorder(function(self) n = n + 1 if n == 10 then reactor.stop() end end)
  pids[i] = reactor.spawn_process(p, "/bin/sh", {"sh", "-c", "exit " .. i}).pid
end
reactor.run()
print(n, table.concat(pids, " "))`)
			run.expectClean(t)
			fields := strings.Fields(run.out)
			if len(fields) != 11 || fields[0] != "10" {
				t.Fatalf("output %q, want 10 ended processes and their pids", run.out)
			}
			ours := map[int]bool{}
			for _, f := range fields[1:] {
				pid, _ := strconv.Atoi(f)
				ours[pid] = true
			}
			for _, z := range zombieChildren(t) {
				if ours[z] {
					t.Errorf("child %d is a zombie after its process_ended", z)
				}
			}
		})
	}
}

// TestSpawnProcessWriteToChildThatNeverReads: 10 MiB written to a child
// that never reads its stdin returns at once and stalls nothing; the
// timers keep firing and the child's output keeps arriving until it exits,
// when the unwritten rest is dropped with stdin's loss.
func TestSpawnProcessWriteToChildThatNeverReads(t *testing.T) {
	run := runProcessLua(t, Config{}, `
local ticks = 0
local ticker = require("task").looping_call(function() ticks = ticks + 1 end)
local p = Recorder()
local wrote
function p:connection_made()
  Recorder.connection_made(self)
  local before = reactor.seconds()
  self.transport:write(string.rep("x", 10 * 1024 * 1024))
  wrote = reactor.seconds() - before
  ticker:start(0.02)
end
reactor.spawn_process(p, "/bin/sh", {"sh", "-c", "echo started; sleep 0.6; echo done"})
reactor.run()
ticker:stop()
print(check_order(p.events), p:output() == "started\ndone\n", describe(p.ended))
print(wrote < 0.5, ticks >= 5, "ticks " .. ticks, "write took " .. wrote)`)
	run.expectClean(t)
	lines := strings.Split(run.out, "\n")
	if len(lines) < 2 || lines[0] != "ok\ttrue\tProcessDone exit_code=0 signal=nil: A process has ended without apparent errors: process finished with exit code 0." ||
		!strings.HasPrefix(lines[1], "true\ttrue\t") {
		t.Errorf("output:\n%s\nwant the order ok, both lines of output, ProcessDone, a quick write and at least 5 ticks", run.out)
	}
	t.Logf("while the child ran: %s", lines[1])
}

func TestSpawnProcessInsideProcessEnded(t *testing.T) {
	run := runProcessLua(t, Config{}, `
local second = Recorder()
local first = Recorder(function()
  print("first ended")
  reactor.spawn_process(second, "/bin/sh", {"sh", "-c", "echo second"})
end)
reactor.spawn_process(first, "/bin/true", {"true"})
reactor.run()
print(check_order(second.events), second:output())`)
	run.expectClean(t)
	if want := "first ended\nok\tsecond\n\n"; run.out != want {
		t.Errorf("output %q, want %q", run.out, want)
	}
}

// TestSpawnProcessReaders: the reactor's watched pipes map to the script's
// transport (get_readers lists it, never the Go objects), and nothing of the
// process is left in the map once it has ended.
func TestSpawnProcessReaders(t *testing.T) {
	run := runProcessLua(t, Config{}, `
local p = Recorder()
local t = reactor.spawn_process(p, "cat", {"cat"})
print("running", count_readers(t))
function p:in_connection_lost() Recorder.in_connection_lost(self) print("stdin closed", count_readers(t)) end
reactor.call_later(0.05, function() t:close_stdin() end)
reactor.run()
print("ended", count_readers(t))`)
	run.expectClean(t)
	if want := "running\t3\nstdin closed\t2\nended\t0\n"; run.out != want {
		t.Errorf("output %q, want %q", run.out, want)
	}
	if n := len(run.rt.ioObjects); n != 0 {
		t.Errorf("%d descriptors still remembered after the process ended", n)
	}
}

// TestSpawnProcessCallbackErrors: an error in a protocol method is
// reported once; one in connection_made leaves the process running (as
// Twisted's log.err); one in out_received closes stdout.
func TestSpawnProcessCallbackErrors(t *testing.T) {
	tests := []struct {
		name, method, code, want string
	}{
		{"connection_made", "connection_made", `
function P:connection_made() Recorder.connection_made(self) error("made fails") end
local t = reactor.spawn_process(p, "/bin/sh", {"sh", "-c", "echo hi"})
print("spawn_process returned", tostring(t) == tostring(p.transport))`,
			"spawn_process returned\ttrue\nok\thi\n\tProcessDone\n"},
		{"out_received closes stdout", "out_received", `
function P:out_received(d) Recorder.out_received(self, d) error("out fails") end
reactor.spawn_process(p, "/bin/sh", {"sh", "-c", "echo hi; sleep 0.2; echo more"})`,
			"ok\thi\n\tProcessTerminated\n"},
		{"err_received", "err_received", `
function P:err_received(d) Recorder.err_received(self, d) error("err fails") end
reactor.spawn_process(p, "/bin/sh", {"sh", "-c", "echo oops >&2"})`,
			"ok\t\tProcessDone\n"},
		{"process_exited", "process_exited", `
function P:process_exited(r) Recorder.process_exited(self, r) error("exited fails") end
reactor.spawn_process(p, "/bin/true", {"true"})`,
			"ok\t\tProcessDone\n"},
		{"in_connection_lost", "in_connection_lost", `
function P:in_connection_lost() Recorder.in_connection_lost(self) error("lost fails") end
local t = reactor.spawn_process(p, "cat", {"cat"}) t:close_stdin()`,
			"ok\t\tProcessDone\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := runProcessLua(t, Config{}, `
P = Recorder:extend()
p = P()`+tt.code+`
reactor.run()
print(check_order(p.events), p:output(), p.ended.type)`)
			if run.err != nil {
				t.Fatalf("error: %v", run.err)
			}
			if run.out != tt.want {
				t.Errorf("output %q, want %q", run.out, tt.want)
			}
			if len(run.reports) != 1 {
				t.Fatalf("%d reports, want 1:\n%s", len(run.reports), run.reportText())
			}
			if report := run.reports[0].Report(); !strings.Contains(report, "fails") || !strings.Contains(report, tt.method) {
				t.Errorf("report does not name %s and its error:\n%s", tt.method, report)
			}
		})
	}
}

// TestSpawnProcessAtStop: stopping the reactor closes the pipes of a child
// still running (each loss once), calls neither process_exited nor
// process_ended, and leaves the child running, as Twisted does.
func TestSpawnProcessAtStop(t *testing.T) {
	run := runProcessLua(t, Config{}, `
local p = Recorder()
local t = reactor.spawn_process(p, "sleep", {"sleep", "30"})
pid = t.pid
reactor.call_later(0.05, reactor.stop)
reactor.run()
table.sort(p.events)
print(table.concat(p.events, " "))
print(pid)`)
	run.expectClean(t)
	lines := strings.Split(run.out, "\n")
	if lines[0] != "connection_made err_lost in_lost out_lost" {
		t.Errorf("events %q, want the connection and the three losses only", lines[0])
	}
	pid, err := strconv.Atoi(lines[1])
	if err != nil {
		t.Fatalf("no pid in the output %q", run.out)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		t.Errorf("the child %d is gone after the stop; it should be left running", pid)
	}
	// The reactor left a goroutine waiting for it: killing it lets that
	// reap it.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Errorf("kill %d: %v", pid, err)
	}
}

func TestSpawnProcessAllowIO(t *testing.T) {
	// AllowIO sees the programs' real paths (/bin may be a link to /usr/bin).
	realTrue, errTrue := filepath.EvalSymlinks("/bin/true")
	realEcho, errEcho := filepath.EvalSymlinks("/bin/echo")
	if errTrue != nil || errEcho != nil {
		t.Skip("no /bin/true or /bin/echo")
	}
	var asked []IORequest
	cfg := Config{AllowIO: func(q IORequest) error {
		asked = append(asked, q)
		if q.Target != realTrue {
			return fmt.Errorf("not allowed in the sandbox (%s)", q.Kind)
		}
		return nil
	}}
	run := runProcessLua(t, cfg, `
print(pcall(reactor.spawn_process, Recorder(), "/bin/echo", {"echo"}))
local p = Recorder()
reactor.spawn_process(p, "/bin/true", {"true"})
reactor.run()
print(p.ended.type)`)
	run.expectClean(t)
	want := "false\ttest.lua:2: spawn_process: not allowed in the sandbox (process)\nProcessDone\n"
	if run.out != want {
		t.Errorf("output:\n%s\nwant:\n%s", run.out, want)
	}
	wantAsked := []IORequest{
		{Function: "spawn_process", Kind: IOProcess, Target: realEcho},
		{Function: "spawn_process", Kind: IOProcess, Target: realTrue},
	}
	if fmt.Sprint(asked) != fmt.Sprint(wantAsked) {
		t.Errorf("AllowIO asked %v, want %v", asked, wantAsked)
	}
}

// transportCall is a chunk that calls a method of a /bin/true's transport
// t with code, then runs the reactor until the child has ended (no zombie
// is left behind) and raises the method's error again.
func transportCall(code string) string {
	return `local t = reactor.spawn_process(Recorder(), "/bin/true", {})
local ok, err = pcall(function() ` + code + ` end)
reactor.run()
if not ok then error(err, 0) end`
}

func TestSpawnProcessArgumentErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`reactor.spawn_process()`, "bad argument #1 to 'spawn_process' (table expected, got no value)"},
		{`reactor.spawn_process("pp", "/bin/true", {})`, "bad argument #1 to 'spawn_process' (table expected, got string)"},
		{`reactor:spawn_process(Recorder(), "/bin/true", {})`,
			"bad argument #1 to 'spawn_process' (ProcessProtocol expected, got the reactor module; use reactor.spawn_process, not reactor:spawn_process)"},
		{`reactor.spawn_process(Recorder(), 5, {})`, "bad argument #2 to 'spawn_process' (string expected, got number)"},
		{`reactor.spawn_process(Recorder())`, "bad argument #2 to 'spawn_process' (string expected, got no value)"},
		{`reactor.spawn_process(Recorder(), "/bin/tr\0ue", {})`, "bad argument #2 to 'spawn_process' (string with no embedded zeros expected)"},
		{`reactor.spawn_process(Recorder(), "/bin/true")`, "bad argument #3 to 'spawn_process' (table expected, got no value)"},
		{`reactor.spawn_process(Recorder(), "/bin/true", "true")`, "bad argument #3 to 'spawn_process' (table expected, got string)"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {"true", 2})`, "bad argument #3 to 'spawn_process' (string expected at index 2, got number)"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {"true", {}})`, "bad argument #3 to 'spawn_process' (string expected at index 2, got table)"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {"a\0"})`, "bad argument #3 to 'spawn_process' (string with no embedded zeros expected at index 1)"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {}, "env")`, "bad argument #4 to 'spawn_process' (table expected, got string)"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {}, {cwd = "/"})`, "bad argument #4 to 'spawn_process' (unknown option 'cwd')"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {}, {"/"})`, "bad argument #4 to 'spawn_process' (string expected for an option name, got number)"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {}, {env = "A=1"})`, "bad argument #4 to 'spawn_process' (table expected for env, got string)"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {}, {env = {A = 1}})`, "bad argument #4 to 'spawn_process' (string expected for env.A, got number)"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {}, {env = {"x"}})`, "bad argument #4 to 'spawn_process' (string expected for an env name, got number)"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {}, {env = {["A=B"] = "x"}})`, "bad argument #4 to 'spawn_process' (env name 'A=B' is empty or contains '=')"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {}, {env = {A = "\0"}})`, "bad argument #4 to 'spawn_process' (string with no embedded zeros expected for env.A)"},
		{`reactor.spawn_process(Recorder(), "/bin/true", {}, {path = 1})`, "bad argument #4 to 'spawn_process' (string expected for path, got number)"},
		{`reactor.spawn_process(Recorder(), "/nonexistent/program", {})`, "test.lua:1: spawn_process: cannot run '/nonexistent/program': no such file or directory"},
		{`reactor.spawn_process(Recorder(), "no-such-program-anywhere", {})`, "spawn_process: cannot run 'no-such-program-anywhere': no such file or directory"},
		{`reactor.spawn_process(Recorder(), "/etc/passwd", {})`, "spawn_process: cannot run '/etc/passwd': permission denied"},
		{`reactor.spawn_process(Recorder(), "/", {})`, "spawn_process: cannot run '/': permission denied"},
		// The transport's methods: see transportCall.
		{transportCall(`t:signal_process("FOO")`), "bad argument #1 to 'signal_process' (unknown signal 'FOO')"},
		{transportCall(`t:signal_process(1.5)`), "bad argument #1 to 'signal_process' (unknown signal 1.5)"},
		{transportCall(`t:signal_process(65)`), "bad argument #1 to 'signal_process' (unknown signal 65)"},
		{transportCall(`t:signal_process(-1)`), "bad argument #1 to 'signal_process' (unknown signal -1)"},
		{transportCall(`t:signal_process(0/0)`), "bad argument #1 to 'signal_process' (unknown signal nan)"},
		{transportCall(`t:signal_process()`), "bad argument #1 to 'signal_process' (string or number expected, got no value)"},
		{transportCall(`t.signal_process("TERM")`), "bad argument #1 to 'signal_process' (ProcessTransport expected, got string; use transport:signal_process, not transport.signal_process)"},
		{transportCall(`t:write({})`), "bad argument #1 to 'write' (string expected, got table)"},
		{transportCall(`t:write()`), "bad argument #1 to 'write' (string expected, got no value)"},
		{transportCall(`t.close_stdin()`), "bad argument #1 to 'close_stdin' (ProcessTransport expected, got no value; use transport:close_stdin, not transport.close_stdin)"},
		{transportCall(`return t.pidd`), "ProcessTransport has no field 'pidd' (did you mean 'pid'?)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			run := runProcessLua(t, Config{}, tt.code)
			if run.err == nil || !strings.Contains(run.err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", run.err, tt.want)
			}
			if strings.Contains(run.err.Error(), "goroutine") {
				t.Errorf("a Go panic: %v", run.err)
			}
		})
	}
}
