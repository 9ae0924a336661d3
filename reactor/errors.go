package reactor

import (
	"errors"
	"fmt"
)

// Errors returned by the reactor and its calls. The messages are the ones Lua
// scripts see, so they carry no package prefix.
var (
	ErrNotRunning       = errors.New("reactor not running")
	ErrAlreadyRunning   = errors.New("reactor already running")
	ErrNotRestartable   = errors.New("reactor not restartable")
	ErrAlreadyCalled    = errors.New("already called")
	ErrAlreadyCancelled = errors.New("already cancelled")
)

// PanicError is what the error hook receives when a callback panics.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the panicking goroutine's stack
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("callback panicked: %v", e.Value)
}

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
