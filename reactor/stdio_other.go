//go:build unix && !linux

package reactor

import "golang.org/x/sys/unix"

// stdioReopenDisabled has no effect here: see ownDescription.
var stdioReopenDisabled bool

// polledWriteMax is the most a write in polled mode sends after poll said
// the blocking descriptor is writable: POSIX's smallest PIPE_BUF.
const polledWriteMax = 512

// stdioSendFlags make a socket's send non-blocking without O_NONBLOCK.
// (Go's runtime ignores the SIGPIPE of a raw send to a closed peer.)
const stdioSendFlags = unix.MSG_DONTWAIT

// ownDescription reports false: opening /dev/fd/N here duplicates the
// descriptor (the same open file description), so a pipe or terminal is
// used in polled mode, its flags untouched.
func ownDescription(int, bool, *unix.Stat_t) (int, bool) { return -1, false }
