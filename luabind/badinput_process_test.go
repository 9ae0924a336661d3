package luabind

import "testing"

// Bad input at spawn_process and the process transport: wrong self and
// arguments, calls after the end, a spawn from process_ended, callbacks
// that are not functions. Every child's process_ended comes.
func TestBadInputProcess(t *testing.T) {
	runBadInputCases(t, []badInputCase{
		{name: "transport methods, after the end, and a spawn from process_ended", code: `
local P = protocol.ProcessProtocol:extend()
local ended = 0
function P:connection_made()
  local t = self.transport
  try(t.write, "x")
  try(t.write, t, {})
  try(t.signal_process, t, 0/0)
  try(t.signal_process, t, "NOPE")
  try(t.signal_process, t, true)
  try(t.close_stdin)
  try(t.write, t, "hi")
  t:close_stdin()
end
function P:process_ended(r)
  local t = self.transport
  ended = ended + 1
  say("ended", r.type, t.pid)
  try(t.write, t, "late")
  try(t.close_stdin, t)
  try(t.lose_connection, t)
  try(t.signal_process, t, "KILL")
  if ended == 1 then
    reactor.spawn_process(P(), "/bin/cat", {"cat"})
  else
    show() reactor.stop()
  end
end
try(reactor.spawn_process, P(), "/bin/cat", "cat")
try(reactor.spawn_process, P(), "/bin/cat", {1})
try(reactor.spawn_process, P(), "/bin/cat", {"cat"}, {env = {A = 1}})
try(reactor.spawn_process, P(), "/bin/cat", {"cat"}, {nope = 1})
try(reactor.spawn_process, P(), "", {})
try(reactor.spawn_process, 5, "/bin/cat", {})
reactor.spawn_process(P(), "/bin/cat", {"cat"})
reactor.run()`, want: `bad argument #3 to 'spawn_process' (table expected, got string)
bad argument #3 to 'spawn_process' (string expected at index 1, got number)
bad argument #4 to 'spawn_process' (string expected for env.A, got number)
bad argument #4 to 'spawn_process' (unknown option 'nope')
spawn_process: cannot run '': no such file or directory
bad argument #1 to 'spawn_process' (table expected, got number)
` + processTransportChecks + processTransportChecks + "ended ProcessDone nil\nended ProcessDone nil\n"},
		{name: "callbacks that are not functions", code: `
-- (out_received and process_exited come in no fixed order: one of them.)
local P = protocol.ProcessProtocol:extend{connection_made = 1, process_exited = {}}
function P:process_ended(r) say("ended", r.type) show() reactor.stop() end
reactor.spawn_process(P(), "/bin/echo", {"echo", "hi"})
reactor.run()`, want: "ended ProcessDone\n", reports: []string{"attempt to call method 'connection_made' (a number value)",
			"attempt to call method 'process_exited' (a table value)"}},
	})
}

// processTransportChecks is what the first case prints for each child:
// connection_made's checks, then process_ended's, where writes and closes
// do nothing and a signal is an error.
const processTransportChecks = `bad argument #1 to 'write' (ProcessTransport expected, got string; use transport:write, not transport.write)
bad argument #1 to 'write' (string expected, got table)
bad argument #1 to 'signal_process' (unknown signal nan)
bad argument #1 to 'signal_process' (unknown signal 'NOPE')
bad argument #1 to 'signal_process' (string or number expected, got boolean)
bad argument #1 to 'close_stdin' (ProcessTransport expected, got no value; use transport:close_stdin, not transport.close_stdin)
ok
ok
ok
ok
The process has already exited and the operation requested can no longer be performed.
`
