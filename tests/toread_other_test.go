//go:build !linux

package tests

import "golang.org/x/sys/unix"

// bytesToRead is how many bytes wait in the pipe fd: FIONREAD, which
// x/sys names only on Linux (TIOCINQ); the BSDs' value.
func bytesToRead(fd int) (int, error) { return unix.IoctlGetInt(fd, 0x4004667f) }
