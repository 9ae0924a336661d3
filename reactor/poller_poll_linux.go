package reactor

import (
	"time"

	"golang.org/x/sys/unix"
)

// pollCall names the system call Wait makes, for its errors.
const pollCall = "ppoll"

// wait runs one ppoll(2), with the timeout to the nanosecond.
func (p *PollPoller) wait(timeout time.Duration) (int, error) {
	var ts *unix.Timespec
	if timeout >= 0 {
		p.ts = unix.NsecToTimespec(int64(min(timeout, maxWait)))
		ts = &p.ts
	}
	return unix.Ppoll(p.fds, ts, nil)
}
