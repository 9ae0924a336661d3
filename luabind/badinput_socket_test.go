package luabind

import "testing"

// Bad input at the socket module: numbers as reference Lua writes them
// (nan, inf), wrong self, closed sockets. As in luasocket, a string that
// reads as a number is a number (settimeout("1")), a backlog converts as
// luaL_checkint does, and a method on a socket in the wrong state raises
// "calling 'receive' on bad self (...)".
func TestBadInputSocket(t *testing.T) {
	runBadInputCases(t, []badInputCase{
		{name: "ports, timeouts, options and wrong self", code: `
local socket = require("socket")
local s = socket.tcp()
try(s.connect, s, "127.0.0.1", 0/0)
try(s.connect, s, "127.0.0.1", "NaN")
try(s.bind, s, "127.0.0.1", 1/0)
try(s.bind, s, "127.0.0.1", -1)
try(s.bind, s, "127.0.0.1", 2^63)
try(socket.bind, "127.0.0.1", 0, "x")
try(s.settimeout, s, "1")
try(s.setoption, s, "tcp-nodelay")
try(s.getoption, s, 5)
try(s.listen, s, 0/0)
try(s.send, "x")
try(s.receive, s, "*x")
try(s.close)
try(s.close, s)
try(s.close, s)
try(s.getfd, s)
try(s.send, s, "x")
try(s.connect, s, "127.0.0.1", 9)`, want: `bad argument #2 to 'connect' (port in 0-65535 expected, got nan)
bad argument #2 to 'connect' (port in 0-65535 expected, got nan)
bad argument #2 to 'bind' (port in 0-65535 expected, got inf)
bad argument #2 to 'bind' (port in 0-65535 expected, got -1)
bad argument #2 to 'bind' (port in 0-65535 expected, got 9.223372036854776e+18)
bad argument #3 to 'bind' (number expected, got string)
ok 1
bad argument #2 to 'setoption' (boolean expected, got no value)
bad argument #1 to 'getoption' (string expected, got number)
ok 1
bad argument #1 to 'send' (socket expected, got string; use sock:send, not sock.send)
calling 'receive' on bad self (tcp{client} expected, got tcp{server})
bad argument #1 to 'close' (socket expected, got no value; use sock:close, not sock.close)
ok 1
ok 1
ok -1
calling 'send' on bad self (tcp{client} expected, got tcp{server})
calling 'connect' on bad self (tcp{master} expected, got tcp{server})
`},
	})
}
