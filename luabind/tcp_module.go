package luabind

import lua "github.com/yuin/gopher-lua"

// tcpFunctions are the reactor module's listen_tcp, connect_tcp, listen_unix and connect_unix.
func (rt *Runtime) tcpFunctions() map[string]lua.LGFunction {
	return nil
}
