//go:build !linux

package reactor

import "golang.org/x/sys/unix"

// Elsewhere the reads and writes of non-blocking descriptors go through
// x/sys as every other call does.

func readNonblock(fd int, p []byte) (int, error)  { return unix.Read(fd, p) }
func writeNonblock(fd int, p []byte) (int, error) { return unix.Write(fd, p) }

func writePiecesNonblock(fd int, pieces [][]byte) (int, error) { return writePieces(fd, pieces) }
