package host

import (
	"fmt"

	"github.com/loopscript/loopscript/reactor"
)

// ParseClock turns a clock's name into a value for Options.Clock:
//
//   - "real" (or ""): nil, the monotonic clock. Timers wait for real time.
//   - "virtual": a new *reactor.VirtualClock reading zero. Whenever the loop
//     would wait and no descriptor is ready at that moment, the clock jumps to
//     the next timer instead: a five-second countdown ends at once, with the
//     same output, in the same order, every time. With nothing scheduled the
//     loop still waits, as on the real clock, for a signal or for work handed
//     in with CallFromGoroutine: virtual time does not end an idle script.
func ParseClock(name string) (reactor.Clock, error) {
	switch name {
	case "", "real":
		return nil, nil
	case "virtual":
		return reactor.NewVirtualClock(), nil
	}
	return nil, fmt.Errorf("unknown clock '%s' (want real or virtual)", name)
}
