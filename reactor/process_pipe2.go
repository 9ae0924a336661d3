//go:build linux || freebsd

package reactor

import "golang.org/x/sys/unix"

// pipeCloexec makes a pipe whose ends no other child inherits.
func pipeCloexec(p []int) error { return unix.Pipe2(p, unix.O_CLOEXEC) }
