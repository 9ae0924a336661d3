package luabind

import (
	"errors"
	"strings"
	"testing"
)

// asyncRun is what an I/O test's chunk did, on a real clock.
type asyncRun struct {
	out, stderr string
	reports     string // the callback errors and unhandled failures reported
	err         error
	unhandled   int
}

// runAsyncLua runs code as "test.lua" with cfg (its OnError and Stdout
// replaced) on a real clock, then reports the unhandled failures as the
// host does at the end of a run. The chunk sees the reactor, defer, utils,
// endpoints and protocol modules as globals, and a guard that stops a run
// gone wrong after 20 s (printing TIMEOUT).
func runAsyncLua(t *testing.T, cfg Config, code string) asyncRun {
	t.Helper()
	var stderr, reports strings.Builder
	cfg.OnError = func(e *CallbackError) { reports.WriteString(e.Report()) }
	cfg.Stdout = &strings.Builder{} // io.write's, and print's
	cfg.Stderr = &stderr
	L, rt, out := testState(t, cfg)
	const prelude = `reactor, defer, utils, endpoints, protocol = require("reactor"), require("defer"), require("utils"), require("endpoints"), require("protocol")
guard = reactor.call_later(20, function() print("TIMEOUT") reactor.stop() end)
-- finish(d) stops the reactor once d has fired, whichever way (on a later
-- turn: d may have fired before reactor.run).
function finish(d) d:add_both(function(v) if guard:active() then guard:cancel() end reactor.call_later(0, reactor.stop) return v end) end
`
	var run asyncRun
	for _, chunk := range []struct{ name, code string }{{"prelude.lua", prelude}, {"test.lua", code}} {
		fn, err := L.Load(strings.NewReader(chunk.code), chunk.name)
		if err != nil {
			t.Fatalf("load %s: %v", chunk.name, err)
		}
		if run.err = rt.PCall(fn); run.err != nil {
			break
		}
	}
	run.unhandled = rt.ReportUnhandled()
	run.out, run.stderr, run.reports = out.String(), stderr.String(), reports.String()
	return run
}

// asyncCase is one chunk and what it must print; reports, when set, must be
// contained in the reports (otherwise there must be none).
type asyncCase struct {
	name, code, want, reports string
	cfg                       Config
}

func runAsyncCases(t *testing.T, tests []asyncCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := runAsyncLua(t, tc.cfg, tc.code)
			if run.err != nil {
				tb := ""
				if cb, ok := run.err.(*CallbackError); ok {
					tb = cb.Traceback
				}
				t.Fatalf("chunk error: %v\n%s", run.err, tb)
			}
			if run.out != tc.want {
				t.Errorf("output:\n%s\nwant:\n%s", run.out, tc.want)
			}
			if tc.reports == "" && run.reports != "" {
				t.Errorf("unexpected reports:\n%s", run.reports)
			}
			if tc.reports != "" && !strings.Contains(run.reports, tc.reports) {
				t.Errorf("reports:\n%s\nwant them to contain:\n%s", run.reports, tc.reports)
			}
		})
	}
}

func TestUtilsProcesses(t *testing.T) {
	t.Setenv("LOOPSCRIPT_UTILS_TEST", "inherited")
	runAsyncCases(t, []asyncCase{
		{name: "output leaves argv[0] out", code: `
finish(utils.get_process_output("/bin/echo", {"hello", "world"}):add_callback(function(out) print(("%q"):format(out)) end))
reactor.run()`, want: "\"hello world\\\n\"\n"},
		{name: "args may be left out", code: `
finish(utils.get_process_output("/bin/echo"):add_callback(function(out) print(#out, out == "\n") end))
reactor.run()`, want: "1\ttrue\n"},
		{name: "env nil inherits", code: `
finish(utils.get_process_output("/bin/sh", {"-c", "echo $LOOPSCRIPT_UTILS_TEST"}):add_callback(io.write))
reactor.run()`, want: "inherited\n"},
		{name: "env given is the whole environment", code: `
finish(utils.get_process_output("/bin/sh", {"-c", "echo \"[$LOOPSCRIPT_UTILS_TEST][$ONLY]\""}, {env = {ONLY = "me"}}):add_callback(io.write))
reactor.run()`, want: "[][me]\n"},
		{name: "path is the working directory", code: `
finish(utils.get_process_output("/bin/sh", {"-c", "pwd"}, {path = "/"}):add_callback(io.write))
reactor.run()`, want: "/\n"},
		{name: "cat of a file", code: `
finish(utils.get_process_output("/bin/cat", {"/dev/null"}):add_callback(function(out) print(("%q"):format(out)) end))
reactor.run()`, want: "\"\"\n"},
		{name: "value is the exit code", code: `
local codes = {}
local list = {}
for _, c in ipairs({"exit 0", "exit 3", "kill -TERM $$"}) do
  list[#list + 1] = utils.get_process_value("/bin/sh", {"-c", c}):add_callback(function(code) codes[#codes + 1] = c .. "=" .. tostring(code) end)
end
finish(defer.DeferredList(list))
reactor.run()
table.sort(codes)
print(table.concat(codes, " "))`, want: "exit 0=0 exit 3=3 kill -TERM $$=nil\n"},
		{name: "output and value", code: `
finish(utils.get_process_output_and_value("/bin/sh", {"-c", "echo out; echo err >&2; exit 2"}):add_callback(function(r)
  print(("%q %q"):format(r[1], r[2]), r[3], r.signal)
end))
reactor.run()`, want: "\"out\\\n\" \"err\\\n\"\t2\tnil\n"},
		{name: "output and value of a killed process: code nil, signal set", code: `
finish(utils.get_process_output_and_value("/bin/sh", {"-c", "echo x; kill -KILL $$"}):add_callback(function(r)
  print(("%q"):format(r[1]), r[3], r.signal)
end))
reactor.run()`, want: "\"x\\\n\"\tnil\t9\n"},
		{name: "stderr fails the output, and no stray report follows", code: `
local d = utils.get_process_output("/bin/sh", {"-c", "echo partial; echo oops >&2; exit 0"})
d:add_errback(function(f)
  print(f.type, f:get_error_message())
  print(("%q"):format(f.value.text), f:check("IOError"), f:check(utils.UnexpectedErrorOutput) == utils.UnexpectedErrorOutput)
end)
reactor.call_later(0.5, reactor.stop) -- the process ends meanwhile
reactor.run()
print(tostring(d.called))`, want: "_UnexpectedErrorOutput\tgot stderr: b'oops\\n'\n\"oops\\\n\"\tIOError\ttrue\ntrue\n"},
		{name: "stderr message is Python's repr of the bytes", code: `
finish(utils.get_process_output("/bin/sh", {"-c", [[printf "a'b\t\001\377\\" >&2]]}):add_errback(function(f) print(f:get_error_message()) end))
reactor.run()`, want: `got stderr: b"a'b\t\x01\xff\\"` + "\n"},
		{name: "process_ended errbacks with the process's reason", code: `
local d = utils.get_process_output("/bin/sh", {"-c", "echo oops >&2; exit 4"})
finish(d:add_errback(function(f)
  return f.value.process_ended:add_errback(function(r) print(r.type, r.value.exit_code or r.value.signal) end)
end))
reactor.run()`, want: "ProcessTerminated\t4\n"},
		{name: "process_ended read after the end", code: `
local d = utils.get_process_output("/bin/sh", {"-c", "echo oops >&2"})
local failure
d:add_errback(function(f) failure = f end)
reactor.call_later(0.5, reactor.stop)
reactor.run()
local pe = failure.value.process_ended
print(pe.called, pe == failure.value.process_ended)
pe:add_errback(function(r) print(r:check("ProcessDone", "ProcessTerminated") ~= nil) end)`, want: "true\ttrue\ntrue\n"},
		{name: "errortoo keeps stderr in the output", code: `
finish(utils.get_process_output("/bin/sh", {"-c", "echo a; echo b >&2"}, {errortoo = true}):add_callback(function(out)
  local lines = {}
  for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
  table.sort(lines)
  print(table.concat(lines, ","))
end))
reactor.run()`, want: "a,b\n"},
		{name: "an unhandled stderr failure is reported once", code: `
utils.get_process_output("/bin/sh", {"-c", "echo oops >&2"})
reactor.call_later(0.5, reactor.stop)
reactor.run()`, want: "", reports: "Unhandled error in Deferred:\nFailure: _UnexpectedErrorOutput: got stderr: b'oops\\n'"},
	})
}

// The stray report the contract rules out: without errortoo, an output on
// stderr must leave nothing unhandled once the script handled the failure.
func TestUtilsStderrLeavesNothingUnhandled(t *testing.T) {
	run := runAsyncLua(t, Config{}, `
utils.get_process_output("/bin/sh", {"-c", "echo oops >&2; sleep 0.1; echo more"}):add_errback(function() end)
reactor.call_later(1, reactor.stop)
reactor.run()`)
	if run.err != nil || run.unhandled != 0 || run.reports != "" {
		t.Errorf("err %v, %d unhandled, reports:\n%s", run.err, run.unhandled, run.reports)
	}
}

func TestUtilsErrors(t *testing.T) {
	refuse := Config{AllowIO: func(q IORequest) error {
		return errors.New("not allowed in the sandbox (" + string(q.Kind) + ")")
	}}
	tests := []struct {
		name, code, want string
		cfg              Config
	}{
		{"executable", `utils.get_process_output(nil)`, "test.lua:1: bad argument #1 to 'get_process_output' (string expected, got nil)", Config{}},
		{"executable zero", `utils.get_process_value("a\0b")`, "test.lua:1: bad argument #1 to 'get_process_value' (string with no embedded zeros expected)", Config{}},
		{"args type", `utils.get_process_output("/bin/echo", "x")`, "test.lua:1: bad argument #2 to 'get_process_output' (table expected, got string)", Config{}},
		{"args item", `utils.get_process_output_and_value("/bin/echo", {"a", 2})`, "test.lua:1: bad argument #2 to 'get_process_output_and_value' (string expected at index 2, got number)", Config{}},
		{"options type", `utils.get_process_output("/bin/echo", {}, 1)`, "test.lua:1: bad argument #3 to 'get_process_output' (table expected, got number)", Config{}},
		{"env value", `utils.get_process_output("/bin/echo", {}, {env = {A = 1}})`, "test.lua:1: bad argument #3 to 'get_process_output' (string expected for env.A, got number)", Config{}},
		{"env name", `utils.get_process_output("/bin/echo", {}, {env = {["A=B"] = "x"}})`, "test.lua:1: bad argument #3 to 'get_process_output' (env name 'A=B' is empty or contains '=')", Config{}},
		{"errortoo only for output", `utils.get_process_value("/bin/echo", {}, {errortoo = true})`, "test.lua:1: bad argument #3 to 'get_process_value' (unknown option 'errortoo'; the options are env, path)", Config{}},
		{"errortoo type", `utils.get_process_output("/bin/echo", {}, {errortoo = 1})`, "test.lua:1: bad argument #3 to 'get_process_output' (boolean expected for errortoo, got number)", Config{}},
		{"cannot run", `utils.get_process_output("/nonexistent/prog")`, "test.lua:1: get_process_output: cannot run '/nonexistent/prog': no such file or directory", Config{}},
		{"sandbox", `utils.get_process_value("/bin/true")`, "test.lua:1: get_process_value: not allowed in the sandbox (process)", refuse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := runAsyncLua(t, tc.cfg, tc.code)
			if run.err == nil {
				t.Fatalf("no error; output %q", run.out)
			}
			if got := run.err.Error(); got != tc.want {
				t.Errorf("error\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
