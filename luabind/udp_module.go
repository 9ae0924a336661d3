package luabind

import lua "github.com/yuin/gopher-lua"

// udpFunctions are the reactor module's listen_udp.
func (rt *Runtime) udpFunctions() map[string]lua.LGFunction {
	return nil
}
