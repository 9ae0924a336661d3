package reactor

// pollerNames: epoll is the default wherever it exists.
var pollerNames = []string{"epoll", "poll", "select"}

// newSystemPoller makes the pollers only some systems have; ok is false for
// a name it does not know.
func newSystemPoller(name string) (p Poller, ok bool, err error) {
	if name != "epoll" {
		return nil, false, nil
	}
	ep, err := NewEpollPoller()
	if err != nil {
		return nil, true, err // not a non-nil Poller holding a nil pointer
	}
	return ep, true, nil
}

// unavailableNote explains a known poller this system lacks: none on Linux.
func unavailableNote(string) string { return "" }
