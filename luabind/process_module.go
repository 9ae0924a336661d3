package luabind

import lua "github.com/yuin/gopher-lua"

// processFunctions are the reactor module's spawn_process.
func (rt *Runtime) processFunctions() map[string]lua.LGFunction {
	return nil
}
