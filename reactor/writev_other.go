//go:build !darwin && !linux && !openbsd

package reactor

import "golang.org/x/sys/unix"

// writePieces sends the first of pieces: x/sys has no Writev here, and the
// caller loops until the socket would block.
func writePieces(fd int, pieces [][]byte) (int, error) {
	return unix.Write(fd, pieces[0])
}
