package luabind

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/loopscript/loopscript/reactor"
)

// TestReasonClassWrapped pins that the opaque fast path changes no class:
// a wrapped reason, or one wrapping another, is classified along its whole
// chain in reasonClass's order, as errors.Is and errors.As see it.
func TestReasonClassWrapped(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		class string
		n     int
	}{
		{"ProcessDone", &reactor.ProcessDone{}, "ProcessDone", 2},
		{"wrapped ProcessDone", fmt.Errorf("at exit: %w", &reactor.ProcessDone{}), "ProcessDone", 2},
		{"joined ProcessTerminated", errors.Join(errors.New("x"), &reactor.ProcessTerminated{Signal: 9}), "ProcessTerminated", 2},
		{"ConnectionDone", reactor.ErrConnectionDone, "ConnectionDone", 0},
		{"wrapped ConnectionDone", fmt.Errorf("read: %w", reactor.ErrConnectionDone), "ConnectionDone", 0},
		{"a loss wrapping a gone fd", &reactor.ConnectionLostError{Err: reactor.ErrFdWentAway}, "ConnectionFdescWentAway", 0},
		{"a connect error wrapping a timeout", &reactor.ConnectError{Err: reactor.ErrConnectTimeout}, "TimeoutError", 0},
		{"connection refused", &reactor.ConnectError{Err: syscall.ECONNREFUSED}, "ConnectionRefusedError", 2},
		{"a bare errno", syscall.EPIPE, "ConnectionLost", 2},
		{"another error", errors.New("odd"), "ConnectionLost", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			class, _, fields := reasonClass(matchError(tc.err))
			if class != tc.class || fields.n != tc.n {
				t.Errorf("reasonClass(%v) = %s with %d fields, want %s with %d", tc.err, class, fields.n, tc.class, tc.n)
			}
		})
	}
}

// TestCallbackErrorOfWrapped pins that a callback's error is found through
// a PanicError and through wrapping, and not in an opaque error.
func TestCallbackErrorOfWrapped(t *testing.T) {
	cbErr := &CallbackError{Message: "boom"}
	cases := []struct {
		name string
		err  error
		want *CallbackError
	}{
		{"itself", cbErr, cbErr},
		{"wrapped", fmt.Errorf("x: %w", cbErr), cbErr},
		{"in a panic", &reactor.PanicError{Value: cbErr}, cbErr},
		{"ProcessDone", &reactor.ProcessDone{}, nil},
		{"ConnectionDone", reactor.ErrConnectionDone, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := callbackErrorOf(tc.err); got != tc.want {
				t.Errorf("callbackErrorOf(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
