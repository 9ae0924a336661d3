package luabind

import "errors"

// errorMatcher answers errors.Is and errors.As for one error, without their
// cost when the error is opaque: it wraps nothing and has no Is or As method
// of its own, so Is is ==, As a type assertion, and neither allocates. The
// reasons a reactor gives most (a process's end, ConnectionDone) are so.
type errorMatcher struct {
	err    error
	opaque bool
}

func matchError(err error) errorMatcher {
	switch err.(type) {
	case interface{ Unwrap() error }, interface{ Unwrap() []error },
		interface{ Is(error) bool }, interface{ As(any) bool }:
		return errorMatcher{err: err}
	}
	return errorMatcher{err: err, opaque: true}
}

// is is errors.Is(m.err, target) for a target of comparable type (every
// sentinel error is).
func (m errorMatcher) is(target error) bool {
	if m.opaque {
		return m.err == target
	}
	return errors.Is(m.err, target)
}

// errorAs is errors.As(m.err, &t), with t returned.
func errorAs[T error](m errorMatcher) (T, bool) {
	if m.opaque {
		t, ok := m.err.(T)
		return t, ok
	}
	var t T
	ok := errors.As(m.err, &t)
	return t, ok
}
