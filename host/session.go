package host

import (
	"fmt"
	"os"
)

// StartFile runs the script at path as lua -i runs one before its prompt,
// for an interactive session that goes on on the same live reactor: a
// reactor.stop() the script makes ends its reactor.run() (which returns, and
// the script goes on) without stopping the reactor, whose shutdown triggers
// run once, when the session stops it.
//
// When the script ends without waiting in reactor.run(), StartFile returns
// done, with the script's error. Otherwise it returns as the script waits in
// reactor.run(), and ended is called on the loop, with the script's error,
// once the script has ended after a reactor.stop(); the caller runs the
// reactor meanwhile. The script runs in a coroutine: a yield across its
// reactor.run() from inside a pcall or metamethod fails as any such yield.
func (h *Host) StartFile(path string, ended func(error), args ...string) (done bool, err error) {
	if h.closed {
		return true, ErrClosed
	}
	f, err := os.Open(path)
	if err != nil {
		return true, fmt.Errorf("cannot open %s: %w", path, syscallErr(err))
	}
	defer f.Close()
	fn, err := h.load(path, f)
	if err != nil {
		return true, err
	}
	done, err = h.rt.StartScript(fn, luaStrings(args), func(err error) { ended(scriptError(err)) })
	return done, scriptError(err)
}

// scriptError is a script's error as RunFile returns it.
func scriptError(err error) error {
	if cbErr, ok := err.(*CallbackError); ok {
		return &ScriptError{Message: cbErr.Message, Traceback: cbErr.Traceback}
	}
	return err
}
