package tests

import "golang.org/x/sys/unix"

// bytesToRead is how many bytes wait in the pipe fd (FIONREAD).
func bytesToRead(fd int) (int, error) { return unix.IoctlGetInt(fd, unix.TIOCINQ) }
