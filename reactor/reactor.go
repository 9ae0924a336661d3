package reactor

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Config chooses how a Reactor is built. The zero value is a reactor on the
// DefaultPoller (epoll on Linux, poll elsewhere) and the monotonic clock that
// writes callback panics to standard error.
type Config struct {
	// Poller is what the loop waits in; nil means a new DefaultPoller. The
	// reactor owns it from then on and closes it when Run returns or on Close.
	Poller Poller
	// Clock is the time source; nil means NewMonotonicClock(). With a
	// *VirtualClock the loop jumps to the next timer instead of waiting.
	Clock Clock
	// OnError receives every error a callback does not handle itself: a panic
	// (as a *PanicError) or whatever is passed to ReportError. Nil writes them
	// to standard error. It runs on the loop's goroutine.
	OnError func(error)
	// HandleSignals makes the first SIGINT or SIGTERM a graceful Stop, from
	// the moment Run starts, and a second one, while shutting down, an
	// immediate Exit(128+signal) — even while a callback is still running.
	// A signal before Run starts or after it returns also exits at once.
	HandleSignals bool
	// Signals, if set, is a watch made earlier with WatchSignals (its
	// subscribing then overlaps with whatever the program did meanwhile),
	// used instead of a new one; the reactor owns it from then on and closes
	// it when Run returns or on Close.
	Signals *SignalWatch
	// Exit ends the process on a second signal; nil means os.Exit. It is
	// for the watch HandleSignals makes: one from WatchSignals has its own.
	Exit func(code int)
	// StopGrace bounds the graceful stop a first signal starts: if Run has
	// not returned that long after it (a callback is stuck, say), the
	// process exits with 128+signal after a line on Stderr naming what
	// holds the loop (see Busy). Zero means DefaultStopGrace; negative, no
	// bound: only a second signal ends the wait.
	StopGrace time.Duration
	// Busy, if set, describes what holds the loop at the moment it is
	// called, for that line: "callback function <x.lua:3>"; "" when it
	// knows of nothing. It is called from the signal goroutine, so it must
	// be safe for concurrent use.
	Busy func() string
	// Stderr receives that line; nil means os.Stderr.
	Stderr io.Writer
}

// Lifecycle states of a reactor; a reactor only ever moves forward.
const (
	stateIdle int32 = iota
	stateRunning
	stateStopping
	stateStopped
)

// Reactor is the event loop. Build one with New.
type Reactor struct {
	onError func(error) // Config.OnError
	poller  Poller
	waker   *waker
	clock   Clock
	virtual *VirtualClock // the clock, when it is virtual
	timers  timerQueue

	state     atomic.Int32  // a state* constant
	running   bool          // Twisted's reactor.running: true from during-startup to during-shutdown
	lastYield time.Duration // see yieldBefore
	seen      time.Duration // the latest clock reading: now is at least this

	triggers triggers
	signals  *SignalWatch // nil if signals are not handled

	halted atomic.Bool  // see Halt
	holds  atomic.Int64 // unreleased HoldPending calls (see pending.go)
	onIdle func()       // SetIdleHook's hook, or nil

	// The user's descriptors (see watch.go): by number, the iteration's
	// ready list, and the registration counter.
	watches     map[int]*watch
	ready       []readyWatch
	lost        []lostWatch
	watchSeq    uint64
	alwaysReady int    // watches the poller refused with EPERM
	openIO      openIO // transports, ports and connects to end at shutdown (shutdown.go)
	// The stream transports' shared state (flush.go): written to and not
	// yet flushed, and the one read buffer of every read.
	flushes  []*StreamTransport
	flushing bool
	readBuf  []byte
	// stringBuf is what StringReceivers read into (see stringReadBuffer).
	stringBuf []byte
	// starting is the stream transport whose ConnectionMade is running.
	starting *StreamTransport

	// posted holds functions handed over by other goroutines. The mutex also
	// orders the final state change against CallFromGoroutine: a function it
	// accepts is posted before finish runs the last of them.
	postMu sync.Mutex
	posted []func()
	spare  []func()
}

// New builds a reactor. It fails only if the kernel refuses the poller or the
// waker (out of file descriptors, say); it then closes cfg.Poller and
// cfg.Signals all the same.
func New(cfg Config) (_ *Reactor, err error) {
	if cfg.Signals != nil {
		defer func() {
			if err != nil {
				cfg.Signals.Close()
			}
		}()
	}
	r := &Reactor{onError: cfg.OnError, poller: cfg.Poller, clock: cfg.Clock}
	if r.clock == nil {
		r.clock = NewMonotonicClock()
	}
	r.virtual, _ = r.clock.(*VirtualClock)
	r.timers.clock = r.clock
	if r.poller == nil {
		p, err := newDefaultPoller()
		if err != nil {
			return nil, err
		}
		r.poller = p
	}
	w, err := newWaker()
	if err != nil {
		r.poller.Close()
		return nil, err
	}
	if err := r.poller.Add(w.fd(), Readable); err != nil {
		w.close()
		r.poller.Close()
		return nil, err
	}
	r.waker = w
	r.signals = cfg.Signals
	if r.signals == nil && cfg.HandleSignals {
		r.signals = WatchSignals(cfg.Exit)
	}
	if r.signals != nil {
		r.signals.attach(r, &cfg)
	}
	return r, nil
}

// Name is the poller's name: "epoll", "poll" or "select".
func (r *Reactor) Name() string { return r.poller.Name() }

// Now is the reactor's clock reading, taken at the call.
func (r *Reactor) Now() time.Duration { return r.clock.Now() }

// Seconds is Now in seconds.
func (r *Reactor) Seconds() float64 { return r.clock.Now().Seconds() }

// Clock is the reactor's time source.
func (r *Reactor) Clock() Clock { return r.clock }

// Running reports what Twisted's reactor.running does: true from the
// "during startup" phase until the "during shutdown" phase.
func (r *Reactor) Running() bool { return r.running }

// Pending is the number of timed calls waiting to run.
func (r *Reactor) Pending() int { return r.timers.len() }

// CallLater schedules fn to run once, at least d from now; never earlier,
// however the poller rounds. A negative d counts as zero; a call scheduled
// while the loop runs its due calls waits for the next iteration even with a
// zero delay. Calls due at the same time run in the order they were
// scheduled.
func (r *Reactor) CallLater(d time.Duration, fn func()) *DelayedCall {
	c := new(DelayedCall)
	r.ScheduleCall(c, d, Func(fn))
	return c
}

// ScheduleCall is CallLater with the DelayedCall and its work supplied by
// the caller: c must be a zero DelayedCall, never scheduled before. A binding
// that embeds c in its own per-timer struct, and makes that struct the
// Runner, pays one allocation per timer instead of three.
func (r *Reactor) ScheduleCall(c *DelayedCall, d time.Duration, run Runner) {
	r.seen = r.clock.Now()
	r.timers.schedule(c, addSaturating(r.seen, max(d, 0)), run)
}

// CallWhenRunning calls fn once the reactor runs: at once if it already is
// (see Running); otherwise it adds fn as an "after startup" trigger, to run
// in registration order with the others. Added once the reactor has stopped
// running (from the "during shutdown" phase on), fn never runs.
func (r *Reactor) CallWhenRunning(fn func()) {
	if r.running {
		fn()
		return
	}
	r.triggers.add(After, Startup, fn)
}

// CallFromGoroutine hands fn to the loop, which runs it at its next
// iteration, and wakes the loop if it is waiting. It is safe for concurrent
// use and never blocks on the loop. Every fn it accepts runs, the last ones
// possibly after the shutdown triggers; once Run has returned it refuses with
// ErrNotRunning.
func (r *Reactor) CallFromGoroutine(fn func()) error {
	r.postMu.Lock()
	defer r.postMu.Unlock()
	if r.state.Load() == stateStopped {
		return ErrNotRunning
	}
	r.posted = append(r.posted, fn)
	r.waker.wake()
	return nil
}

// Stop asks a running reactor to stop. The iteration under way finishes
// (when-running callbacks and the timed calls already due still run), then
// the shutdown triggers fire and Run returns. It is safe for concurrent use
// and never blocks. It returns ErrNotRunning if the reactor is not running or
// is already stopping.
func (r *Reactor) Stop() error {
	if !r.state.CompareAndSwap(stateRunning, stateStopping) {
		return ErrNotRunning
	}
	r.waker.wake() // a no-op if Run has just finished and closed the waker
	return nil
}

// ReportError passes err to the error hook, as if a callback had failed with
// it. Bindings that catch their callbacks' errors themselves use it so all
// errors end in one place.
func (r *Reactor) ReportError(err error) {
	if r.onError != nil {
		r.onError(err)
		return
	}
	fmt.Fprintf(os.Stderr, "Unhandled error in callback: %v\n", err)
	if p, ok := err.(*PanicError); ok {
		os.Stderr.Write(p.Stack)
	}
}

// Run runs the loop on the calling goroutine, locked to its OS thread, until
// Stop is called and the shutdown triggers have run. A reactor runs once:
// Run returns ErrAlreadyRunning while it runs and ErrNotRestartable after. It
// returns another error only if the poller fails, after the shutdown
// triggers.
func (r *Reactor) Run() error {
	if r.halted.Load() {
		r.Close()
		return nil
	}
	if !r.state.CompareAndSwap(stateIdle, stateRunning) {
		if r.state.Load() == stateStopped {
			return ErrNotRestartable
		}
		return ErrAlreadyRunning
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer preciseWakeups()()
	if r.signals != nil {
		r.signals.waitArmed()
	}

	r.fireSystemEvent(Startup, func() { r.running = true })
	err := r.loop()
	r.state.Store(stateStopping) // the poller failed, if nothing else stopped us
	r.fireSystemEvent(Shutdown, func() { r.running = false })
	r.running = false // also when halted: no trigger ran
	r.finish()
	return err
}

// Close releases the poller and the waker of a reactor that will not run, or
// has run. Run releases them itself when it returns. A reactor closed
// without running first ends the I/O set up on it, as its shutdown would
// have: connections and ports are closed (their protocols told), and the
// children spawned are left to be reaped when they exit.
func (r *Reactor) Close() error {
	if r.state.Load() == stateIdle {
		r.shutdownIO()
	}
	if r.state.CompareAndSwap(stateIdle, stateStopped) {
		r.finish()
	}
	return nil
}

// ErrReactorStopped is the error of a call that would start I/O (a
// listener, a connection, a child, a watched descriptor) on a reactor that
// has stopped or was closed: nothing would ever serve it.
var ErrReactorStopped = errors.New("the reactor has stopped")

// checkOpen refuses new I/O on a stopped reactor.
func (r *Reactor) checkOpen() error {
	if r.state.Load() == stateStopped {
		return ErrReactorStopped
	}
	return nil
}

func (r *Reactor) loop() error {
	for {
		r.runPosted()
		r.runDueTimers()
		if r.state.Load() != stateRunning {
			return nil
		}
		r.flushWrites()
		if err := r.wait(); err != nil {
			return err
		}
		r.dispatchIO()
	}
}

// runDueTimers runs the calls due when it starts. Calls scheduled while it
// runs have a sequence number at or past the limit and wait for the next
// iteration, even when already due.
func (r *Reactor) runDueTimers() {
	now, limit := r.clock.Now(), r.timers.nextSeq
	r.seen = now
	for !r.halted.Load() {
		run := r.timers.popDue(now, limit)
		if run == nil {
			return
		}
		r.invoke(run)
	}
}

// wait blocks in the poller until the next timer is due, a watched
// descriptor is ready or the loop is woken, and collects the ready
// descriptors for dispatchIO; it does not block at all while an always-ready
// descriptor is watched. On a virtual clock it looks at the descriptors without blocking and, when
// nothing is ready, moves the clock to the next timer instead of waiting;
// while I/O is in flight it waits for real first (see awaitingIO).
func (r *Reactor) wait() error {
	next := r.timers.peek()
	if next == nil {
		r.noteIdle()
		if r.state.Load() != stateRunning {
			return nil // the hook stopped the reactor
		}
		next = r.timers.peek() // the hook may have scheduled a call
	}
	timeout := r.timeUntil(next)
	if r.readyNow() {
		timeout = 0
	}
	if r.virtual == nil && r.yieldBefore(timeout) {
		timeout = r.timeUntil(next) // the yield took a little time
	}
	if r.virtual == nil || timeout <= 0 {
		_, err := r.poll(timeout)
		return err
	}
	if !r.awaitingIO() {
		timeout = 0 // with I/O in flight, wait for real first (pending.go)
	}
	woken, err := r.poll(timeout)
	if err == nil && !woken {
		r.virtual.AdvanceTo(next.when)
	}
	return err
}

// timeUntil is how long until call is due: 0 if it is, -1 (for ever) if
// there is no call. A call due by the latest reading is due now, without
// reading the clock again: that saves one of the three readings of a busy
// iteration that runs a call and schedules the next with no delay.
func (r *Reactor) timeUntil(call *DelayedCall) time.Duration {
	switch {
	case call == nil:
		return -1
	case call.when <= r.seen:
		return 0
	}
	return max(call.when-r.clock.Now(), 0)
}

// poll waits up to timeout, collects the ready user descriptors, and
// reports whether anything woke it or is ready.
func (r *Reactor) poll(timeout time.Duration) (bool, error) {
	if timeout == 0 && r.poller.Len() == 1 {
		// Only the waker is watched, and its flag says all that a system call
		// would: skip the call, which halves the cost of a busy iteration.
		r.collectReady(nil)
		if !r.waker.pending() {
			return len(r.ready) > 0, nil
		}
		r.waker.drain()
		return true, nil
	}
	events, err := r.poller.Wait(timeout)
	if err != nil {
		if errors.Is(err, unix.EBADF) && r.preen(err) {
			return true, nil
		}
		return false, err
	}
	for _, ev := range events {
		if ev.Fd == r.waker.fd() {
			r.waker.drain()
		}
	}
	r.collectReady(events)
	return len(events) > 0 || len(r.ready) > 0, nil
}

// runPosted runs the functions posted so far. The two buffers swap: while
// one's functions run, the other takes new posts.
func (r *Reactor) runPosted() {
	r.postMu.Lock()
	fns := r.posted
	r.posted = r.spare[:0]
	r.postMu.Unlock()
	for i, fn := range fns {
		fns[i] = nil
		if !r.halted.Load() {
			r.invoke(Func(fn))
		}
	}
	r.spare = fns[:0]
}

// finish marks the reactor stopped, runs what was posted before that, and
// releases the kernel resources.
func (r *Reactor) finish() {
	r.postMu.Lock() // see posted
	r.state.Store(stateStopped)
	r.postMu.Unlock()
	r.runPosted()
	r.waker.close()
	r.poller.Close()
	if r.signals != nil {
		r.signals.Close()
	}
}

// invoke runs a callback, turning a panic into a report: one failing callback
// must not take the loop down.
func (r *Reactor) invoke(run Runner) {
	defer func() {
		if v := recover(); v != nil {
			r.ReportError(&PanicError{Value: v, Stack: debug.Stack()})
		}
	}()
	run.Run()
}
