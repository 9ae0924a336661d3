package luabind

import lua "github.com/yuin/gopher-lua"

// watcherFunctions are the reactor module's add_reader, remove_reader, add_writer, remove_writer, get_readers, get_writers and remove_all.
func (rt *Runtime) watcherFunctions() map[string]lua.LGFunction {
	return nil
}
