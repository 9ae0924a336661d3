package luabind

import (
	"fmt"
	"io"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// traceCall writes one line to Config.Trace, when set, before the reactor
// runs a callback:
//
//	[   1.000] later   count  scripts/countdown.lua:9
//
// The time is the reactor's clock (what reactor.seconds() returns, zero when
// the reactor was installed), the kind is padded so the names line up, and
// the place is where the function was defined. A function the source gave
// no name reads as Lua 5.1 calls it: "function <FILE:LINE>". Nothing in a line depends on
// addresses or wall time, so on a virtual clock the trace of a run is the
// same, byte for byte, every time.
func (rt *Runtime) traceCall(kind CallKind, fn lua.LValue) {
	w := rt.cfg.Trace
	if w == nil {
		return
	}
	var now time.Duration
	if rt.r != nil {
		now = rt.r.Now()
	}
	name, defined := rt.shortName(rt.L, fn)
	line := fmt.Sprintf("[%8.3f] %-7s ", now.Seconds(), kind)
	switch {
	case name == "?": // a Lua function with no name, as Lua 5.1 names it
		line += "function <" + defined + ">"
	case defined != "":
		line += name + "  " + defined
	default:
		line += name
	}
	// One write per line, so a trace shared with error reports never splits.
	io.WriteString(w, line+"\n")
}
