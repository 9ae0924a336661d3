package reactor

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultStopGrace is how long a graceful stop may take, from the first
// signal to Run's return, when Config.StopGrace is zero.
const DefaultStopGrace = 3 * time.Second

// A SignalWatch catches SIGINT and SIGTERM for a reactor: the first one
// while the reactor runs is a graceful Stop; one that arrives when it is
// not running (stopping already, not started yet, or finished) exits at
// once with 128+signal, the shell's convention, so a callback stuck in a
// loop cannot hold the user hostage. So does a graceful stop that has not
// taken effect within its grace (Config.StopGrace): one signal is enough to
// end a loop stuck in a callback, after a line on standard error naming the
// callback. Its goroutine never touches loop state; Stop is safe from
// anywhere.
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

	// Set by attach before target is stored, read by the goroutine only
	// after it loads target: the atomic orders them.
	grace  time.Duration // negative: no bound
	busy   func() string
	stderr io.Writer
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
	go w.watch(exit)
	return w
}

// attach makes r the reactor the watch stops, with the grace and reporting
// of r's Config.
func (w *SignalWatch) attach(r *Reactor, cfg *Config) {
	w.grace, w.busy, w.stderr = cfg.StopGrace, cfg.Busy, cfg.Stderr
	if w.grace == 0 {
		w.grace = DefaultStopGrace
	}
	if w.stderr == nil {
		w.stderr = os.Stderr
	}
	w.target.Store(r)
}

// watch is the watch's goroutine: it turns signals into Stop or exit until
// Close.
func (w *SignalWatch) watch(exit func(code int)) {
	defer close(w.released)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	close(w.armed)
	defer signal.Stop(ch)
	var grace *time.Timer          // runs while a graceful stop is under way
	var graceOver <-chan time.Time // its channel, nil before
	var stopping syscall.Signal    // the signal that started it
	defer func() {
		if grace != nil {
			grace.Stop()
		}
	}()
	for {
		select {
		case sig := <-ch:
			s := sig.(syscall.Signal)
			r := w.target.Load()
			if r == nil || r.Stop() != nil {
				exit(128 + int(s))
				continue
			}
			if w.grace > 0 { // only one Stop succeeds: one timer at most
				grace = time.NewTimer(w.grace)
				graceOver, stopping = grace.C, s
			}
		case <-graceOver:
			graceOver = nil
			select {
			case <-w.release: // Run returned just in time
				return
			default:
			}
			w.tell(w.stuckMessage(stopping))
			exit(128 + int(stopping))
		case <-w.release:
			return
		}
	}
}

// stuckMessage is the line written when a graceful stop did not take effect
// within its grace: "loopscript: SIGTERM: callback function <x.lua:3> did
// not return within 3s; exiting".
func (w *SignalWatch) stuckMessage(sig syscall.Signal) string {
	name := "SIGTERM"
	if sig == syscall.SIGINT {
		name = "SIGINT"
	}
	holder := ""
	if w.busy != nil {
		holder = w.busy()
	}
	what := "the reactor did not stop"
	if holder != "" {
		what = holder + " did not return"
	}
	return fmt.Sprintf("%s: %s: %s within %v; exiting\n", filepath.Base(os.Args[0]), name, what, w.grace)
}

// stuckMessageWait is how long the exit after a stuck stop waits for its
// message to be written.
const stuckMessageWait = 250 * time.Millisecond

// tell writes msg to the watch's standard error, waiting at most
// stuckMessageWait: standard error may be a pipe nobody reads (the one
// the stuck callback is blocked writing to, under 2>&1), and the exit must
// not wait on it.
func (w *SignalWatch) tell(msg string) {
	written := make(chan struct{})
	go func() {
		io.WriteString(w.stderr, msg)
		close(written)
	}()
	select {
	case <-written:
	case <-time.After(stuckMessageWait):
	}
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
