package reactor

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// stdioReopenDisabled makes StandardIO keep the descriptors it is given
// instead of opening descriptions of its own, so tests cover the polled
// mode other systems use.
var stdioReopenDisabled bool

// polledWriteMax is the most a write in polled mode sends after poll said
// the blocking descriptor is writable: PIPE_BUF, which a Linux pipe then
// takes whole, since writable means a free page.
const polledWriteMax = 4096

// stdioSendFlags make a socket's send non-blocking without O_NONBLOCK, and
// turn a closed peer into EPIPE without a SIGPIPE.
const stdioSendFlags = unix.MSG_DONTWAIT | unix.MSG_NOSIGNAL

// ownDescription opens a new, non-blocking open file description of the
// pipe or terminal fd refers to, through /proc/self/fd, so that O_NONBLOCK
// is set on it alone: the description behind fd stays blocking for the
// parent shell, for the process's other users of fd (print, os.Stdout)
// and for whoever shares it. It reports false for other kinds of
// descriptor, or if the open fails (no /proc, no permission, a FIFO with
// no reader), or opens something else than fd.
func ownDescription(fd int, write bool, st *unix.Stat_t) (int, bool) {
	kind := st.Mode & unix.S_IFMT
	if stdioReopenDisabled || (kind != unix.S_IFIFO && !(kind == unix.S_IFCHR && isTerminal(fd))) {
		return -1, false
	}
	flags := unix.O_RDONLY
	if write {
		flags = unix.O_WRONLY
	}
	own, err := unix.Open("/proc/self/fd/"+strconv.Itoa(fd), flags|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return -1, false
	}
	var ost unix.Stat_t
	if unix.Fstat(own, &ost) != nil || ost.Dev != st.Dev || ost.Ino != st.Ino || ost.Rdev != st.Rdev {
		unix.Close(own)
		return -1, false
	}
	return own, true
}

func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}
