package luabind

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// ownPipeDescription opens a new, non-blocking open file description of the
// pipe fd is the write end of, through /proc/self/fd, so that O_NONBLOCK is
// set on it alone: fd's own description, shared with the parent shell and
// whoever else writes it, stays blocking. It returns -1 if that fails (no
// /proc, a FIFO with no reader) or opens something else than fd's pipe.
func ownPipeDescription(fd int) int {
	own, err := unix.Open("/proc/self/fd/"+strconv.Itoa(fd), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	var st, ost unix.Stat_t
	if unix.Fstat(fd, &st) != nil || unix.Fstat(own, &ost) != nil || st.Dev != ost.Dev || st.Ino != ost.Ino {
		unix.Close(own)
		return -1
	}
	return own
}
