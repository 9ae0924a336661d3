package luabind

import (
	"errors"
	"sort"
	"strconv"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// Descriptor watching for Lua objects, after Twisted's IReactorFDSet:
// reactor.add_reader(r), remove_reader(r), add_writer(w), remove_writer(w),
// get_readers(), get_writers() and remove_all().
//
// A reader is any table (or userdata) with fileno(), do_read() and
// connection_lost(reason), and optionally log_prefix(); a writer has
// do_write() instead of do_read(). Each object gets one luaWatcher, the
// reactor.ReadDescriptor and WriteDescriptor over it, so an object added as
// reader and as writer is one descriptor watched both ways, as in Twisted.
//
// A do_read or do_write that returns a true value (protocol.CONNECTION_DONE,
// protocol.CONNECTION_LOST, any other reason) or raises an error removes
// the object as reader and writer and calls its connection_lost with the
// reason as a Failure; the error is reported once. fileno() is asked again
// at each event: -1, or a descriptor that is no longer open, removes the
// object with ConnectionFdescWentAway (a ConnectionLost), as Twisted does.
// When the reactor stops, every object still watched gets connection_lost
// (ConnectionLost), as Twisted's disconnectAll.

var (
	fnAddReader    = fname{name: "add_reader"}
	fnRemoveReader = fname{name: "remove_reader"}
	fnAddWriter    = fname{name: "add_writer"}
	fnRemoveWriter = fname{name: "remove_writer"}
)

// watcherFunctions are the reactor module's add_reader, remove_reader, add_writer, remove_writer, get_readers, get_writers and remove_all.
func (rt *Runtime) watcherFunctions() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"add_reader":    func(L *lua.LState) int { return rt.luaAddWatch(L, fnAddReader, false) },
		"add_writer":    func(L *lua.LState) int { return rt.luaAddWatch(L, fnAddWriter, true) },
		"remove_reader": func(L *lua.LState) int { return rt.luaRemoveWatch(L, fnRemoveReader, false) },
		"remove_writer": func(L *lua.LState) int { return rt.luaRemoveWatch(L, fnRemoveWriter, true) },
		"get_readers":   func(L *lua.LState) int { return rt.pushWatched(L, rt.watched(true, false)) },
		"get_writers":   func(L *lua.LState) int { return rt.pushWatched(L, rt.watched(false, true)) },
		"remove_all":    rt.luaRemoveAll,
	}
}

// luaWatcher is the reactor's descriptor for one Lua object.
type luaWatcher struct {
	rt  *Runtime
	obj lua.LValue
	fd  int // what fileno() returned when the object was added
	// reading and writing are what the script asked for and has not
	// undone, and what the reactor still holds unless fdClosed.
	reading, writing bool
	// fdClosed: the socket module closed fd while it was watched. The
	// watcher is out of the reactor already (the number may be reused at
	// once); on the next turn it loses its connection unless the script
	// removed or re-added it meanwhile, as a poll reactor would see
	// POLLNVAL then.
	fdClosed bool
	// lostDue: the watcher's own event returned a reason or failed, and
	// the reactor is about to call ConnectionLost with it, which then
	// reaches connection_lost even if the event removed the object itself
	// (as in Twisted).
	lostDue bool
}

var (
	_ reactor.ReadDescriptor  = (*luaWatcher)(nil)
	_ reactor.WriteDescriptor = (*luaWatcher)(nil)
)

// luaWatchers is the Runtime's record of the Lua objects it watches.
type luaWatchers struct {
	byObj            map[lua.LValue]*luaWatcher
	readers, writers map[int]*luaWatcher // by descriptor
	shutdownArmed    bool
}

// Fd is the number the reactor watches. It stays the same while the
// object is watched: fileno() is checked, under protection, at each event.
func (w *luaWatcher) Fd() int { return w.fd }

func (w *luaWatcher) DoRead() error  { return w.dispatch("do_read") }
func (w *luaWatcher) DoWrite() error { return w.dispatch("do_write") }

// ConnectionLost is the reactor's notice that it dropped the watcher (both
// ways): the object's connection_lost gets the reason, once per
// registration. A watcher the script removed meanwhile is told nothing.
func (w *luaWatcher) ConnectionLost(reason error) {
	if !w.reading && !w.writing && !w.lostDue {
		return
	}
	w.lostDue = false
	w.rt.watchers.stop(w, true, true)
	_, _ = w.rt.callWatcher(w, "connection_lost", false, w.rt.watcherReason(reason))
}

// watcherDone is the reason a do_read or do_write returned.
type watcherDone struct{ value lua.LValue }

func (d *watcherDone) Error() string { return "do_read returned a reason" }

// errFdLost is the reason of a watcher whose fileno() returned -1 or a
// closed descriptor: Twisted's ConnectionFdescWentAway("File descriptor
// lost"), whose message reads "Uh: File descriptor lost.".
var errFdLost error = fdLostError{}

type fdLostError struct{}

func (fdLostError) Error() string        { return "File descriptor lost." }
func (fdLostError) Is(target error) bool { return target == reactor.ErrFdWentAway }

// dispatch runs one event: fileno() first, as Twisted's _doReadOrWrite,
// then the method.
func (w *luaWatcher) dispatch(method string) error {
	err := w.event(method)
	w.lostDue = err != nil
	return err
}

func (w *luaWatcher) event(method string) error {
	if err := w.checkFileno(); err != nil {
		return err
	}
	v, err := w.rt.callWatcher(w, method, true)
	if err != nil {
		if _, exit := err.(*ExitError); exit {
			return nil // the reactor is halting
		}
		return err
	}
	if !lua.LVAsBool(v) {
		return nil
	}
	return &watcherDone{value: v}
}

// checkFileno asks the object for its descriptor again: -1, or a
// descriptor that is no longer open, means the connection is gone.
func (w *luaWatcher) checkFileno() error {
	v, err := w.rt.callWatcher(w, "fileno", true)
	if err != nil {
		if _, exit := err.(*ExitError); exit {
			return nil
		}
		return err
	}
	n, ok := v.(lua.LNumber)
	if !ok {
		msg := "fileno() returned " + typeNameOf(v) + ", number expected"
		e := &CallbackError{Function: "method 'fileno'", Message: msg, value: lua.LString(msg)}
		w.rt.reportWatcher(w, e)
		return e
	}
	if n < 0 || n != lua.LNumber(int(n)) || !fdOpen(int(n)) {
		return errFdLost
	}
	return nil
}

// fdOpen reports whether fd is an open descriptor.
func fdOpen(fd int) bool {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err != unix.EBADF
}

func typeNameOf(v lua.LValue) string {
	if v == lua.LNil {
		return "nil"
	}
	return "a " + v.Type().String()
}

// watcherReason is the Failure connection_lost gets. The two usual
// reasons of do_read are made afresh, as Twisted's _disconnectSelectable
// does (any instance of exactly ConnectionDone or ConnectionLost becomes
// the bare one); any other value is the reason as it is.
func (rt *Runtime) watcherReason(err error) lua.LValue {
	var done *watcherDone
	if !errors.As(err, &done) {
		return rt.reason(err)
	}
	if t, ok := done.value.(*lua.LTable); ok {
		errs := rt.errorsModule()
		switch t.Metatable {
		case errs.RawGetString("ConnectionDone"):
			return rt.reason(reactor.ErrConnectionDone)
		case errs.RawGetString("ConnectionLost"):
			return rt.failure(rt.errorInstance("ConnectionLost",
				"Connection to the other side was lost in a non-clean fashion.", nil), "")
		}
	}
	return rt.failure(done.value, "")
}

// callWatcher calls obj:name(args...) as a reactor callback and returns
// its first result. An object without the method is not called unless
// required. An error is reported once, naming the object by its
// log_prefix() when it has one, and returned.
func (rt *Runtime) callWatcher(w *luaWatcher, name string, required bool, args ...lua.LValue) (lua.LValue, error) {
	m, cbErr := rt.lookupMethod(w.obj, name)
	if cbErr != nil {
		rt.reportWatcher(w, cbErr)
		return lua.LNil, cbErr
	}
	if m == lua.LNil && !required {
		return lua.LNil, nil
	}
	if !IsCallable(rt.L, m) {
		msg := "attempt to call method '" + name + "' (a " + m.Type().String() + " value)"
		e := &CallbackError{Function: "method '" + name + "'", Message: msg, value: lua.LString(msg)}
		rt.reportWatcher(w, e)
		return lua.LNil, e
	}
	all := make([]lua.LValue, 0, 1+len(args))
	all = append(all, w.obj)
	all = append(all, args...)
	rt.traceCall(KindIO, m)
	rt.lastResult = lua.LNil
	err := rt.PCallAsCallback(m, all...)
	v := rt.lastResult
	rt.lastResult = lua.LNil
	switch e := err.(type) {
	case nil:
		return v, nil
	case *ExitError:
		if len(rt.catches) > rt.loopDepth {
			rt.raiseExit(rt.L.G.CurrentThread)
		}
		return lua.LNil, e
	case *CallbackError:
		rt.reportWatcher(w, e)
		return lua.LNil, e
	}
	return lua.LNil, err
}

// reportWatcher reports e, prefixed with the object's log_prefix() when it
// has one (as Twisted logs a selectable's errors under its logPrefix).
func (rt *Runtime) reportWatcher(w *luaWatcher, e *CallbackError) {
	if e.reported {
		return
	}
	if prefix := rt.logPrefix(w.obj); prefix != "" {
		e.Function = "[" + prefix + "] " + e.Function
	}
	rt.report(e)
}

// logPrefix is obj:log_prefix() if it has one that returns a string, else
// "". Its own errors are ignored: it only decorates a report.
func (rt *Runtime) logPrefix(obj lua.LValue) string {
	m, err := rt.lookupMethod(obj, "log_prefix")
	if err != nil || !IsCallable(rt.L, m) {
		return ""
	}
	L := rt.L
	L.Push(m)
	L.Push(obj)
	if rt.pcall(L, 1, 1) != nil {
		return ""
	}
	s, _ := L.Get(-1).(lua.LString)
	L.Pop(1)
	return string(s)
}

// luaAddWatch is add_reader(r) and add_writer(w).
func (rt *Runtime) luaAddWatch(L *lua.LState, f fname, write bool) int {
	obj := checkWatchable(L, f)
	if fd := rt.knownDescriptor(obj); fd != nil {
		rt.addGoWatch(L, f, fd, write)
		return 0
	}
	method := "do_read"
	if write {
		method = "do_write"
	}
	for _, name := range []string{"fileno", method} {
		// lookupMethod, not GetField: a strict object (a socket, a module)
		// would raise its own "has no field" for what is missing.
		if m, err := rt.lookupMethod(obj, name); err != nil || !IsCallable(L, m) {
			msg := "object with a " + name + " method expected, got " + objectKind(L, obj)
			if _, ok := obj.(*lua.LUserData); ok {
				msg += "; wrap it in a table with fileno, " + method + " and connection_lost"
			}
			argError(L, 1, f, msg+moduleHint(obj, f.name))
		}
	}
	ws := &rt.watchers
	w := ws.byObj[obj]
	if w == nil || w.fdClosed || (!w.reading && !w.writing) {
		fd := filenoOf(L, obj, f)
		if !rt.ownSocket(obj, fd) {
			rt.allowIO(L, f.name, IODescriptor, strconv.Itoa(fd))
		}
		if w == nil {
			w = &luaWatcher{rt: rt, obj: obj}
		}
		w.fd, w.fdClosed, w.reading, w.writing = fd, false, false, false
	}
	if (write && w.writing) || (!write && w.reading) {
		return 0
	}
	if holder := rt.goWatcherOn(w.fd, write); holder != "" {
		L.RaiseError("%s: descriptor %d is watched already by %s", f.name, w.fd, holder)
	}
	var err error
	if write {
		err = rt.r.AddWriter(w)
	} else {
		err = rt.r.AddReader(w)
	}
	if err != nil {
		ws.stop(w, false, false)
		L.RaiseError("%s: %s", f.name, err.Error())
	}
	ws.start(w, write)
	rt.armWatcherShutdown()
	return 0
}

// checkWatchable reads argument 1 of f: a table or a userdata.
func checkWatchable(L *lua.LState, f fname) lua.LValue {
	obj := L.Get(1)
	switch obj.Type() {
	case lua.LTTable, lua.LTUserData:
		return obj
	}
	typeError(L, 1, f, "table")
	return nil
}

// objectKind names obj in messages: its metatable's __name or __metatable
// when it is a string (a socket says tcp{client}), else its type.
func objectKind(L *lua.LState, obj lua.LValue) string {
	if ud, ok := obj.(*lua.LUserData); ok {
		if s, ok := ud.Value.(*luaSocket); ok {
			return s.className()
		}
	}
	return obj.Type().String()
}

// filenoOf calls obj:fileno() for add_reader: its errors are the caller's.
func filenoOf(L *lua.LState, obj lua.LValue, f fname) int {
	L.Push(L.GetField(obj, "fileno"))
	L.Push(obj)
	L.Call(1, 1)
	v := L.Get(-1)
	L.Pop(1)
	n, ok := v.(lua.LNumber)
	if !ok {
		argError(L, 1, f, "fileno() returned "+typeNameOf(v)+", number expected")
	}
	if n != lua.LNumber(int(n)) || n < 0 || n > 1<<30 {
		argError(L, 1, f, "fileno() returned "+lua.LVAsString(n)+", an open descriptor expected")
	}
	return int(n)
}

// start records that w is watched for reading or writing, displacing the
// Lua object the reactor watched the same descriptor for before (the
// reactor replaces it, as Twisted keys watchers by descriptor).
func (ws *luaWatchers) start(w *luaWatcher, write bool) {
	if ws.byObj == nil {
		ws.byObj = map[lua.LValue]*luaWatcher{}
		ws.readers = map[int]*luaWatcher{}
		ws.writers = map[int]*luaWatcher{}
	}
	byFd := ws.readers
	if write {
		byFd = ws.writers
	}
	if old := byFd[w.fd]; old != nil && old != w {
		ws.stop(old, !write, write)
	}
	byFd[w.fd] = w
	if write {
		w.writing = true
	} else {
		w.reading = true
	}
	ws.byObj[w.obj] = w
	w.rt.rememberIO(w, w.obj)
}

// stop records that w is no longer watched for reading and/or writing (the
// caller has told the reactor), and forgets it once neither is left.
func (ws *luaWatchers) stop(w *luaWatcher, read, write bool) {
	if read {
		w.reading = false
		if ws.readers[w.fd] == w {
			delete(ws.readers, w.fd)
		}
	}
	if write {
		w.writing = false
		if ws.writers[w.fd] == w {
			delete(ws.writers, w.fd)
		}
	}
	if !w.reading && !w.writing {
		if ws.byObj[w.obj] == w {
			delete(ws.byObj, w.obj)
		}
		w.fdClosed = false
		w.rt.forgetIO(w)
	}
}

// luaRemoveWatch is remove_reader(r) and remove_writer(w): removing what
// is not watched does nothing.
func (rt *Runtime) luaRemoveWatch(L *lua.LState, f fname, write bool) int {
	obj := checkWatchable(L, f)
	w := rt.watchers.byObj[obj]
	if w == nil {
		rt.removeGoWatch(obj, write)
		return 0
	}
	if write && w.writing {
		if !w.fdClosed {
			rt.r.RemoveWriter(w)
		}
		rt.watchers.stop(w, false, true)
	}
	if !write && w.reading {
		if !w.fdClosed {
			rt.r.RemoveReader(w)
		}
		rt.watchers.stop(w, true, false)
	}
	return 0
}

// watchedObject is one entry of get_readers, get_writers or remove_all.
type watchedObject struct {
	fd    int
	value lua.LValue
}

// watched lists the objects watched for reading and/or writing: the
// script's own and the transports and ports the script knows, never the
// reactor's internal descriptors or an embedder's. Each object is listed
// once, in the order of their descriptors.
func (rt *Runtime) watched(read, write bool) []watchedObject {
	var list []watchedObject
	seen := map[lua.LValue]bool{}
	add := func(fd int, v lua.LValue) {
		if v != lua.LNil && !seen[v] {
			seen[v] = true
			list = append(list, watchedObject{fd, v})
		}
	}
	for _, w := range rt.watchers.byObj {
		if (read && w.reading) || (write && w.writing) {
			add(w.fd, w.obj)
		}
	}
	if read {
		for _, rd := range rt.r.Readers() {
			if _, own := rd.(*luaWatcher); !own {
				add(rd.Fd(), rt.ioObject(rd))
			}
		}
	}
	if write {
		for _, wr := range rt.r.Writers() {
			if _, own := wr.(*luaWatcher); !own {
				add(wr.Fd(), rt.ioObject(wr))
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].fd < list[j].fd })
	return list
}

func (rt *Runtime) pushWatched(L *lua.LState, list []watchedObject) int {
	t := L.CreateTable(len(list), 0)
	for _, o := range list {
		t.Append(o.value)
	}
	L.Push(t)
	return 1
}

// luaRemoveAll is remove_all(): it stops watching everything get_readers
// and get_writers list and returns it, as Twisted's removeAll. No
// connection_lost is called.
func (rt *Runtime) luaRemoveAll(L *lua.LState) int {
	list := rt.watched(true, true)
	for _, w := range rt.watchers.byObj {
		if !w.fdClosed {
			rt.r.RemoveReader(w)
			rt.r.RemoveWriter(w)
		}
		rt.watchers.stop(w, true, true)
	}
	for _, rd := range rt.r.Readers() {
		if _, own := rd.(*luaWatcher); !own && rt.ioObject(rd) != lua.LNil {
			rt.r.RemoveReader(rd)
		}
	}
	for _, wr := range rt.r.Writers() {
		if _, own := wr.(*luaWatcher); !own && rt.ioObject(wr) != lua.LNil {
			rt.r.RemoveWriter(wr)
		}
	}
	return rt.pushWatched(L, list)
}

// knownDescriptor is the Go descriptor (a transport, a port) whose Lua
// value obj is, or nil: remove_reader(transport) and add_reader(transport)
// stop and restart its reading, as in Twisted.
func (rt *Runtime) knownDescriptor(obj lua.LValue) reactor.FileDescriptor {
	if _, ok := obj.(*lua.LUserData); !ok {
		return nil
	}
	if fd := streamDescriptor(obj); fd != nil {
		return fd
	}
	for fd, v := range rt.ioObjects {
		if v == obj {
			if _, own := fd.(*luaWatcher); !own {
				return fd
			}
		}
	}
	return nil
}

func (rt *Runtime) addGoWatch(L *lua.LState, f fname, fd reactor.FileDescriptor, write bool) {
	var err error
	if wr, ok := fd.(reactor.WriteDescriptor); ok && write {
		err = rt.r.AddWriter(wr)
	} else if rd, ok := fd.(reactor.ReadDescriptor); ok && !write {
		err = rt.r.AddReader(rd)
	} else {
		argError(L, 1, f, "object with a fileno method expected, got "+objectKind(L, rt.ioObject(fd)))
	}
	if err != nil {
		L.RaiseError("%s: %s", f.name, err.Error())
	}
}

func (rt *Runtime) removeGoWatch(obj lua.LValue, write bool) {
	fd := rt.knownDescriptor(obj)
	if wr, ok := fd.(reactor.WriteDescriptor); ok && write {
		rt.r.RemoveWriter(wr)
	} else if rd, ok := fd.(reactor.ReadDescriptor); ok && !write {
		rt.r.RemoveReader(rd)
	}
}

// goWatcherOn names the Go watcher (a transport, a port, an embedder's
// descriptor) that reads (or writes) fd, "" if none: a Lua object may not
// displace it, which would leave that transport deaf without a word.
func (rt *Runtime) goWatcherOn(fd int, write bool) string {
	if (!write && rt.watchers.readers[fd] != nil) || (write && rt.watchers.writers[fd] != nil) {
		return "" // a Lua object: replaced, as in Twisted
	}
	var holder reactor.FileDescriptor
	if write {
		for _, wr := range rt.r.Writers() {
			if wr.Fd() == fd {
				holder = wr
			}
		}
	} else {
		for _, rd := range rt.r.Readers() {
			if rd.Fd() == fd {
				holder = rd
			}
		}
	}
	if holder == nil {
		return ""
	}
	if _, own := holder.(*luaWatcher); own {
		return ""
	}
	if v := rt.ioObject(holder); v != lua.LNil {
		return ToString(rt.L, v)
	}
	return "the host"
}

// armWatcherShutdown makes the reactor's shutdown tell every Lua object
// still watched, once.
func (rt *Runtime) armWatcherShutdown() {
	if rt.watchers.shutdownArmed {
		return
	}
	rt.watchers.shutdownArmed = true
	// A phase and event that exist: the error cannot happen.
	_, _ = rt.r.AddSystemEventTrigger(reactor.During, reactor.Shutdown, rt.watchersAtShutdown)
}

// watchersAtShutdown removes every Lua object still watched and calls its
// connection_lost(ConnectionLost), as Twisted's disconnectAll: before
// reactor.run() returns.
func (rt *Runtime) watchersAtShutdown() {
	for range 100 { // connection_lost may add more; bounded, as shutdownIO
		if len(rt.watchers.byObj) == 0 {
			return
		}
		var all []*luaWatcher
		for _, w := range rt.watchers.byObj {
			all = append(all, w)
		}
		sort.Slice(all, func(i, j int) bool { return all[i].fd < all[j].fd })
		for _, w := range all {
			if !w.reading && !w.writing {
				continue
			}
			if !w.fdClosed {
				rt.r.RemoveReader(w)
				rt.r.RemoveWriter(w)
			}
			w.ConnectionLost(&reactor.ConnectionLostError{Err: reactor.ErrLostAtShutdown})
		}
	}
}

// fdClosing is the socket module's notice that it closes fd: the Lua
// objects watching it leave the reactor now, before the number can be
// reused, and lose their connection on the next turn unless the script
// removes or re-adds them first.
func (rt *Runtime) fdClosing(fd int) {
	if rt.r == nil {
		return
	}
	for _, w := range []*luaWatcher{rt.watchers.readers[fd], rt.watchers.writers[fd]} {
		if w == nil || w.fdClosed {
			continue
		}
		w.fdClosed = true
		rt.r.RemoveReader(w)
		rt.r.RemoveWriter(w)
		rt.r.CallLater(0, func() {
			if w.fdClosed {
				w.ConnectionLost(errFdLost)
			}
		})
	}
}
