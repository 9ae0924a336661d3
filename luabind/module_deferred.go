package luabind

import (
	"errors"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// ErrAlreadyFired is returned by a Go Deferred's Resolve or Reject after the
// first of them.
var ErrAlreadyFired = errors.New("deferred already fired")

// A Deferred is a Lua Deferred (the class of require("defer")) that Go code
// made to return to a script and fires later from any goroutine: Value goes
// to Lua, and Resolve or Reject fire it through the loop. From NewDeferred
// until it is fired, the Deferred counts as pending work for the reactor
// (see Env.HoldPending): fire every Deferred made, once.
type Deferred struct {
	// Value is the Lua Deferred, to return to the script.
	Value lua.LValue

	rt      *Runtime
	fire    deferredFire
	release func()
	once    sync.Once
}

// NewDeferred makes an unfired Deferred. It installs the reactor if none is.
// Call it on the loop's goroutine (in Open, or in a function the script
// calls).
func (e *Env) NewDeferred() (*Deferred, error) {
	release, err := e.HoldPending()
	if err != nil {
		return nil, err
	}
	v, fire := e.rt.newDeferred()
	return &Deferred{Value: v, rt: e.rt, fire: fire, release: release}, nil
}

// Resolve fires d:callback(result) on the loop at its next iteration. It is
// safe for concurrent use and never blocks; result must be a value made
// without the Lua state (a string, a number, a boolean, nil): to build a
// table, use ResolveFunc. An error of a callback goes down the chain, as in
// Lua; an error of the fire itself (the script cancelled d and fired it
// since) is reported as a callback's.
func (d *Deferred) Resolve(result lua.LValue) error {
	return d.post(func(*lua.LState) (lua.LValue, bool) { return result, false })
}

// ResolveFunc is Resolve with a result built on the loop, by build(L).
func (d *Deferred) ResolveFunc(build func(L *lua.LState) lua.LValue) error {
	return d.post(func(L *lua.LState) (lua.LValue, bool) { return build(L), false })
}

// Reject fires d:errback(err) on the loop: the chain gets a Failure whose
// value is err's message. Like Resolve, safe for concurrent use.
func (d *Deferred) Reject(err error) error {
	msg := lua.LString(err.Error())
	return d.post(func(*lua.LState) (lua.LValue, bool) { return msg, true })
}

// post hands the fire to the loop, then lets go of the hold: in that order,
// the reactor is never idle in between.
func (d *Deferred) post(result func(L *lua.LState) (lua.LValue, bool)) error {
	err := ErrAlreadyFired
	d.once.Do(func() {
		err = d.rt.CallFromGoroutine(func(L *lua.LState) {
			v, failed := result(L)
			if ferr := d.fire(v, failed); ferr != nil {
				d.rt.ReportError(ferr)
			}
		})
		d.release()
	})
	return err
}
