package luabind

import (
	"strings"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// The "stdio" module: stdio.StandardIO(proto [, {stdin = 0, stdout = 1}])
// runs proto, a Lua protocol instance, over the process's standard input
// and output (reactor.StandardIO), as Twisted's stdio.StandardIO:
// make_connection (so connection_made) runs inside the call, stdin's data
// goes to data_received, proto.transport:write() writes to stdout without
// blocking, and the end of stdin is connection_lost(ConnectionDone) once
// what was written has reached stdout (a protocol with read_connection_lost
// gets that instead). The call returns the transport. Under a sandbox it is
// refused unless the embedder allows stdio.

var fnStandardIO = fname{name: "StandardIO"}

// stdioModule is require("stdio"), a strict, read-only module, built on the
// Module interface as a host's plugins are.
type stdioModule struct{ rt *Runtime }

func (m stdioModule) Open(env *Env) (lua.LValue, error) {
	L := env.LState()
	mod := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"StandardIO": m.rt.luaStandardIO,
	})
	strictModule(L, "stdio", mod, nil)
	return mod, nil
}

func (rt *Runtime) luaStandardIO(L *lua.LState) int {
	proto := rt.checkStdioProtocol(L)
	opts := checkStdioOptions(L, 2)
	rt.allowIO(L, fnStandardIO.name, IOStdio, "")
	rt.allowStdioFds(L)
	r := rt.checkReactor(L)
	p := rt.newLuaStdio(proto)
	if _, err := r.StandardIO(p, opts...); err != nil {
		L.RaiseError("StandardIO: %s", strings.TrimPrefix(err.Error(), "reactor: StandardIO: "))
	}
	// make_connection has run (or raised, which is reported and closes the
	// transport on a later turn): the transport exists either way.
	L.Push(p.stream().transport())
	return 1
}

// checkStdioProtocol reads argument 1: a protocol instance, a table with a
// make_connection method (protocol.Protocol's sets self.transport and
// calls connection_made).
func (rt *Runtime) checkStdioProtocol(L *lua.LState) lua.LValue {
	v := L.Get(1)
	if hint := moduleHint(v, fnStandardIO.name); hint != "" {
		argError(L, 1, fnStandardIO, "protocol expected, got the stdio module"+hint)
	}
	if _, ok := v.(*lua.LTable); !ok {
		typeError(L, 1, fnStandardIO, "protocol")
	}
	if m, err := rt.lookupMethod(v, "make_connection"); err != nil || m == lua.LNil {
		argError(L, 1, fnStandardIO, "protocol expected, got table without make_connection (extend protocol.Protocol)")
	}
	return v
}

// checkStdioOptions reads the options table at n: stdin and stdout, the
// descriptors to use instead of 0 and 1.
func checkStdioOptions(L *lua.LState, n int) []reactor.StdioOption {
	if L.Get(n) == lua.LNil {
		return nil
	}
	t, ok := L.Get(n).(*lua.LTable)
	if !ok {
		typeError(L, n, fnStandardIO, "table")
	}
	var opts []reactor.StdioOption
	L.ForEach(t, func(k, v lua.LValue) {
		name, ok := k.(lua.LString)
		if !ok {
			argError(L, n, fnStandardIO, "string expected for an option name, got "+k.Type().String())
		}
		fd, ok := v.(lua.LNumber)
		if (name == "stdin" || name == "stdout") && (!ok || fd != lua.LNumber(int32(fd)) || fd < 0) {
			argError(L, n, fnStandardIO, "non-negative integer expected for "+string(name)+", got "+valueDescription(v))
		}
		switch name {
		case "stdin":
			opts = append(opts, reactor.StdinFd(int(fd)))
		case "stdout":
			opts = append(opts, reactor.StdoutFd(int(fd)))
		default:
			argError(L, n, fnStandardIO, "unknown option "+keyText(k))
		}
	})
	return opts
}

// valueDescription is v's type, or the number itself when it is one.
func valueDescription(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return lua51NumberString(float64(n))
	}
	return v.Type().String()
}

// luaStdio is the reactor.StdioProtocol of a Lua protocol: luaStream's
// methods, with the standard I/O as the transport. Both of its descriptors
// stand for the transport in get_readers and get_writers.
type luaStdio struct {
	*luaStream
	stdin, stdout reactor.FileDescriptor // get_readers and get_writers list them as the transport
}

// luaHalfStdio is a luaStdio whose protocol is half-closeable.
type luaHalfStdio struct{ *luaStdio }

type stdioAdapter interface {
	reactor.StdioProtocol
	stream() *luaStream
}

var (
	_ stdioAdapter = (*luaStdio)(nil)
	_ stdioAdapter = luaHalfStdio{}
)

// newLuaStdio makes the StdioProtocol of obj, half-closeable when obj has
// read_connection_lost or write_connection_lost, as newLuaStream decides.
func (rt *Runtime) newLuaStdio(obj lua.LValue) stdioAdapter {
	p := rt.newLuaStream(obj)
	s := &luaStdio{luaStream: streamOf(p)}
	if _, ok := p.(luaHalfCloseable); ok {
		return luaHalfStdio{s}
	}
	return s
}

func (p *luaStdio) stream() *luaStream { return p.luaStream }

func (p *luaStdio) ConnectionMade(t *reactor.StandardIO) {
	fds := t.Descriptors()
	p.stdin, p.stdout = fds[0], fds[1]
	p.newTransport(t)
	p.rt.rememberIO(p.stdin, p.transport())
	// Also when make_connection raises.
	defer func() { p.rt.rememberIO(p.stdout, p.transport()) }()
	p.makeConnection()
}

func (p *luaStdio) ConnectionLost(reason error) {
	p.rt.forgetIO(p.stdin)
	p.rt.forgetIO(p.stdout)
	p.luaStream.ConnectionLost(reason)
}

func (h luaHalfStdio) ReadConnectionLost()  { luaHalfCloseable{h.luaStream}.ReadConnectionLost() }
func (h luaHalfStdio) WriteConnectionLost() { luaHalfCloseable{h.luaStream}.WriteConnectionLost() }
