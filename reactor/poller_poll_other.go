//go:build unix && !linux

package reactor

import (
	"time"

	"golang.org/x/sys/unix"
)

// pollCall names the system call Wait makes, for its errors.
const pollCall = "poll"

// wait runs one poll(2): golang.org/x/sys wraps ppoll(2) on Linux and
// OpenBSD only, so the timeout is rounded up to a millisecond.
func (p *PollPoller) wait(timeout time.Duration) (int, error) {
	return unix.Poll(p.fds, waitMillis(timeout))
}
