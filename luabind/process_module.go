package luabind

import (
	"errors"
	"math"
	"os"
	"sort"
	"strings"
	"syscall"

	"github.com/loopscript/loopscript/internal/luastate"
	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// Child processes in Lua: reactor.spawn_process(pp, executable, args [,
// {env = {K = V}, path = DIR}]) starts a program on the reactor (see
// reactor.SpawnProcess) and returns its ProcessTransport; luaProcess is the
// reactor.ProcessProtocol that calls the Lua ProcessProtocol's methods.
//
// Errors raised in the protocol's methods are reported once, as in Twisted:
// one in make_connection (so in connection_made) is only reported, the
// process goes on and spawn_process still returns its transport (Twisted's
// Process.__init__ logs it); one in out_received or err_received closes
// that pipe, so out_connection_lost or err_connection_lost follows (Twisted
// loses the reader); one in the other methods is only reported.

const processTransportType = "ProcessTransport"

var fnSpawnProcess = fname{name: "spawn_process"}

// processFunctions are the reactor module's spawn_process.
func (rt *Runtime) processFunctions() map[string]lua.LGFunction {
	var meta *lua.LTable // the transports' metatable, made at the first spawn
	return map[string]lua.LGFunction{
		"spawn_process": func(L *lua.LState) int {
			if meta == nil {
				meta = rt.newProcessTransportMeta()
			}
			return rt.spawnProcess(L, meta)
		},
	}
}

// luaProcess is one child: the reactor's Process, the Lua protocol it
// reports to and the transport userdata the script holds, which lives in
// it (one allocation per spawn fewer).
type luaProcess struct {
	rt    *Runtime
	obj   lua.LValue
	ud    *lua.LUserData // &udata
	p     *reactor.Process
	pipes [3]reactor.FileDescriptor // stdin, stdout, stderr, as get_readers sees them
	udata lua.LUserData
}

var _ reactor.ProcessProtocol = (*luaProcess)(nil)

func (rt *Runtime) spawnProcess(L *lua.LState, meta *lua.LTable) int {
	pp := checkProcessProtocol(L)
	executable := checkSpawnString(L, 2, checkString(L, 2, fnSpawnProcess), "")
	args := checkSpawnArgs(L, 3)
	opts := checkSpawnOptions(L, 4)
	if rt.guardsIO() {
		executable, args = rt.guardedProgram(L, executable, args, opts)
	}
	rt.allowIO(L, "spawn_process", IOProcess, executable)
	r := rt.checkReactor(L)

	lp := &luaProcess{rt: rt, obj: pp}
	lp.udata = lua.LUserData{Value: lp, Env: L.Env, Metatable: meta}
	lp.ud = &lp.udata
	if _, err := r.SpawnProcess(lp, executable, args, opts); err != nil {
		L.RaiseError("spawn_process: cannot run '%s': %s", executable, errnoText(err))
	}
	L.Push(lp.ud)
	return 1
}

// guardedProgram is the program a policy is asked about, and spawned: the
// PATH searched as the reactor would, then the path made absolute (from
// the child's folder, where it is run), cleaned and free of symbolic links,
// so that neither "../" nor a link leads the policy astray. The child's
// argv[0] stays what the script named.
func (rt *Runtime) guardedProgram(L *lua.LState, executable string, args []string, opts reactor.ProcessOptions) (string, []string) {
	found, err := reactor.LookExecutable(executable, opts.Env)
	if err != nil {
		L.RaiseError("spawn_process: cannot run '%s': %s", executable, errnoText(err))
	}
	if len(args) == 0 {
		args = []string{executable}
	}
	return rt.guardedPath(L, "spawn_process", found, opts.Dir), args
}

// errnoText is the errno behind err in words ("no such file or
// directory"), or err's own text when there is none.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}

// checkProcessProtocol reads argument 1, the protocol: a table (a
// ProcessProtocol instance). reactor:spawn_process(...) passes the module
// itself, and the message says so.
func checkProcessProtocol(L *lua.LState) lua.LValue {
	v := L.Get(1)
	if hint := moduleHint(v, fnSpawnProcess.name); hint != "" {
		argError(L, 1, fnSpawnProcess, "ProcessProtocol expected, got the reactor module"+hint)
	}
	if _, ok := v.(*lua.LTable); !ok {
		typeError(L, 1, fnSpawnProcess, "table")
	}
	return v
}

// checkSpawnString refuses a string with a zero byte, which no program
// can receive in its arguments or environment; what names where it was
// found ("at index 2", "for env.HOME"), "" for the argument itself.
func checkSpawnString(L *lua.LState, n int, s, what string) string {
	if strings.IndexByte(s, 0) >= 0 {
		if what != "" {
			what = " " + what
		}
		argError(L, n, fnSpawnProcess, "string with no embedded zeros expected"+what)
	}
	return s
}

// checkSpawnArgs reads argument 3, the child's argv (argv[0] included) as
// a list of strings.
func checkSpawnArgs(L *lua.LState, n int) []string {
	list, ok := L.Get(n).(*lua.LTable)
	if !ok {
		typeError(L, n, fnSpawnProcess, "table")
	}
	args := make([]string, 0, list.Len())
	for i := 1; i <= list.Len(); i++ {
		at := "at index " + lua51NumberString(float64(i))
		s, ok := list.RawGetInt(i).(lua.LString)
		if !ok {
			argError(L, n, fnSpawnProcess, "string expected "+at+", got "+list.RawGetInt(i).Type().String())
		}
		args = append(args, checkSpawnString(L, n, string(s), at))
	}
	return args
}

// checkSpawnOptions reads argument 4, nil or {env = {K = V}, path = DIR}.
// Without env the child inherits this process's environment (Twisted's
// default is an empty one); with it, it gets exactly env.
func checkSpawnOptions(L *lua.LState, n int) reactor.ProcessOptions {
	opts := reactor.ProcessOptions{Env: os.Environ()}
	if L.Get(n) == lua.LNil {
		return opts
	}
	t, ok := L.Get(n).(*lua.LTable)
	if !ok {
		typeError(L, n, fnSpawnProcess, "table")
	}
	L.ForEach(t, func(k, v lua.LValue) {
		name, ok := k.(lua.LString)
		if !ok {
			argError(L, n, fnSpawnProcess, "string expected for an option name, got "+k.Type().String())
		}
		switch name {
		case "env":
			opts.Env = checkSpawnEnv(L, n, v)
		case "path":
			dir, ok := v.(lua.LString)
			if !ok {
				argError(L, n, fnSpawnProcess, "string expected for path, got "+v.Type().String())
			}
			opts.Dir = checkSpawnString(L, n, string(dir), "for path")
		default:
			argError(L, n, fnSpawnProcess, "unknown option "+keyText(k))
		}
	})
	return opts
}

// checkSpawnEnv turns the env table into "K=V" strings, sorted so the
// child's environment does not depend on the table's order.
func checkSpawnEnv(L *lua.LState, n int, v lua.LValue) []string {
	t, ok := v.(*lua.LTable)
	if !ok {
		argError(L, n, fnSpawnProcess, "table expected for env, got "+v.Type().String())
	}
	env := []string{}
	L.ForEach(t, func(k, v lua.LValue) {
		key, ok := k.(lua.LString)
		if !ok {
			argError(L, n, fnSpawnProcess, "string expected for an env name, got "+k.Type().String())
		}
		if key == "" || strings.IndexByte(string(key), '=') >= 0 {
			argError(L, n, fnSpawnProcess, "env name "+keyText(k)+" is empty or contains '='")
		}
		checkSpawnString(L, n, string(key), "for an env name")
		val, ok := v.(lua.LString)
		if !ok {
			argError(L, n, fnSpawnProcess, "string expected for env."+string(key)+", got "+v.Type().String())
		}
		env = append(env, string(key)+"="+checkSpawnString(L, n, string(val), "for env."+string(key)))
	})
	sort.Strings(env)
	return env
}

// The reactor's events, on the loop's goroutine (ConnectionMade inside
// spawn_process).

func (lp *luaProcess) ConnectionMade(p *reactor.Process) {
	lp.p = p
	lp.pipes = p.Pipes()
	for _, fd := range lp.pipes {
		lp.rt.rememberIO(fd, lp.ud)
	}
	if lp.rt.madeWithoutLua(lp.obj, lp.ud) {
		return
	}
	_ = lp.rt.callMethod(lp.obj, "make_connection", lp.ud) // reported; the process goes on
}

// madeWithoutLua does what ProcessProtocol's own make_connection does
// (connected and transport set, then connection_made called) when that is
// all a call would do: obj's make_connection is the one protocol.lua
// defined, its connection_made does nothing, and no __newindex could see
// the two fields set. It reports whether it did; the Lua call costs about
// 3 µs and 5 allocations more per spawn.
func (rt *Runtime) madeWithoutLua(obj, transport lua.LValue) bool {
	t, ok := obj.(*lua.LTable)
	if !ok || rt.processMakeConnection == nil || rt.cfg.Trace != nil {
		return false
	}
	if mt, ok := t.Metatable.(*lua.LTable); ok && mt.RawGetString("__newindex") != lua.LNil {
		return false
	}
	if m, ok := methodWithoutLua(t, "make_connection"); !ok || m != rt.processMakeConnection {
		return false
	}
	if !rt.hasEmptyMethod(t, "connection_made") {
		return false
	}
	t.RawSetString("connected", lua.LTrue)
	t.RawSetString("transport", transport)
	return true
}

// keepProcessDefaults is the protocol module's core.process_defaults:
// protocol.lua hands it ProcessProtocol's make_connection as defined, before
// any script can replace it, for madeWithoutLua to recognise.
func (rt *Runtime) keepProcessDefaults(L *lua.LState) int {
	rt.processMakeConnection = L.CheckFunction(1)
	return 0
}

// The protocol's methods that do nothing (the ProcessProtocol's defaults)
// are not called, and their arguments not built: a reason costs about 20
// allocations, a chunk of output its copy into a Lua string.

func (lp *luaProcess) OutReceived(data []byte) { lp.received("out_received", data) }
func (lp *luaProcess) ErrReceived(data []byte) { lp.received("err_received", data) }

func (lp *luaProcess) received(method string, data []byte) {
	if !lp.rt.hasEmptyMethod(lp.obj, method) {
		lp.closePipeOnError(lp.rt.callMethod(lp.obj, method, lua.LString(data)))
	}
}

// closePipeOnError hands a Lua error (reported already) to the pipe being
// read, which the reactor then closes, calling its *_connection_lost. An
// os.exit is no error: the reactor is halting.
func (lp *luaProcess) closePipeOnError(err error) {
	if cbErr, ok := err.(*CallbackError); ok {
		panic(cbErr)
	}
}

func (lp *luaProcess) InConnectionLost()  { lp.pipeLost(0, "in_connection_lost") }
func (lp *luaProcess) OutConnectionLost() { lp.pipeLost(1, "out_connection_lost") }
func (lp *luaProcess) ErrConnectionLost() { lp.pipeLost(2, "err_connection_lost") }

func (lp *luaProcess) pipeLost(i int, method string) {
	lp.rt.forgetIO(lp.pipes[i])
	if !lp.rt.hasEmptyMethod(lp.obj, method) {
		_ = lp.rt.callMethod(lp.obj, method)
	}
}

func (lp *luaProcess) ProcessExited(reason error) { lp.ended("process_exited", reason) }
func (lp *luaProcess) ProcessEnded(reason error)  { lp.ended("process_ended", reason) }

// ended calls process_exited or process_ended with its own Failure, as
// Twisted gives each its own.
func (lp *luaProcess) ended(method string, reason error) {
	if !lp.rt.hasEmptyMethod(lp.obj, method) {
		_ = lp.rt.callMethod(lp.obj, method, lp.rt.reason(reason))
	}
}

// The ProcessTransport userdata.

func (rt *Runtime) newProcessTransportMeta() *lua.LTable {
	L := rt.L
	methods := map[string]lua.LGFunction{
		"write":           processWrite,
		"close_stdin":     processCloseStdin,
		"close_stdout":    processCloseStdout,
		"close_stderr":    processCloseStderr,
		"lose_connection": processLoseConnection,
		"signal_process":  rt.processSignal,
		// The child's stdin consumes from a producer, as Twisted's
		// Process.registerProducer: without one, a script writing to a
		// child that never reads could only buffer without bound.
		"register_producer":   rt.processRegisterProducer,
		"unregister_producer": processUnregisterProducer,
	}
	table := L.NewTable()
	L.SetFuncs(table, methods)
	names := []string{"pid"}
	for name := range methods {
		names = append(names, name)
	}
	meta := L.NewTable()
	// pid is live, as Twisted's attribute: nil once the child has been
	// reaped, so its number (which the system may reuse) is never seen
	// after that.
	index := L.NewFunction(func(L *lua.LState) int {
		lp := checkProcess(L, "index")
		key := L.Get(2)
		if s, ok := key.(lua.LString); ok {
			if v := processField(lp, table, string(s)); v != nil {
				L.Push(v)
				return 1
			}
		}
		raiseNoField(L, processTransportType, key, names)
		return 0
	})
	meta.RawSetString("__index", index)
	luastate.SetFastUserdataIndex(L, index, func(_ *lua.LState, ud *lua.LUserData, key string) lua.LValue {
		if lp, ok := ud.Value.(*luaProcess); ok {
			return processField(lp, table, key)
		}
		return nil
	})
	meta.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		lp := checkProcess(L, "tostring")
		if pid := lp.p.Pid(); pid != 0 {
			L.Push(lua.LString("<ProcessTransport pid=" + lua51NumberString(float64(pid)) + ">"))
		} else {
			L.Push(lua.LString("<ProcessTransport (exited)>"))
		}
		return 1
	}))
	meta.RawSetString("__metatable", lua.LString(processTransportType))
	return meta
}

// processField is lp's field key: a method of table, or pid; nil when it
// has none.
func processField(lp *luaProcess, table *lua.LTable, key string) lua.LValue {
	if key == "pid" {
		if pid := lp.p.Pid(); pid != 0 {
			return lua.LNumber(pid)
		}
		return lua.LNil
	}
	if m := table.RawGetString(key); m != lua.LNil {
		return m
	}
	return nil
}

// checkProcess is the self of a ProcessTransport method; the message for
// another value suggests ':' since '.' is the usual cause.
func checkProcess(L *lua.LState, name string) *luaProcess {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if lp, ok := ud.Value.(*luaProcess); ok {
			return lp
		}
	}
	L.RaiseError("bad argument #1 to '%s' (%s expected, got %s; use transport:%s, not transport.%s)",
		name, processTransportType, typeName(L, 1), name, name)
	return nil
}

func processWrite(L *lua.LState) int {
	lp := checkProcess(L, "write")
	if data := checkStringArg(L, 2, fname{name: "write", method: true}); data != "" {
		lp.p.Write([]byte(data))
	}
	return 0
}

func processCloseStdin(L *lua.LState) int {
	checkProcess(L, "close_stdin").p.CloseStdin()
	return 0
}

func processCloseStdout(L *lua.LState) int {
	checkProcess(L, "close_stdout").p.CloseStdout()
	return 0
}

func processCloseStderr(L *lua.LState) int {
	checkProcess(L, "close_stderr").p.CloseStderr()
	return 0
}

func (rt *Runtime) processRegisterProducer(L *lua.LState) int {
	lp := checkProcess(L, "register_producer")
	if err := lp.p.RegisterProducer(rt.checkProducer(L)); err != nil {
		raise(L, err)
	}
	return 0
}

func processUnregisterProducer(L *lua.LState) int {
	checkProcess(L, "unregister_producer").p.UnregisterProducer()
	return 0
}

func processLoseConnection(L *lua.LState) int {
	checkProcess(L, "lose_connection").p.LoseConnection()
	return 0
}

// maxSignal is the highest signal number (Linux's SIGRTMAX).
const maxSignal = 64

// processSignal is signal_process(sig): a name as Twisted takes them
// ("TERM", "KILL", "INT", "HUP", any other the system knows, with or
// without "SIG") or a number. Once the child has been reaped it raises
// the errors module's ProcessExitedAlready instance, with Twisted's message.
func (rt *Runtime) processSignal(L *lua.LState) int {
	lp := checkProcess(L, "signal_process")
	f := fname{name: "signal_process", method: true}
	var sig syscall.Signal
	switch v := L.Get(2).(type) {
	case lua.LString:
		name := strings.ToUpper(string(v))
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		if sig = unix.SignalNum(name); sig == 0 || strings.IndexByte(string(v), 0) >= 0 {
			argError(L, 2, f, "unknown signal '"+string(v)+"'")
		}
	case lua.LNumber:
		n := float64(v)
		if n != math.Trunc(n) || n < 0 || n > maxSignal {
			argError(L, 2, f, "unknown signal "+numberText(n))
		}
		sig = syscall.Signal(int(n))
	default:
		typeError(L, 2, f, "string or number")
	}
	err := lp.p.SignalProcess(sig)
	switch {
	case errors.Is(err, reactor.ErrProcessExitedAlready):
		L.Error(rt.errorInstance("ProcessExitedAlready", err.Error(), nil), 1)
	case err != nil:
		L.RaiseError("signal_process: %s", errnoText(err))
	}
	return 0
}
