package luabind

import (
	"errors"
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// tcpFunctions are the reactor module's listen_tcp, connect_tcp, listen_unix and connect_unix.
func (rt *Runtime) tcpFunctions() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"listen_tcp":   rt.luaListenTCP,
		"connect_tcp":  rt.luaConnectTCP,
		"listen_unix":  rt.luaListenUNIX,
		"connect_unix": rt.luaConnectUNIX,
	}
}

var (
	fnListenTCP   = fname{name: "listen_tcp"}
	fnConnectTCP  = fname{name: "connect_tcp"}
	fnListenUNIX  = fname{name: "listen_unix"}
	fnConnectUNIX = fname{name: "connect_unix"}
)

// defaultConnectTimeout is connect_tcp's and connect_unix's timeout when
// the script gives none, as Twisted's connectTCP.
const defaultConnectTimeout = 30 * time.Second

// reactor.listen_tcp(port, factory [, {interface = "127.0.0.1", backlog = 50}])
func (rt *Runtime) luaListenTCP(L *lua.LState) int {
	f := fnListenTCP
	port := checkPortNumber(L, 1, f, 0)
	factory := checkFactory(L, 2, f)
	opts := readOptions(L, 3, f, "backlog", "interface")
	iface := ""
	if v := opts["interface"]; v != nil {
		iface = checkInterface(L, 3, f, v)
	}
	backlog := checkBacklog(L, 3, f, opts["backlog"])
	shown := iface
	switch shown {
	case "":
		shown = "0.0.0.0"
	case "localhost":
		shown = "127.0.0.1"
	}
	rt.allowIO(L, f.name, IONetwork, net.JoinHostPort(shown, strconv.Itoa(port)))
	r := rt.checkReactor(L)
	lp := &luaPort{rt: rt, factory: factory, network: "tcp"}
	p, err := r.ListenTCP(port, iface, backlog, func(addr net.Addr) reactor.Protocol {
		return rt.buildProtocol(factory, addr)
	})
	if err != nil {
		rt.raiseCannotListen(L, err)
	}
	lp.port = p
	return rt.pushPort(L, r, lp)
}

// reactor.listen_unix(path, factory [, {backlog = 50}])
func (rt *Runtime) luaListenUNIX(L *lua.LState) int {
	f := fnListenUNIX
	path := checkPath(L, 1, f)
	factory := checkFactory(L, 2, f)
	opts := readOptions(L, 3, f, "backlog")
	backlog := checkBacklog(L, 3, f, opts["backlog"])
	path = rt.guardedPath(L, f.name, path, "")
	rt.allowIO(L, f.name, IONetwork, path)
	r := rt.checkReactor(L)
	lp := &luaPort{rt: rt, factory: factory, network: "unix"}
	p, err := r.ListenUNIX(path, backlog, func(addr net.Addr) reactor.Protocol {
		return rt.buildProtocol(factory, addr)
	})
	if err != nil {
		rt.raiseCannotListen(L, err)
	}
	lp.port = p
	return rt.pushPort(L, r, lp)
}

// pushPort pushes the userdata of a port that listens, once its factory
// has started.
func (rt *Runtime) pushPort(L *lua.LState, r *reactor.Reactor, lp *luaPort) int {
	ud := rt.portValue(lp)
	lp.startFactory(L, r)
	L.Push(ud)
	return 1
}

// raiseCannotListen raises a listen's failure as an instance of the
// errors module's CannotListenError, with Twisted's message, its errno and
// what it could not listen on: pcall gets a value reason-like code can
// check, and an uncaught one reads "CannotListenError: Couldn't listen on
// ..." (see errorText).
func (rt *Runtime) raiseCannotListen(L *lua.LState, err error) {
	fields := errnoFields(err)
	if fields == nil {
		fields = map[string]lua.LValue{}
	}
	var cle *reactor.CannotListenError
	if errors.As(err, &cle) {
		fields["interface"] = lua.LString(cle.Interface)
		if n, convErr := strconv.Atoi(cle.Port); convErr == nil {
			fields["port"] = lua.LNumber(n)
		} else {
			fields["port"] = lua.LString(cle.Port)
		}
	}
	L.Error(rt.errorInstance("CannotListenError", err.Error(), fields), 0)
}

// reactor.connect_tcp(host, port, factory [, {timeout = 30, bind_address = {host, port}}])
func (rt *Runtime) luaConnectTCP(L *lua.LState) int {
	f := fnConnectTCP
	host := checkString(L, 1, f)
	if host == "" {
		argError(L, 1, f, "non-empty host expected")
	}
	port := checkPortNumber(L, 2, f, 1)
	factory := checkFactory(L, 3, f)
	opts := readOptions(L, 4, f, "timeout", "bind_address")
	timeout := checkTimeout(L, 4, f, opts["timeout"])
	var connectOpts []reactor.ConnectOption
	if bind := opts["bind_address"]; bind != nil && bind != lua.LNil {
		bhost, bport := checkBindAddress(L, 4, f, bind)
		connectOpts = append(connectOpts, reactor.BindAddress(bhost, bport))
		if err := rt.askIO(IORequest{Function: f.name, Kind: IONetwork, Target: net.JoinHostPort(bhost, strconv.Itoa(bport)), Bind: true}); err != nil {
			L.RaiseError("%s: %s", f.name, err.Error())
		}
	}
	rt.allowIO(L, f.name, IONetwork, net.JoinHostPort(host, strconv.Itoa(port)))
	if rt.guardsIO() && net.ParseIP(host) == nil {
		// The name is looked up off the loop: its addresses are asked about
		// there, and a refusal fails the attempt.
		connectOpts = append(connectOpts, reactor.ApproveAddress(func(a *net.TCPAddr) error {
			if err := rt.resolvedRefusal(f.name, host, a.IP, a.Port); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			return nil
		}))
	}
	r := rt.checkReactor(L)
	lc := rt.newConnector(factory)
	c, err := r.ConnectTCP(host, port, timeout, lc, connectOpts...)
	if err != nil { // a port, or a bind address, out of range
		raise(L, err)
	}
	return rt.pushConnector(L, lc, c)
}

// checkBindAddress reads the bind_address option, Twisted's bindAddress
// tuple: {host, port}, or {host = h, port = p}. The host is an IP address
// or "localhost" ("" for any), the port 0-65535 (0: any).
func checkBindAddress(L *lua.LState, n int, f fname, v lua.LValue) (string, int) {
	t, ok := v.(*lua.LTable)
	if !ok {
		argError(L, n, f, "bind_address must be a table {host, port}, got "+v.Type().String())
	}
	h, p := t.RawGetInt(1), t.RawGetInt(2)
	if h == lua.LNil && p == lua.LNil {
		h, p = t.RawGetString("host"), t.RawGetString("port")
	}
	host, ok := h.(lua.LString)
	if !ok {
		argError(L, n, f, "bind_address host must be a string, got "+h.Type().String())
	}
	if s := string(host); s != "" && s != "localhost" && net.ParseIP(s) == nil {
		argError(L, n, f, "bind_address host must be an IP address or \"localhost\", got \""+s+"\"")
	}
	port, ok := p.(lua.LNumber)
	if !ok || port != lua.LNumber(int(port)) || port < 0 || port > 65535 {
		argError(L, n, f, "bind_address port must be an integer in 0-65535")
	}
	return string(host), int(port)
}

// reactor.connect_unix(path, factory [, {timeout = 30}])
func (rt *Runtime) luaConnectUNIX(L *lua.LState) int {
	f := fnConnectUNIX
	path := checkPath(L, 1, f)
	factory := checkFactory(L, 2, f)
	opts := readOptions(L, 3, f, "timeout")
	timeout := checkTimeout(L, 3, f, opts["timeout"])
	path = rt.guardedPath(L, f.name, path, "")
	rt.allowIO(L, f.name, IONetwork, path)
	r := rt.checkReactor(L)
	lc := rt.newConnector(factory)
	c, err := r.ConnectUNIX(path, timeout, lc)
	if err != nil {
		raise(L, err)
	}
	return rt.pushConnector(L, lc, c)
}

// pushConnector pushes the connector of an attempt under way, once the
// factory has been told (do_start, started_connecting). The attempt ends
// on a later turn, so nothing can have happened to it meanwhile.
func (rt *Runtime) pushConnector(L *lua.LState, lc *luaConnector, c *reactor.Connector) int {
	lc.c = c
	lc.startAttempt(L)
	L.Push(lc.ud)
	return 1
}

// registryMeta is the metatable of a userdata type kept in the registry
// under "loopscript."+name, made by make the first time.
func (rt *Runtime) registryMeta(name string, make func() *lua.LTable) *lua.LTable {
	reg, _ := rt.L.Get(lua.RegistryIndex).(*lua.LTable)
	key := "loopscript." + name
	if t, ok := reg.RawGetString(key).(*lua.LTable); ok {
		return t
	}
	t := make()
	reg.RawSetString(key, t)
	return t
}

// checkPortNumber reads argument n as a port number, an integer from min
// (0 for a listen, which picks a free port; 1 for a connect) to 65535.
func checkPortNumber(L *lua.LState, n int, f fname, min int) int {
	v, ok := L.Get(n).(lua.LNumber)
	if !ok {
		typeError(L, n, f, "number")
	}
	p := float64(v)
	if p != math.Trunc(p) || p < float64(min) || p > 65535 {
		argError(L, n, f, "port in "+strconv.Itoa(min)+"-65535 expected, got "+numberText(p))
	}
	return int(p)
}

// checkFactory reads argument n as a factory: a table (protocol.Factory
// and its subclasses) with a build_protocol method.
func checkFactory(L *lua.LState, n int, f fname) lua.LValue {
	v, ok := L.Get(n).(*lua.LTable)
	if !ok {
		typeError(L, n, f, "factory table")
	}
	m := L.GetField(v, "build_protocol")
	if m == lua.LNil {
		argError(L, n, f, "factory expected, got a table without build_protocol (extend protocol.Factory)")
	}
	if !IsCallable(L, m) {
		argError(L, n, f, "factory expected, got a table whose build_protocol is a "+m.Type().String())
	}
	return v
}

// checkPath reads argument n as a UNIX socket's path: a non-empty string.
func checkPath(L *lua.LState, n int, f fname) string {
	path := checkString(L, n, f)
	if path == "" {
		argError(L, n, f, "non-empty path expected")
	}
	return path
}

// readOptions reads argument n, an optional table of options whose keys
// must be among names, into a map from name to value.
func readOptions(L *lua.LState, n int, f fname, names ...string) map[string]lua.LValue {
	v := L.Get(n)
	if v == lua.LNil {
		return nil
	}
	t, ok := v.(*lua.LTable)
	if !ok {
		typeError(L, n, f, "options table")
	}
	opts := map[string]lua.LValue{}
	var bad lua.LValue
	t.ForEach(func(k, v lua.LValue) {
		if s, ok := k.(lua.LString); ok && contains(names, string(s)) {
			opts[string(s)] = v
		} else if bad == nil {
			bad = k
		}
	})
	if bad != nil {
		sorted := append([]string(nil), names...)
		sort.Strings(sorted)
		argError(L, n, f, "unknown option "+keyText(bad)+"; the options are "+strings.Join(sorted, ", "))
	}
	return opts
}

func contains(names []string, s string) bool {
	for _, n := range names {
		if n == s {
			return true
		}
	}
	return false
}

// checkInterface reads the interface option: an IP address or "localhost"
// ("" is the default, all IPv4 interfaces).
func checkInterface(L *lua.LState, n int, f fname, v lua.LValue) string {
	s, ok := v.(lua.LString)
	if !ok {
		argError(L, n, f, "option 'interface' must be a string, got "+v.Type().String())
	}
	iface := string(s)
	if iface != "" && iface != "localhost" && net.ParseIP(iface) == nil {
		argError(L, n, f, "option 'interface' must be an IP address or \"localhost\", got "+strconv.Quote(iface))
	}
	return iface
}

// maxBacklog bounds the backlog option; the kernel caps it lower
// (net.core.somaxconn) anyway.
const maxBacklog = 1 << 16

// checkBacklog reads the backlog option: a positive integer; 50 when
// absent.
func checkBacklog(L *lua.LState, n int, f fname, v lua.LValue) int {
	if v == nil {
		return 0 // the reactor's default, 50
	}
	b, ok := v.(lua.LNumber)
	if !ok {
		argError(L, n, f, "option 'backlog' must be a number, got "+v.Type().String())
	}
	x := float64(b)
	if x != math.Trunc(x) || x < 1 || x > maxBacklog {
		argError(L, n, f, "option 'backlog' must be an integer in 1-"+strconv.Itoa(maxBacklog)+", got "+numberText(x))
	}
	return int(x)
}

// checkTimeout reads the timeout option: a positive number of seconds; 30
// when absent.
func checkTimeout(L *lua.LState, n int, f fname, v lua.LValue) time.Duration {
	if v == nil {
		return defaultConnectTimeout
	}
	s, ok := v.(lua.LNumber)
	if !ok {
		argError(L, n, f, "option 'timeout' must be a number, got "+v.Type().String())
	}
	x := float64(s)
	if math.IsNaN(x) || x <= 0 {
		argError(L, n, f, "option 'timeout' must be a positive number of seconds, got "+numberText(x))
	}
	return secondsToDuration(x)
}
