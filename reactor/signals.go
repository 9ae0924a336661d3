package reactor

import (
	"os"
	"os/signal"
	"syscall"
)

// signalWatch turns SIGINT and SIGTERM into a Stop. A signal that arrives
// when the reactor is not running (already stopping, or not started yet)
// exits at once with 128+signal, the shell's convention: a callback stuck in
// a loop cannot hold the user hostage. Its goroutine never touches loop
// state; Stop is safe from anywhere.
//
// Subscribing and unsubscribing are slow: os/signal hands each signal to a
// dedicated, locked thread and waits for it, about a millisecond in all,
// longer than the rest of a short script's run. So New starts the watch in
// the background, where it overlaps with loading the script, Run waits for
// it only if it is not ready by then, and the reactor lets go of it without
// waiting as it finishes.
type signalWatch struct {
	armed    chan struct{} // closed once the signals are caught
	release  chan struct{} // closed by the reactor when it is finished
	released chan struct{} // closed once the signals are let go
}

// watchSignals starts catching SIGINT and SIGTERM for r in the background.
func (r *Reactor) watchSignals() *signalWatch {
	exit := r.cfg.Exit
	if exit == nil {
		exit = os.Exit
	}
	w := &signalWatch{
		armed:    make(chan struct{}),
		release:  make(chan struct{}),
		released: make(chan struct{}),
	}
	go func() {
		defer close(w.released)
		ch := make(chan os.Signal, 2)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		close(w.armed)
		defer signal.Stop(ch)
		for {
			select {
			case sig := <-ch:
				if r.Stop() != nil {
					exit(128 + int(sig.(syscall.Signal)))
				}
			case <-w.release:
				return
			}
		}
	}()
	return w
}

// waitArmed returns once the signals are caught: from then on a Ctrl-C is a
// graceful stop.
func (w *signalWatch) waitArmed() { <-w.armed }

// letGo stops the watch without waiting: a signal that arrives before it is
// done still exits with 128+signal, as it would with no handler at all.
func (w *signalWatch) letGo() { close(w.release) }
