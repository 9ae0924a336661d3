package reactor

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"

	"golang.org/x/sys/unix"
)

// FileDescriptor is a descriptor the reactor can watch, after Twisted's
// IFileDescriptor. Watchers are compared with ==, so a FileDescriptor must
// be of a comparable type: a pointer, as a rule.
type FileDescriptor interface {
	// Fd is the descriptor to watch: the number it was added with while it
	// is open, -1 once it has been closed.
	Fd() int
	// ConnectionLost is called once the reactor has removed the watcher
	// because its DoRead or DoWrite returned an error or panicked, or its
	// descriptor went away; reason says why. It is not called for a watcher
	// the program removes itself.
	ConnectionLost(reason error)
}

// ReadDescriptor is a FileDescriptor watched for reading (Twisted's
// IReadDescriptor).
type ReadDescriptor interface {
	FileDescriptor
	// DoRead is called when a read would not block: data, end of file, a
	// hangup or a pending error. A non-nil error (the usual one at end of
	// file says the connection is done) removes the watcher, as reader and
	// as writer, and passes the error to ConnectionLost.
	DoRead() error
}

// WriteDescriptor is a FileDescriptor watched for writing (Twisted's
// IWriteDescriptor).
type WriteDescriptor interface {
	FileDescriptor
	// DoWrite is called when a write would not block, or, for a descriptor
	// not also watched for reading, when it hung up or is in error (the write
	// then fails with EPIPE or the error). A non-nil error removes the
	// watcher as DoRead's does.
	DoWrite() error
}

// ErrFdWentAway is the reason ConnectionLost gets when a watcher's Fd
// returns -1 at dispatch (Twisted's ConnectionFdescWentAway).
var ErrFdWentAway = errors.New("reactor: file descriptor went away (Fd returned -1)")

// A watch is the reactor's record of one watched descriptor: its reader and
// writer, either possibly nil but not both. A watch leaves the table once
// neither is left, and a new one is made if the descriptor is watched again,
// so a stale pointer to a watch never matches a later registration.
type watch struct {
	fd     int
	reader ReadDescriptor
	writer WriteDescriptor
	// readSeq and writeSeq identify the registration of reader and writer
	// (r.watchSeq at the time), so that readiness seen before a watcher
	// was added is never delivered to it.
	readSeq, writeSeq uint64
	inPoller          bool // the poller watches fd (see alwaysReady)
	// alwaysReady: the poller refused fd with EPERM, as epoll does regular
	// files and /dev/null. Such a descriptor never blocks, so it counts as
	// ready for whatever it is watched for, every iteration.
	alwaysReady bool
}

func (w *watch) events() Events {
	var ev Events
	if w.reader != nil {
		ev |= Readable
	}
	if w.writer != nil {
		ev |= Writable
	}
	return ev
}

// watchers lists the reader and the writer, a watcher that is both once.
func (w *watch) watchers() []FileDescriptor {
	var fds []FileDescriptor
	if w.reader != nil {
		fds = append(fds, w.reader)
	}
	if w.writer != nil && (w.reader == nil || FileDescriptor(w.reader) != FileDescriptor(w.writer)) {
		fds = append(fds, w.writer)
	}
	return fds
}

// readyWatch is one entry of an iteration's ready list: the watch as it
// stood when the poller reported it.
type readyWatch struct {
	w                 *watch
	events            Events
	readSeq, writeSeq uint64
}

// lostWatch is a watcher the reactor dropped outside a dispatch, whose
// ConnectionLost is still to run.
type lostWatch struct {
	fd     FileDescriptor
	reason error
}

// AddReader starts watching r's descriptor for reading, as Twisted's
// addReader. Adding a reader already added does nothing; adding another
// reader on the same descriptor replaces the first, which gets no further
// event (as in Twisted, where the descriptor's number is the key).
//
// The watch is level-triggered: DoRead is called every iteration while the
// descriptor is readable, until RemoveReader. Read and write interest are
// set independently, and may be changed from any callback at any time; a
// reader added during an iteration gets its first event in a later one, and
// a reader removed during an iteration gets no further event in it, even if
// the poller has already reported its descriptor ready.
//
// A descriptor the poller refuses with EPERM (epoll does regular files and
// /dev/null) is always ready: DoRead is called every iteration, and the loop
// does not block while it is watched. The select poller cannot watch a
// descriptor of 1024 or more (FD_SETSIZE): AddReader then returns an error
// wrapping ErrFdOutOfRange, and the reactor watches nothing new.
//
// While any reader or writer is watched the reactor is not Idle. Like
// CallLater, AddReader belongs to the loop's goroutine.
func (r *Reactor) AddReader(rd ReadDescriptor) error {
	w, err := r.watchFor(rd, "reader")
	if err != nil {
		return err
	}
	if w.reader == rd {
		return nil
	}
	old, oldSeq := w.reader, w.readSeq
	r.watchSeq++
	w.reader, w.readSeq = rd, r.watchSeq
	if err := r.updateWatch(w); err != nil {
		w.reader, w.readSeq = old, oldSeq
		r.dropIfEmpty(w)
		return err
	}
	return nil
}

// AddWriter starts watching w's descriptor for writing, as Twisted's
// addWriter; everything AddReader says holds for it, with DoWrite for
// DoRead.
func (r *Reactor) AddWriter(wr WriteDescriptor) error {
	w, err := r.watchFor(wr, "writer")
	if err != nil {
		return err
	}
	if w.writer == wr {
		return nil
	}
	old, oldSeq := w.writer, w.writeSeq
	r.watchSeq++
	w.writer, w.writeSeq = wr, r.watchSeq
	if err := r.updateWatch(w); err != nil {
		w.writer, w.writeSeq = old, oldSeq
		r.dropIfEmpty(w)
		return err
	}
	return nil
}

// RemoveReader stops watching rd for reading; removing a reader that is not
// watched does nothing. It takes effect at once: rd gets no further DoRead,
// not even for readiness the poller has already reported in this iteration.
// It works after rd's descriptor was closed (Fd -1), so close after or
// before, as convenient.
func (r *Reactor) RemoveReader(rd ReadDescriptor) {
	if w := r.findWatch(rd, func(w *watch) bool { return w.reader == rd }); w != nil {
		w.reader, w.readSeq = nil, 0
		r.narrowWatch(w)
	}
}

// RemoveWriter stops watching wr for writing, as RemoveReader does for
// reading.
func (r *Reactor) RemoveWriter(wr WriteDescriptor) {
	if w := r.findWatch(wr, func(w *watch) bool { return w.writer == wr }); w != nil {
		w.writer, w.writeSeq = nil, 0
		r.narrowWatch(w)
	}
}

// RemoveAll stops watching every reader and writer and returns them (a
// watcher that is both, once), as Twisted's removeAll. The reactor's
// internal descriptors are never among them.
func (r *Reactor) RemoveAll() []FileDescriptor {
	var all []FileDescriptor
	for _, w := range r.watches {
		if isInternal(w.reader) {
			continue // a child's exit watcher: without it no child is reaped
		}
		all = append(all, w.watchers()...)
		w.reader, w.writer, w.readSeq, w.writeSeq = nil, nil, 0, 0
		r.narrowWatch(w)
	}
	return all
}

// internalWatcher marks a watcher of the reactor's own (a child's pidfd),
// which RemoveAll, Readers and Writers leave out, as Twisted leaves out its
// wakers.
type internalWatcher interface{ reactorInternal() }

func isInternal(rd ReadDescriptor) bool {
	_, ok := rd.(internalWatcher)
	return ok
}

// Readers returns the watched readers, in no particular order (Twisted's
// getReaders, without the reactor's own descriptors).
func (r *Reactor) Readers() []ReadDescriptor {
	var rds []ReadDescriptor
	for _, w := range r.watches {
		if w.reader != nil && !isInternal(w.reader) {
			rds = append(rds, w.reader)
		}
	}
	// A stream transport starts reading once its ConnectionMade returns, and
	// counts as reading during it.
	if t := r.starting; t != nil && !t.paused && !t.readClosed && !t.disconnecting && !slices.Contains(rds, ReadDescriptor(t)) {
		rds = append(rds, t)
	}
	return rds
}

// Writers returns the watched writers, in no particular order.
func (r *Reactor) Writers() []WriteDescriptor {
	var wrs []WriteDescriptor
	for _, w := range r.watches {
		if w.writer != nil {
			wrs = append(wrs, w.writer)
		}
	}
	return wrs
}

// watchFor returns the watch of fd's descriptor, a new one if it has none.
func (r *Reactor) watchFor(fd FileDescriptor, role string) (*watch, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	n := fd.Fd()
	if n < 0 {
		return nil, fmt.Errorf("reactor: add %s fd %d: %w", role, n, unix.EBADF)
	}
	if n == r.waker.fd() {
		// Only a stale number (a descriptor closed and not removed) can
		// equal the waker's, which is open for the reactor's whole life.
		return nil, fmt.Errorf("reactor: add %s fd %d: the reactor's own descriptor: %w", role, n, unix.EBADF)
	}
	if w := r.watches[n]; w != nil {
		return w, nil
	}
	if r.watches == nil {
		r.watches = make(map[int]*watch)
	}
	w := &watch{fd: n}
	r.watches[n] = w
	return w, nil
}

// findWatch finds the watch holding fd by its descriptor number or, once
// that is -1 (closed), by a search.
func (r *Reactor) findWatch(fd FileDescriptor, holds func(*watch) bool) *watch {
	if n := fd.Fd(); n >= 0 {
		if w := r.watches[n]; w != nil && holds(w) {
			return w
		}
		return nil
	}
	for _, w := range r.watches {
		if holds(w) {
			return w
		}
	}
	return nil
}

// updateWatch tells the poller the watch's events. A descriptor number may
// have been closed and reused without a Remove, so the poller's idea of it
// may be stale both ways: Modify falls back to Add and Add to Modify.
func (r *Reactor) updateWatch(w *watch) error {
	ev := w.events()
	if w.alwaysReady {
		return nil // counted once, when it became always ready
	}
	if w.inPoller {
		err := r.poller.Modify(w.fd, ev)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.ENOENT) {
			return err
		}
		w.inPoller = false // the kernel forgot a closed descriptor
	}
	err := r.poller.Add(w.fd, ev)
	if errors.Is(err, unix.EEXIST) {
		err = r.poller.Modify(w.fd, ev)
	}
	switch {
	case err == nil:
		w.inPoller = true
	case errors.Is(err, unix.EPERM):
		w.alwaysReady = true
		r.alwaysReady++
		err = nil
	}
	return err
}

// narrowWatch updates the poller after a reader or writer left w, and drops
// w once neither is left. If the poller refuses to watch the remaining one
// (its descriptor was closed behind the reactor's back), that one is dropped
// too and gets ConnectionLost with the error, at the next dispatch.
func (r *Reactor) narrowWatch(w *watch) {
	if w.reader != nil || w.writer != nil {
		if err := r.updateWatch(w); err != nil {
			for _, fd := range w.watchers() {
				r.lost = append(r.lost, lostWatch{fd, err})
			}
			w.reader, w.writer, w.readSeq, w.writeSeq = nil, nil, 0, 0
		}
	}
	r.dropIfEmpty(w)
}

// dropIfEmpty removes a watch with neither reader nor writer from the
// table and the poller.
func (r *Reactor) dropIfEmpty(w *watch) {
	if w.reader != nil || w.writer != nil {
		return
	}
	if r.watches[w.fd] == w {
		delete(r.watches, w.fd)
	}
	if w.inPoller {
		// An error means the poller no longer has it: nothing to undo.
		_ = r.poller.Remove(w.fd)
		w.inPoller = false
	}
	if w.alwaysReady {
		w.alwaysReady = false
		r.alwaysReady--
	}
}

// watching reports whether any user descriptor is watched.
func (r *Reactor) watching() bool { return len(r.watches) > 0 }

// readyNow reports whether the next dispatch has work without waiting: an
// always-ready descriptor or a ConnectionLost to deliver.
func (r *Reactor) readyNow() bool { return r.alwaysReady > 0 || len(r.lost) > 0 }

// collectReady turns the poller's events into the iteration's ready list,
// before any watcher runs, and adds the always-ready descriptors.
func (r *Reactor) collectReady(events []Event) {
	r.ready = r.ready[:0]
	for _, ev := range events {
		if w := r.watches[ev.Fd]; w != nil && w.inPoller {
			r.ready = append(r.ready, readyWatch{w, ev.Events, w.readSeq, w.writeSeq})
		}
	}
	if r.alwaysReady > 0 {
		for _, w := range r.watches {
			if w.alwaysReady {
				r.ready = append(r.ready, readyWatch{w, w.events(), w.readSeq, w.writeSeq})
			}
		}
	}
}

// dispatchIO delivers the ready list: for each descriptor, DoRead first,
// then DoWrite. A watcher is called only if it is still the one that was
// registered when the poller looked (same watch, same registration), so a
// removal, or a close and reuse of the number, during the iteration is never
// confused with the readiness seen before it.
func (r *Reactor) dispatchIO() {
	for len(r.lost) > 0 && !r.halted.Load() {
		l := r.lost[0]
		r.lost = r.lost[1:]
		r.invoke(Func(func() { l.fd.ConnectionLost(l.reason) }))
	}
	for i := range r.ready {
		it := r.ready[i]
		r.ready[i] = readyWatch{}
		w := it.w
		if r.halted.Load() {
			continue
		}
		if it.events&(Readable|Hangup) != 0 && w.reader != nil && w.readSeq == it.readSeq {
			rd := w.reader
			r.doIO(rd, rd.DoRead)
		}
		hangupToWriter := it.events&Hangup != 0 && it.readSeq == 0
		if (it.events&Writable != 0 || hangupToWriter) && w.writer != nil && w.writeSeq == it.writeSeq {
			wr := w.writer
			r.doIO(wr, wr.DoWrite)
		}
	}
	r.ready = r.ready[:0]
}

// doIO runs one DoRead or DoWrite of fd, as Twisted's _doReadOrWrite: a
// descriptor gone away (-1), an error returned, or a panic (reported first,
// like a timer's) removes fd as reader and writer and calls its
// ConnectionLost with the reason.
func (r *Reactor) doIO(fd FileDescriptor, do func() error) {
	if fd.Fd() == -1 {
		r.disconnect(fd, ErrFdWentAway)
		return
	}
	var reason error
	panicked := true
	func() {
		defer func() {
			if panicked {
				v := recover()
				p := &PanicError{Value: v, Stack: debug.Stack()}
				r.ReportError(p)
				reason = p
			}
		}()
		reason = do()
		panicked = false
	}()
	if reason != nil {
		r.disconnect(fd, reason)
	}
}

// disconnect removes fd as reader and writer, then calls ConnectionLost.
func (r *Reactor) disconnect(fd FileDescriptor, reason error) {
	if rd, ok := fd.(ReadDescriptor); ok {
		r.RemoveReader(rd)
	}
	if wr, ok := fd.(WriteDescriptor); ok {
		r.RemoveWriter(wr)
	}
	r.invoke(Func(func() { fd.ConnectionLost(reason) }))
}

// preen drops the watchers whose descriptors were closed behind the
// reactor's back, which makes select(2) fail with EBADF for every watched
// descriptor, and queues their ConnectionLost with the poller's error
// (Twisted's _preenDescriptors). It reports whether it found any: if not,
// the error is the reactor's own and Run returns it.
func (r *Reactor) preen(waitErr error) bool {
	found := false
	for _, w := range r.watches {
		if !w.inPoller {
			continue
		}
		if _, err := unix.FcntlInt(uintptr(w.fd), unix.F_GETFD, 0); err != unix.EBADF {
			continue
		}
		found = true
		reason := fmt.Errorf("reactor: fd %d was closed while watched: %w", w.fd, waitErr)
		for _, fd := range w.watchers() {
			r.lost = append(r.lost, lostWatch{fd, reason})
		}
		w.reader, w.writer, w.readSeq, w.writeSeq = nil, nil, 0, 0
		r.dropIfEmpty(w)
	}
	r.ready = r.ready[:0]
	return found
}
