//go:build darwin || linux || openbsd

package reactor

import "golang.org/x/sys/unix"

// writePieces sends as many of pieces as fd takes with one writev(2).
func writePieces(fd int, pieces [][]byte) (int, error) {
	return unix.Writev(fd, pieces)
}
