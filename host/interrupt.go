package host

// Interrupt interrupts the Lua code running on the loop now, as lua's Ctrl-C
// does: a callback, or a chunk (RunFile, RunString, Call), fails at its next
// instruction with "interrupted!" and its traceback. A callback interrupted
// is reported through OnError (or on Stderr) like any callback's error, and
// the loop goes on; a chunk interrupted returns a *ScriptError. Lua code can
// catch the error with pcall, as it can under lua: one Interrupt raises one
// error. A Go function the Lua code called (a long string.rep) finishes
// first.
//
// Interrupt is safe for concurrent use and never blocks. It reports whether
// Lua code was running: when none is (between callbacks, or while a chunk
// waits in reactor.run()), it does nothing, and nothing is left pending for
// code that starts later. It needs Options.Interruptible (or a time limit):
// otherwise Lua code never checks for an interrupt, and it reports false.
func (h *Host) Interrupt() bool { return h.rt.Interrupt() }
