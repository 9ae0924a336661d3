package reactor

import (
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
)

// A SignalWatch catches SIGINT and SIGTERM for a reactor: the first one
// while the reactor runs is a graceful Stop; one that arrives when it is
// not running (stopping already, not started yet, or finished) exits at
// once with 128+signal, the shell's convention, so a callback stuck in a
// loop cannot hold the user hostage. Its goroutine never touches loop
// state; Stop is safe from anywhere.
//
// Subscribing and unsubscribing are slow: os/signal hands each signal to a
// dedicated, locked thread and waits for it, about a millisecond in all,
// longer than the rest of a short script's run. So a watch subscribes in the
// background from the moment it is made, Run waits for it only if it is not
// ready by then, and Close lets go without waiting. A program that knows it
// will run a reactor makes the watch first, with WatchSignals, and hands it
// over in Config.Signals; Config.HandleSignals makes one in New.
type SignalWatch struct {
	target    atomic.Pointer[Reactor]
	armed     chan struct{} // closed once the signals are caught
	release   chan struct{} // closed by Close
	released  chan struct{} // closed once the signals are let go
	closeOnce sync.Once
}

// WatchSignals starts catching SIGINT and SIGTERM in the background. exit
// ends the process on a signal no reactor can take as a Stop; nil means
// os.Exit. Until a reactor is given the watch in its Config, every signal
// exits.
func WatchSignals(exit func(code int)) *SignalWatch {
	if exit == nil {
		exit = os.Exit
	}
	w := &SignalWatch{
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
				if r := w.target.Load(); r == nil || r.Stop() != nil {
					exit(128 + int(sig.(syscall.Signal)))
				}
			case <-w.release:
				return
			}
		}
	}()
	return w
}

// Close lets the signals go, without waiting: until that is done, a signal
// still exits with 128+signal, as it would with no handler at all. A
// reactor closes its watch when it finishes; Close is for a watch that
// never reached one. Closing twice is harmless.
func (w *SignalWatch) Close() {
	w.closeOnce.Do(func() { close(w.release) })
}

// waitArmed returns once the signals are caught: from then on a Ctrl-C is a
// graceful stop.
func (w *SignalWatch) waitArmed() { <-w.armed }
