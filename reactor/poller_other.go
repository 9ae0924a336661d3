//go:build unix && !linux

package reactor

// pollerNames: without epoll, poll is the default (no descriptor limit, unlike
// select).
var pollerNames = []string{"poll", "select"}

// newSystemPoller makes the pollers only some systems have: none here.
func newSystemPoller(string) (Poller, bool, error) { return nil, false, nil }

// unavailableNote explains a known poller this system lacks.
func unavailableNote(name string) string {
	if name == "epoll" {
		return "; epoll is Linux only"
	}
	return ""
}
