package luabind

import "testing"

// Bad input at basic's receivers: methods called with '.' for ':', before
// the connection is made, with bad data; callbacks that are not functions.
func TestBadInputBasic(t *testing.T) {
	runBadInputCases(t, []badInputCase{
		{name: "wrong self and no transport", code: `
local basic = require("basic")
local lr, ns, is = basic.LineReceiver(), basic.NetstringReceiver(), basic.Int32StringReceiver()
try(lr.send_line, "x")
try(lr.send_line)
try(lr.set_raw_mode)
try(lr.set_line_mode, "x")
try(lr.clear_line_buffer, 5)
try(lr.pause_producing)
try(lr.resume_producing)
try(lr.stop_producing)
try(lr.data_received, "a\n")
try(ns.send_string, "x")
try(ns.data_received, "1:a,")
try(is.send_string, "x")
try(is.data_received, "")
try(is.pause_producing)
try(lr.send_line, lr, "x")
try(lr.send_line, lr, {})
try(ns.send_string, ns, "x")
try(is.send_string, is, "x")
try(lr.pause_producing, lr)`, want: `bad argument #1 to 'send_line' (LineReceiver expected, got string; use self:send_line, not self.send_line)
bad argument #1 to 'send_line' (LineReceiver expected, got no value; use self:send_line, not self.send_line)
bad argument #1 to 'set_raw_mode' (LineReceiver expected, got no value; use self:set_raw_mode, not self.set_raw_mode)
bad argument #1 to 'set_line_mode' (LineReceiver expected, got string; use self:set_line_mode, not self.set_line_mode)
bad argument #1 to 'clear_line_buffer' (LineReceiver expected, got number; use self:clear_line_buffer, not self.clear_line_buffer)
bad argument #1 to 'pause_producing' (LineReceiver expected, got no value; use self:pause_producing, not self.pause_producing)
bad argument #1 to 'resume_producing' (LineReceiver expected, got no value; use self:resume_producing, not self.resume_producing)
bad argument #1 to 'stop_producing' (LineReceiver expected, got no value; use self:stop_producing, not self.stop_producing)
bad argument #1 to 'data_received' (LineReceiver expected, got string; use self:data_received, not self.data_received)
bad argument #1 to 'send_string' (NetstringReceiver expected, got string; use self:send_string, not self.send_string)
bad argument #1 to 'data_received' (NetstringReceiver expected, got string; use self:data_received, not self.data_received)
bad argument #1 to 'send_string' (Int32StringReceiver expected, got string; use self:send_string, not self.send_string)
bad argument #1 to 'data_received' (Int32StringReceiver expected, got string; use self:data_received, not self.data_received)
bad argument #1 to 'pause_producing' (Int32StringReceiver expected, got no value; use self:pause_producing, not self.pause_producing)
send_line: not connected (self.transport is nil until make_connection)
bad argument #1 to 'send_line' (string expected, got table)
send_string: not connected (self.transport is nil until make_connection)
send_string: not connected (self.transport is nil until make_connection)
pause_producing: not connected (self.transport is nil until make_connection)
`},
		{name: "line_received that is not a function", code: `
local basic = require("basic")
local L = basic.LineReceiver:extend{line_received = 5}
local port = reactor.listen_tcp(0, protocol.ServerFactory:extend{protocol = L}(), {interface = "127.0.0.1"})
local C = protocol.Protocol:extend()
function C:connection_made() self.transport:write("a\r\nb\r\n") end
function C:connection_lost(r) say("client lost") show() reactor.stop() end
reactor.connect_tcp("127.0.0.1", port:get_host().port, protocol.ClientFactory:extend{protocol = C}())
reactor.run()`, want: "client lost\n", reports: []string{"attempt to call"}},
	})
}
