package luabind

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// Limits bound how long Lua code may hold the loop, and how large a string
// the standard library may build. The zero value sets no time limit, no
// slow-callback warning and the default string cap.
//
// Time is always measured on the real monotonic clock, whatever clock the
// reactor runs on: the limits are about blocking the real thread.
type Limits struct {
	// WarnSlow is the run time above which a callback gets a warning on
	// Stderr (or to OnSlow): "warning: callback count (x.lua:9) blocked the
	// reactor for 1.204 s". Zero means no warning.
	WarnSlow time.Duration
	// OnSlow receives the slow callbacks instead of Stderr.
	OnSlow func(SlowCallback)

	// MaxCallbackTime interrupts Lua code that runs longer without giving
	// control back to the reactor: a callback, or the main chunk's own code
	// (the time it spends inside reactor.run() does not count). The
	// interrupted code gets a Lua error ("callback exceeded the time limit
	// of 1s") it cannot catch for good, reported as usual; the loop goes on.
	// Zero means no limit.
	MaxCallbackTime time.Duration
	// MaxRunTime bounds a whole RunChunk: the main chunk and the
	// reactor.run() it calls. When it passes, the reactor is stopped and the
	// Lua code running is interrupted, so RunChunk returns an error saying so.
	// Zero means no limit.
	MaxRunTime time.Duration

	// Interruptible makes Lua code running on the loop interruptible by
	// Runtime.Interrupt. It costs what a time limit costs (the VM checks a
	// context before every instruction of a callback or chunk), so it is
	// off unless asked for.
	Interruptible bool

	// MaxStringSize is the largest string string.rep, string.format and
	// table.concat may build, in bytes; larger results raise "resulting
	// string too large". Zero means DefaultMaxStringSize.
	MaxStringSize int
}

// DefaultMaxStringSize is the string cap when Limits.MaxStringSize is zero.
const DefaultMaxStringSize = 256 << 20

// SlowCallback describes a callback that held the loop longer than
// Limits.WarnSlow.
type SlowCallback struct {
	Name     string        // the function's name, "?" when it has none
	Defined  string        // FILE:LINE where it was defined, if Lua code
	Duration time.Duration // how long it ran
}

// Warning is the line written to standard error for a slow callback.
func (s SlowCallback) Warning() string {
	what := s.Name
	if s.Name == "?" && s.Defined != "" {
		what = "<" + s.Defined + ">"
	}
	return fmt.Sprintf("warning: callback %s blocked the reactor for %.3f s\n",
		withDefined(what, s.Defined), s.Duration.Seconds())
}

// The errors Lua code sees when a time limit interrupts it.
type limitError struct {
	what  string // "callback", "main chunk", "script"
	limit time.Duration
	run   bool // the run time limit, rather than the per-callback one
}

func (e *limitError) Error() string {
	if e.run {
		return fmt.Sprintf("%s exceeded its run time limit of %v", e.what, e.limit)
	}
	return fmt.Sprintf("%s exceeded the time limit of %v", e.what, e.limit)
}

// watchdog enforces Limits for one Runtime. Lua code under a time limit runs
// with the state's context set to deadline, which the VM checks before every
// instruction; the deadline moves as callbacks start and end, so one context
// serves the main thread and every coroutine alike.
type watchdog struct {
	deadline *deadlineCtx // nil until a time limit is first needed
	// published is deadline, for Interrupt to reach from other goroutines.
	published atomic.Pointer[deadlineCtx]

	depth   int       // guarded stretches under way (a chunk, callbacks)
	stretch time.Time // deadline of the innermost stretch; zero: none
	what    string    // what the innermost stretch is: "callback" or "main chunk"
	// idle is set while the innermost stretch is a main chunk waiting in
	// reactor.run(): no Lua code runs, so there is nothing to interrupt.
	idle bool
	run  time.Time // deadline of the RunChunk under way; zero: none

	// loop is the reactor a RunChunk is running, for the run time limit to
	// stop from the timer's goroutine.
	loop atomic.Pointer[reactor.Reactor]

	// The errors of the limits, made with deadline: arm, which runs as every
	// callback starts, picks one rather than allocating it.
	callbackErr, chunkErr, runErr *limitError

	// running is the Lua function of the callback running now (nil between
	// callbacks, or for a callable with no Lua function behind it), for the
	// signal goroutine to name what holds the loop (runningCallback). Only
	// the pointer crosses goroutines; what is read through it, its
	// prototype, never changes once compiled.
	running atomic.Pointer[lua.LFunction]
}

// guard is what a stretch restores when it ends.
type guard struct {
	start     time.Time
	stretch   time.Time
	what      string
	idle      bool
	installed bool // this stretch set the state's context
}

// underWatch reports whether Lua code runs with the deadline context set: under
// a time limit, or to be interruptible.
func (rt *Runtime) underWatch() bool {
	lim := rt.cfg.Limits
	return lim.MaxCallbackTime > 0 || lim.MaxRunTime > 0 || lim.Interruptible
}

// beginCallback starts the clock on a callback, for the slow-callback warning
// and the per-callback time limit. With neither it does nothing; with the
// warning alone it reads the clock once.
func (rt *Runtime) beginCallback() guard {
	if !rt.underWatch() {
		if rt.cfg.Limits.WarnSlow > 0 {
			return guard{start: time.Now()}
		}
		return guard{}
	}
	return rt.enterStretch("callback")
}

// endCallback stops the clock on a callback started by beginCallback: it
// restores the limits of what ran it and warns if the callback was slow.
func (rt *Runtime) endCallback(g guard, fn lua.LValue) {
	if g.start.IsZero() {
		return
	}
	elapsed := time.Since(g.start)
	if rt.underWatch() {
		rt.leaveStretch(g)
	}
	if w := rt.cfg.Limits.WarnSlow; w > 0 && elapsed > w {
		name, defined := rt.shortName(rt.L, fn)
		slow := SlowCallback{Name: name, Defined: defined, Duration: elapsed}
		if rt.cfg.Limits.OnSlow != nil {
			rt.cfg.Limits.OnSlow(slow)
		} else {
			fmt.Fprint(rt.cfg.Stderr, slow.Warning())
		}
	}
}

// PCallAsCallback calls fn(args...) as PCall does, under the limits of a
// callback: the slow-callback warning and MaxCallbackTime. It is for Go code
// that runs Lua work on the loop's goroutine (host.CallFromGoroutine).
func (rt *Runtime) PCallAsCallback(fn lua.LValue, args ...lua.LValue) error {
	outer := rt.watch.running.Swap(luaFunctionOf(rt.L, fn))
	g := rt.beginCallback()
	err := rt.PCall(fn, args...)
	rt.endCallback(g, fn)
	rt.watch.running.Store(outer) // a callback's callback (clock:advance) ends inside it
	return err
}

// luaFunctionOf is the function a call of v runs: v itself, or the __call
// of its metatable; nil if neither is a function.
func luaFunctionOf(L *lua.LState, v lua.LValue) *lua.LFunction {
	if fn, ok := v.(*lua.LFunction); ok {
		return fn
	}
	fn, _ := L.GetMetaField(v, "__call").(*lua.LFunction)
	return fn
}

// runningCallback describes the callback running now, from any goroutine:
// "callback function <x.lua:3>", "callback Go function", or "" between
// callbacks. Its name would take the Lua state, which only the loop's
// goroutine may touch, so it is named by where it was defined.
func (w *watchdog) runningCallback() string {
	fn := w.running.Load()
	switch {
	case fn == nil:
		return ""
	case fn.IsG:
		return "callback Go function"
	}
	return "callback function <" + definedAt(fn) + ">"
}

// RunChunk calls fn(args...) as PCall does, under the time limits:
// MaxCallbackTime bounds the chunk's own code, MaxRunTime the whole call,
// the reactor.run() it makes included.
func (rt *Runtime) RunChunk(fn lua.LValue, args ...lua.LValue) error {
	if !rt.underWatch() {
		return rt.PCall(fn, args...)
	}
	w := &rt.watch
	saved := w.run
	if limit := rt.cfg.Limits.MaxRunTime; limit > 0 {
		w.run = time.Now().Add(limit)
	}
	g := rt.enterStretch("main chunk")
	err := rt.PCall(fn, args...)
	w.run = saved
	rt.leaveStretch(g)
	return err
}

// enterLoop is called as reactor.run() starts the loop: the main chunk's
// clock pauses (callbacks get their own), and the run time limit learns which
// reactor to stop. The function it returns undoes it when run() returns.
func (rt *Runtime) enterLoop() (leave func()) {
	w := &rt.watch
	if w.deadline == nil || w.what != "main chunk" {
		return func() {}
	}
	start := time.Now()
	paused := w.stretch
	w.stretch = time.Time{}
	w.idle = true
	w.loop.Store(rt.r)
	rt.arm()
	return func() {
		w.loop.Store(nil)
		w.idle = false
		if !paused.IsZero() {
			// The chunk keeps the budget it had left: calling run() again
			// (which fails at once) buys no time.
			w.stretch = paused.Add(time.Since(start))
		}
		rt.arm()
	}
}

func (rt *Runtime) enterStretch(what string) guard {
	w := &rt.watch
	if w.deadline == nil {
		w.deadline = newDeadlineCtx(w.stopLoop)
		lim := rt.cfg.Limits
		w.callbackErr = &limitError{what: "callback", limit: lim.MaxCallbackTime}
		w.chunkErr = &limitError{what: "main chunk", limit: lim.MaxCallbackTime}
		w.runErr = &limitError{what: "script", limit: lim.MaxRunTime, run: true}
		w.published.Store(w.deadline)
	}
	now := time.Now()
	g := guard{start: now, stretch: w.stretch, what: w.what, idle: w.idle}
	if limit := rt.cfg.Limits.MaxCallbackTime; limit > 0 {
		w.stretch = now.Add(limit)
	}
	w.what, w.idle = what, false
	if w.depth == 0 && rt.L.Context() == nil {
		rt.L.SetContext(w.deadline)
		g.installed = true
	}
	w.depth++
	rt.arm()
	return g
}

func (rt *Runtime) leaveStretch(g guard) {
	w := &rt.watch
	w.depth--
	w.stretch, w.what, w.idle = g.stretch, g.what, g.idle
	if g.installed {
		rt.L.RemoveContext()
	}
	if w.depth == 0 {
		w.deadline.disarm()
	} else {
		rt.arm()
	}
}

// arm points the deadline at the earlier of the stretch and run deadlines,
// and tells it whether Lua code runs now.
func (rt *Runtime) arm() {
	w := &rt.watch
	at, reason := w.stretch, w.callbackErr
	if w.what == "main chunk" {
		reason = w.chunkErr
	}
	if !w.run.IsZero() && (at.IsZero() || w.run.Before(at)) {
		at, reason = w.run, w.runErr
	}
	w.deadline.arm(at, reason, w.depth > 0 && !w.idle)
}

func (w *watchdog) stopLoop() {
	if r := w.loop.Load(); r != nil {
		r.Stop()
	}
}

// Interrupt interrupts the Lua code running on the loop now, a callback or
// a chunk, from any goroutine: it fails at its next instruction with
// "interrupted!", as under lua.c's Ctrl-C. It reports whether Lua code was
// running; between callbacks, or while a chunk waits in reactor.run(), it does
// nothing, and an interrupt the code ends before it sees is dropped, never
// left for the next callback. It needs Limits.Interruptible (or a time
// limit), without which Lua code runs with no context to check.
func (rt *Runtime) Interrupt() bool {
	c := rt.watch.published.Load()
	return c != nil && c.interrupt()
}

// deadlineCtx is a context.Context whose deadline can move, and which
// Interrupt can close at once. gopher-lua checks Done before every
// instruction and raises Err's text as a Lua error once it is closed. Done
// and Err are called on the loop's goroutine only; the timer and Interrupt
// close the channel from their own.
//
// Moving the deadline must be cheap, since it happens twice per callback: the
// timer is only reset when the deadline moves earlier than the timer is set
// for. A timer that goes off before the deadline (it moved later) sets
// itself again.
//
// A deadline that has passed keeps the context closed until it is armed
// again, so that Lua code cannot catch the limit's error for good; an
// interrupt raises one error (see interruption).
type deadlineCtx struct {
	mu      sync.Mutex
	done    chan struct{}
	closed  bool      // done is closed
	cause   error     // what closed it: reason, or an interruption
	at      time.Time // zero when disarmed
	reason  error
	live    bool // Lua code runs under the context: Interrupt has work
	pending bool // done was closed by Interrupt, and the VM has not raised it
	timer   *time.Timer
	timerAt time.Time // when the timer goes off; zero if unknown or not set
	onRun   func()    // called when a run time limit fires
}

// interruption is Err of a context that Interrupt closed. gopher-lua raises
// ctx.Err().Error() as it sees Done closed: taking the text delivers the
// interrupt and opens the context again, so that one Interrupt raises one
// error, which Lua code may catch with pcall as under lua.c. Code that only
// checks Err() != nil (a socket's blocking wait) leaves it for the next
// instruction to raise.
type interruption struct{ c *deadlineCtx }

func (i interruption) Error() string {
	i.c.delivered()
	return "interrupted!"
}

func newDeadlineCtx(onRun func()) *deadlineCtx {
	c := &deadlineCtx{done: make(chan struct{}), onRun: onRun}
	c.timer = time.AfterFunc(time.Hour, c.fire)
	c.timer.Stop()
	return c
}

func (c *deadlineCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *deadlineCtx) Done() <-chan struct{}       { return c.done }
func (c *deadlineCtx) Value(any) any               { return nil }

func (c *deadlineCtx) Err() error {
	select {
	case <-c.done:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.cause
	default:
		return nil
	}
}

// arm sets the deadline to at (zero disarms it); reason is what Err says once
// it passes. A deadline already past fires at once. live says whether Lua
// code runs now: an interrupt not yet raised survives only while it does.
func (c *deadlineCtx) arm(at time.Time, reason error, live bool) {
	c.mu.Lock()
	c.live = live
	if c.closed && !(c.pending && live) {
		c.done, c.closed, c.pending = make(chan struct{}), false, false
	}
	c.at, c.reason = at, reason
	run := c.scheduleLocked()
	c.mu.Unlock()
	if run {
		c.onRun()
	}
}

func (c *deadlineCtx) disarm() {
	if c != nil {
		c.arm(time.Time{}, nil, false)
	}
}

// scheduleLocked closes the context if its deadline has passed, else makes
// sure the timer goes off by then. It reports whether a run time limit
// closed it, for the caller to call onRun once the lock is released.
func (c *deadlineCtx) scheduleLocked() (run bool) {
	if c.closed || c.at.IsZero() {
		return false
	}
	now := time.Now()
	if !c.at.After(now) {
		return c.closeLocked(c.reason)
	}
	if c.timerAt.IsZero() || c.at.Before(c.timerAt) {
		c.timerAt = c.at
		c.timer.Reset(c.at.Sub(now))
	}
	return false
}

// closeLocked closes done for cause, and reports whether cause is a run time
// limit.
func (c *deadlineCtx) closeLocked(cause error) (run bool) {
	c.closed, c.cause = true, cause
	close(c.done)
	lim, _ := cause.(*limitError)
	return lim != nil && lim.run
}

// fire is the timer's: it closes the context if the deadline has passed, or
// sets the timer again if the deadline moved later.
func (c *deadlineCtx) fire() {
	c.mu.Lock()
	c.timerAt = time.Time{}
	run := c.scheduleLocked()
	c.mu.Unlock()
	if run {
		c.onRun()
	}
}

// interrupt closes the context for an interruption if Lua code runs, and
// reports whether it does.
func (c *deadlineCtx) interrupt() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live {
		return false
	}
	if !c.closed { // else a time limit is stopping the code already
		c.pending = true
		c.closeLocked(interruption{c})
	}
	return true
}

// delivered opens the context again once the VM has raised the interrupt,
// closing it at once if a deadline passed meanwhile.
func (c *deadlineCtx) delivered() {
	c.mu.Lock()
	if !c.pending {
		c.mu.Unlock()
		return
	}
	c.done, c.closed, c.pending = make(chan struct{}), false, false
	run := c.scheduleLocked()
	c.mu.Unlock()
	if run {
		c.onRun()
	}
}
