//go:build unix && !linux

package reactor

// preciseWakeups does nothing here: timer slack is a Linux setting (see
// timerslack_linux.go).
func preciseWakeups() (restore func()) { return func() {} }
