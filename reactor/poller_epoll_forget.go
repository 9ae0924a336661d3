//go:build linux

package reactor

// forgetClosing drops fd from the poller's books without epoll_ctl: the
// caller is about to close fd, the only descriptor of its open file, and
// the kernel then drops it from the set by itself (see closeUnshared).
func (p *EpollPoller) forgetClosing(fd int) { delete(p.watched, fd) }
