package reactor

import (
	"os"
	"os/signal"
	"syscall"
)

// handleSignals turns SIGINT and SIGTERM into a Stop. A signal that arrives
// once the reactor is already stopping exits at once with 128+signal, the
// shell's convention: a callback stuck in a loop cannot hold the user
// hostage. The goroutine never touches loop state; Stop is safe from
// anywhere. It returns the function that undoes it.
func (r *Reactor) handleSignals() (release func()) {
	exit := r.cfg.Exit
	if exit == nil {
		exit = os.Exit
	}
	ch := make(chan os.Signal, 2)
	done := make(chan struct{})
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for {
			select {
			case sig := <-ch:
				if r.Stop() != nil {
					exit(128 + int(sig.(syscall.Signal)))
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
