package luabind

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// The "socket" module: the TCP part of luasocket, the Lua ecosystem's socket
// library, with its names and return conventions, for scripts that drive
// descriptors themselves (reactor.add_reader, or socket.select).
//
// As in luasocket, a socket is non-blocking in the kernel and its timeout
// is kept in the object: settimeout(0) makes every call return at once
// ("timeout" when it would block); the default, nil or a negative value,
// waits as long as it takes (on the loop's thread: only for code that does
// not run the reactor, or for a connect on loopback); a positive value
// waits at most that long, polling that one descriptor. Failures come back
// as nil plus luasocket's message ("closed", "timeout", "connection
// refused", ...), never as Lua errors; bad arguments raise.
//
// Differences from luasocket 3.1, each for a reason: socket.tcp() makes an
// IPv4 socket at once (getfd() is real before connect, as in luasocket 2
// and the tutorial's Python), remade as IPv6 by a connect or bind to an
// IPv6 address while it is still unbound; a port outside 0-65535 is a bad
// argument (luasocket returns a resolver error); there is no __gc (gopher-
// lua has none) but an unreachable socket is closed by the Go collector;
// close() also drops any reactor watch on the descriptor (see fdClosing).

const socketType = "socket"

// socketBufferSize is what one recv asks for, luasocket's BUF_SIZE.
const socketBufferSize = 8192

// socketWaitSlice bounds one poll of a waiting call, so that a script
// interrupted by the callback time limit notices within that time.
const socketWaitSlice = 100 * time.Millisecond

type socketState int

const (
	socketMaster socketState = iota // made, not yet connected or listening
	socketClient                    // connected (or connecting)
	socketServer                    // listening
)

// luaSocket is the userdata behind a Lua socket.
type luaSocket struct {
	rt     *Runtime
	fd     int // -1 once closed
	family int
	// familyFixed: tcp4/tcp6, or bound: a connect or bind must not remake
	// the socket in another family.
	familyFixed bool
	state       socketState
	// block and total are settimeout's two timeouts in seconds, negative
	// for none (luasocket's 'b' and 't' modes).
	block, total float64
	buf          []byte // received and not yet returned
	received     int64
	sent         int64
	born         time.Time
}

func (s *luaSocket) className() string {
	switch s.state {
	case socketClient:
		return "tcp{client}"
	case socketServer:
		return "tcp{server}"
	}
	return "tcp{master}"
}

// socketModule is require("socket").
type socketModule struct{ rt *Runtime }

func (m socketModule) Open(env *Env) (lua.LValue, error) {
	rt, L := m.rt, env.LState()
	mod := L.NewTable()
	L.SetFuncs(mod, map[string]lua.LGFunction{
		"tcp":     func(L *lua.LState) int { return rt.socketCreate(L, "tcp", unix.AF_INET, false) },
		"tcp4":    func(L *lua.LState) int { return rt.socketCreate(L, "tcp4", unix.AF_INET, true) },
		"tcp6":    func(L *lua.LState) int { return rt.socketCreate(L, "tcp6", unix.AF_INET6, true) },
		"connect": rt.socketConnectFunc,
		"bind":    rt.socketBindFunc,
		"gettime": socketGettime,
		"select":  rt.socketSelect,
	})
	mod.RawSetString("_VERSION", lua.LString("LuaSocket 3.1.0"))
	return mod, nil
}

func socketGettime(L *lua.LState) int {
	L.Push(lua.LNumber(float64(time.Now().UnixNano()) / 1e9))
	return 1
}

func (rt *Runtime) socketMetatable() *lua.LTable {
	return rt.registryMeta("socket", func() *lua.LTable {
		L := rt.L
		methods := L.NewTable()
		L.SetFuncs(methods, map[string]lua.LGFunction{
			"accept":      rt.sockAccept,
			"bind":        rt.sockBind,
			"close":       rt.sockClose,
			"connect":     rt.sockConnect,
			"dirty":       sockDirty,
			"fileno":      sockGetfd,
			"getfamily":   sockGetfamily,
			"getfd":       sockGetfd,
			"getoption":   sockGetoption,
			"getpeername": sockGetpeername,
			"getsockname": sockGetsockname,
			"getstats":    sockGetstats,
			"listen":      sockListen,
			"receive":     rt.sockReceive,
			"send":        sockSend,
			"setoption":   sockSetoption,
			"settimeout":  sockSettimeout,
			"shutdown":    sockShutdown,
		})
		strictMethods(L, socketType, methods)
		meta := L.NewTable()
		meta.RawSetString("__index", methods)
		meta.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
			s := checkSelf[luaSocket](L, fname{name: "tostring"}, socketType)
			L.Push(lua.LString(fmt.Sprintf("%s: %p", s.className(), s)))
			return 1
		}))
		meta.RawSetString("__metatable", lua.LString(socketType))
		return meta
	})
}

// newSocketValue wraps fd as a Lua socket; an unreachable one has its
// descriptor closed by the collector, as luasocket's __gc does.
func (rt *Runtime) newSocketValue(L *lua.LState, fd, family int, state socketState) *lua.LUserData {
	s := &luaSocket{rt: rt, fd: fd, family: family, state: state, block: -1, total: -1, born: time.Now()}
	runtime.SetFinalizer(s, func(s *luaSocket) {
		if s.fd >= 0 {
			unix.Close(s.fd)
		}
	})
	ud := L.NewUserData()
	ud.Value = s
	L.SetMetatable(ud, rt.socketMetatable())
	return ud
}

// socketCreate is socket.tcp(), tcp4() and tcp6(): a master socket, or
// nil and an error.
func (rt *Runtime) socketCreate(L *lua.LState, name string, family int, fixed bool) int {
	rt.allowIO(L, name, IONetwork, "")
	fd, err := reactor.NewSocket(family, unix.SOCK_STREAM)
	if err != nil {
		return pushFail(L, socketError(err))
	}
	ud := rt.newSocketValue(L, fd, family, socketMaster)
	ud.Value.(*luaSocket).familyFixed = fixed
	L.Push(ud)
	return 1
}

// checkSocket is self of a socket method, in one of the states wanted;
// any other state is luasocket's "calling 'receive' on bad self
// (tcp{client} expected, got tcp{master})".
func checkSocket(L *lua.LState, name string, states ...socketState) *luaSocket {
	s := checkSelf[luaSocket](L, fname{name: name, method: true}, socketType)
	if len(states) == 0 {
		return s
	}
	for _, st := range states {
		if s.state == st {
			return s
		}
	}
	want := (&luaSocket{state: states[0]}).className()
	L.RaiseError("calling '%s' on bad self (%s expected, got %s)", name, want, s.className())
	return nil
}

// socketError is luasocket's message for an error (its socket_strerror).
func socketError(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	switch errno {
	case unix.EADDRINUSE:
		return "address already in use"
	case unix.EISCONN:
		return "already connected"
	case unix.EACCES:
		return "permission denied"
	case unix.ECONNREFUSED:
		return "connection refused"
	case unix.ECONNABORTED, unix.ECONNRESET, unix.EPIPE:
		return "closed"
	case unix.ETIMEDOUT:
		return "timeout"
	}
	return capitalized(errno.Error())
}

var (
	errSocketTimeout = errors.New("timeout")
	errSocketClosed  = errors.New("closed")
)

func pushFail(L *lua.LState, msg string) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	return 2
}

func pushOK(L *lua.LState) int {
	L.Push(lua.LNumber(1))
	return 1
}

// waitReady waits until fd is ready for events, within the socket's
// timeout counted from start (luasocket's timeout_getretry), in slices
// that let a time limit interrupt the script. It returns nil when ready,
// errSocketTimeout, or the poll's error.
func (s *luaSocket) waitReady(L *lua.LState, events int16, start time.Time) error {
	if s.block == 0 {
		return errSocketTimeout // luasocket's zero-timeout shortcut
	}
	for {
		left := s.retry(start)
		if left == 0 {
			return errSocketTimeout
		}
		slice := socketWaitSlice
		if left > 0 && left < slice {
			slice = left
		}
		ms := int((slice + time.Millisecond - 1) / time.Millisecond) // never round down
		pfd := []unix.PollFd{{Fd: int32(s.fd), Events: events}}
		n, err := unix.Poll(pfd, ms)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return err
		case n > 0:
			return nil
		}
		if ctx := L.Context(); ctx != nil && ctx.Err() != nil {
			return errSocketTimeout // the time limit raises at the next instruction
		}
	}
}

// retry is how long a call begun at start may still wait: negative for
// ever, else at least zero.
func (s *luaSocket) retry(start time.Time) time.Duration {
	elapsed := time.Since(start).Seconds()
	var left float64
	switch {
	case s.block < 0 && s.total < 0:
		return -1
	case s.block < 0:
		left = s.total - elapsed
	case s.total < 0:
		left = s.block - elapsed
	default:
		left = math.Min(s.block, s.total-elapsed)
	}
	if left <= 0 {
		return 0
	}
	return secondsToDuration(left)
}

// checkSocketPort reads a port argument as luasocket does (a number or a string:
// a number, or a service name from /etc/services), refusing one outside
// 0-65535 as loopscript's other functions do.
func checkSocketPort(L *lua.LState, n int, f fname) int {
	v := L.Get(n)
	var text string
	switch v := v.(type) {
	case lua.LNumber:
		text = v.String()
	case lua.LString:
		text = strings.TrimSpace(string(v))
	default:
		typeError(L, n, f, "string")
	}
	if p, err := strconv.ParseFloat(text, 64); err == nil {
		if p != math.Trunc(p) || p < 0 || p > 65535 {
			argError(L, n, f, "port in 0-65535 expected, got "+numberText(p))
		}
		return int(p)
	}
	p, err := net.LookupPort("tcp", text)
	if err != nil {
		argError(L, n, f, "port expected, got '"+text+"'")
	}
	return p
}

// checkHost reads a host argument: a string or a number (luaL_checkstring).
func checkHost(L *lua.LState, n int, f fname) string { return checkStringArg(L, n, f) }

// resolve turns host into addresses of the family wanted (0: any, IPv4
// first), as getaddrinfo would: "*" is every interface (for bind),
// "localhost" is loopback; another name is looked up with Go's resolver,
// which blocks the loop as luasocket's getaddrinfo does, for at most the
// socket's timeout (10 s when it has none or it is zero).
func (s *luaSocket) resolve(host string, passive bool, family int) ([]net.IP, string) {
	var ips []net.IP
	switch {
	case host == "*" && passive:
		ips = []net.IP{net.IPv4zero, net.IPv6unspecified}
	case host == "localhost":
		ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	case net.ParseIP(host) != nil:
		ips = []net.IP{net.ParseIP(host)}
	default:
		wait := 10 * time.Second
		if t := s.retry(time.Now()); t > 0 {
			wait = t
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			var dnsErr *net.DNSError
			if errors.As(err, &dnsErr) && dnsErr.IsTimeout {
				return nil, "temporary failure in name resolution"
			}
			return nil, "host or service not provided, or not known"
		}
		for _, a := range addrs {
			if a.IP.To4() != nil {
				ips = append(ips, a.IP)
			}
		}
		for _, a := range addrs {
			if a.IP.To4() == nil {
				ips = append(ips, a.IP)
			}
		}
	}
	var out []net.IP
	for _, ip := range ips {
		if family == 0 || ipFamily(ip) == family {
			out = append(out, ip)
		}
	}
	if len(out) == 0 {
		return nil, "host or service not provided, or not known"
	}
	return out, ""
}

func ipFamily(ip net.IP) int {
	if ip.To4() != nil {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

func ipToSockaddr(ip net.IP, port int) unix.Sockaddr {
	if ip4 := ip.To4(); ip4 != nil {
		sa := &unix.SockaddrInet4{Port: port}
		copy(sa.Addr[:], ip4)
		return sa
	}
	sa := &unix.SockaddrInet6{Port: port}
	copy(sa.Addr[:], ip.To16())
	return sa
}

// ensureFamily remakes the socket in family if it is still free to change
// (made by socket.tcp(), not bound), as luasocket makes a socket per
// family it tries.
func (s *luaSocket) ensureFamily(family int) error {
	if s.family == family {
		return nil
	}
	if s.familyFixed {
		return unix.EAFNOSUPPORT
	}
	fd, err := reactor.NewSocket(family, unix.SOCK_STREAM)
	if err != nil {
		return err
	}
	s.closeFd()
	s.fd, s.family = fd, family
	return nil
}

// closeFd closes the descriptor, first taking it out of the reactor.
func (s *luaSocket) closeFd() {
	if s.fd < 0 {
		return
	}
	s.rt.fdClosing(s.fd)
	unix.Close(s.fd)
	s.fd = -1
}

var (
	fnSockConnect = fname{name: "connect", method: true}
	fnSockBind    = fname{name: "bind", method: true}
)

func (rt *Runtime) sockConnect(L *lua.LState) int {
	s := checkSocket(L, "connect", socketMaster, socketClient)
	host := checkHost(L, 2, fnSockConnect)
	port := checkSocketPort(L, 3, fnSockConnect)
	rt.allowIO(L, "connect", IONetwork, net.JoinHostPort(host, strconv.Itoa(port)))
	if msg := s.connect(L, host, port); msg != "" {
		return pushFail(L, msg)
	}
	return pushOK(L)
}

// connect tries each address of host in turn, as luasocket's
// inet_tryconnect: it returns "" once connected, "timeout" when the
// connection is still under way (a zero timeout returns that at once),
// or the last error.
func (s *luaSocket) connect(L *lua.LState, host string, port int) string {
	if s.fd < 0 {
		return "closed"
	}
	family := 0
	if s.familyFixed {
		family = s.family
	}
	ips, msg := s.resolve(host, false, family)
	if msg != "" {
		return msg
	}
	// Like luasocket, the object is a client from the first attempt on,
	// even if it fails: a non-blocking connect goes on in the kernel.
	s.state = socketClient
	last := ""
	for _, ip := range ips {
		s.rt.allowResolved(L, "connect", host, ip, port)
		start := time.Now()
		if err := s.ensureFamily(ipFamily(ip)); err != nil {
			last = socketError(err)
			continue
		}
		err := s.connectOnce(L, ipToSockaddr(ip, port), start)
		if err == nil {
			return ""
		}
		last = socketError(err)
		if err == errSocketTimeout {
			break
		}
	}
	return last
}

func (s *luaSocket) connectOnce(L *lua.LState, sa unix.Sockaddr, start time.Time) error {
	var err error
	for {
		if err = unix.Connect(s.fd, sa); err != unix.EINTR {
			break
		}
	}
	if err == nil {
		return nil
	}
	if err != unix.EINPROGRESS && err != unix.EAGAIN {
		return err
	}
	if err := s.waitReady(L, unix.POLLOUT, start); err != nil {
		return err
	}
	soErr, err := unix.GetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if soErr != 0 {
		return syscall.Errno(soErr)
	}
	return nil
}

func (rt *Runtime) sockBind(L *lua.LState) int {
	s := checkSocket(L, "bind", socketMaster)
	host := checkHost(L, 2, fnSockBind)
	port := checkSocketPort(L, 3, fnSockBind)
	rt.allowIO(L, "bind", IONetwork, net.JoinHostPort(host, strconv.Itoa(port)))
	if msg := s.bind(L, host, port); msg != "" {
		return pushFail(L, msg)
	}
	return pushOK(L)
}

func (s *luaSocket) bind(L *lua.LState, host string, port int) string {
	if s.fd < 0 {
		return "closed"
	}
	family := 0
	if s.familyFixed {
		family = s.family
	}
	ips, msg := s.resolve(host, true, family)
	if msg != "" {
		return msg
	}
	last := ""
	for _, ip := range ips {
		s.rt.allowResolved(L, "bind", host, ip, port)
		if err := s.ensureFamily(ipFamily(ip)); err != nil {
			last = socketError(err)
			continue
		}
		if err := unix.Bind(s.fd, ipToSockaddr(ip, port)); err != nil {
			last = socketError(err)
			continue
		}
		s.familyFixed = true
		return ""
	}
	return last
}

func sockListen(L *lua.LState) int {
	s := checkSocket(L, "listen", socketMaster)
	backlog := 32
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		backlog = int(max(min(checkInteger(L, 2, fname{name: "listen", method: true}), math.MaxInt32), 0))
	}
	if s.fd < 0 {
		return pushFail(L, "closed")
	}
	if err := unix.Listen(s.fd, backlog); err != nil {
		return pushFail(L, socketError(err))
	}
	s.state = socketServer
	return pushOK(L)
}

func (rt *Runtime) sockAccept(L *lua.LState) int {
	s := checkSocket(L, "accept", socketServer)
	start := time.Now()
	for {
		if s.fd < 0 {
			return pushFail(L, "closed")
		}
		nfd, _, err := reactor.Accept(s.fd)
		switch err {
		case nil:
			L.Push(rt.newSocketValue(L, nfd, s.family, socketClient))
			return 1
		case unix.EINTR:
			continue
		case unix.EAGAIN, unix.ECONNABORTED:
			if err := s.waitReady(L, unix.POLLIN, start); err != nil {
				return pushFail(L, socketError(err))
			}
			continue
		}
		return pushFail(L, socketError(err))
	}
}

func (rt *Runtime) sockClose(L *lua.LState) int {
	s := checkSocket(L, "close")
	s.closeFd()
	return pushOK(L)
}

func sockDirty(L *lua.LState) int {
	s := checkSocket(L, "dirty")
	L.Push(lua.LBool(len(s.buf) > 0))
	return 1
}

func sockGetfd(L *lua.LState) int {
	s := checkSocket(L, "getfd")
	L.Push(lua.LNumber(s.fd))
	return 1
}

func sockGetfamily(L *lua.LState) int {
	s := checkSocket(L, "getfamily")
	if s.family == unix.AF_INET6 {
		L.Push(lua.LString("inet6"))
	} else {
		L.Push(lua.LString("inet4"))
	}
	return 1
}

func sockGetstats(L *lua.LState) int {
	s := checkSocket(L, "getstats", socketClient)
	L.Push(lua.LNumber(s.received))
	L.Push(lua.LNumber(s.sent))
	L.Push(lua.LNumber(time.Since(s.born).Seconds()))
	return 3
}

func sockGetpeername(L *lua.LState) int {
	s := checkSocket(L, "getpeername")
	return pushSockname(L, s, unix.Getpeername)
}

func sockGetsockname(L *lua.LState) int {
	s := checkSocket(L, "getsockname")
	return pushSockname(L, s, unix.Getsockname)
}

// pushSockname pushes luasocket's (ip, port, family) or nil and an error.
func pushSockname(L *lua.LState, s *luaSocket, get func(int) (unix.Sockaddr, error)) int {
	sa, err := get(s.fd)
	if s.fd < 0 {
		err = unix.EBADF
	}
	if err != nil {
		return pushFail(L, socketError(err))
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		L.Push(lua.LString(net.IP(sa.Addr[:]).String()))
		L.Push(lua.LNumber(sa.Port))
		L.Push(lua.LString("inet"))
	case *unix.SockaddrInet6:
		L.Push(lua.LString(net.IP(sa.Addr[:]).String()))
		L.Push(lua.LNumber(sa.Port))
		L.Push(lua.LString("inet6"))
	default:
		return pushFail(L, "unknown family")
	}
	return 3
}

func sockShutdown(L *lua.LState) int {
	s := checkSocket(L, "shutdown", socketClient)
	how := unix.SHUT_RDWR
	switch v := L.Get(2).(type) {
	case *lua.LNilType:
	case lua.LString:
		switch v {
		case "both":
		case "send":
			how = unix.SHUT_WR
		case "receive":
			how = unix.SHUT_RD
		default:
			argError(L, 2, fname{name: "shutdown", method: true}, "invalid option '"+string(v)+"'")
		}
	default:
		typeError(L, 2, fname{name: "shutdown", method: true}, "string")
	}
	if s.fd >= 0 {
		_ = unix.Shutdown(s.fd, how)
	}
	return pushOK(L)
}

// socketOptions are setoption's names: the level and option of each
// boolean one (linger is a table).
var socketOptions = map[string][2]int{
	"keepalive":   {unix.SOL_SOCKET, unix.SO_KEEPALIVE},
	"reuseaddr":   {unix.SOL_SOCKET, unix.SO_REUSEADDR},
	"reuseport":   {unix.SOL_SOCKET, unix.SO_REUSEPORT},
	"tcp-nodelay": {unix.IPPROTO_TCP, unix.TCP_NODELAY},
	"ipv6-v6only": {unix.IPPROTO_IPV6, unix.IPV6_V6ONLY},
}

func sockSetoption(L *lua.LState) int {
	f := fname{name: "setoption", method: true}
	s := checkSocket(L, "setoption")
	name := checkString(L, 2, f)
	var err error
	if name == "linger" {
		t, ok := L.Get(3).(*lua.LTable)
		if !ok {
			typeError(L, 3, f, "table")
		}
		on, ok := t.RawGetString("on").(lua.LBool)
		if !ok {
			argError(L, 3, f, "invalid 'on' field")
		}
		secs, ok := t.RawGetString("timeout").(lua.LNumber)
		if !ok {
			argError(L, 3, f, "invalid 'timeout' field")
		}
		l := &unix.Linger{Linger: int32(max(min(float64(secs), math.MaxInt32), 0))}
		if on {
			l.Onoff = 1
		}
		err = unix.SetsockoptLinger(s.fd, unix.SOL_SOCKET, unix.SO_LINGER, l)
	} else {
		opt, ok := socketOptions[name]
		if !ok {
			argError(L, 2, f, "unsupported option `"+name+"'")
		}
		b, ok := L.Get(3).(lua.LBool)
		if !ok {
			typeError(L, 3, f, "boolean")
		}
		v := 0
		if b {
			v = 1
		}
		err = unix.SetsockoptInt(s.fd, opt[0], opt[1], v)
	}
	if s.fd < 0 {
		err = unix.EBADF
	}
	if err != nil {
		return pushFail(L, socketError(err))
	}
	return pushOK(L)
}

func sockGetoption(L *lua.LState) int {
	f := fname{name: "getoption", method: true}
	s := checkSocket(L, "getoption")
	name := checkString(L, 2, f)
	if s.fd < 0 {
		return pushFail(L, "getsockopt failed")
	}
	switch name {
	case "linger":
		l, err := unix.GetsockoptLinger(s.fd, unix.SOL_SOCKET, unix.SO_LINGER)
		if err != nil {
			return pushFail(L, "getsockopt failed")
		}
		t := L.CreateTable(0, 2)
		t.RawSetString("on", lua.LBool(l.Onoff != 0))
		t.RawSetString("timeout", lua.LNumber(l.Linger))
		L.Push(t)
		return 1
	case "error":
		v, err := unix.GetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return pushFail(L, "getsockopt failed")
		}
		if v == 0 {
			L.Push(lua.LNil)
		} else {
			L.Push(lua.LString(socketError(syscall.Errno(v))))
		}
		return 1
	case "ipv6-v6only":
		argError(L, 2, f, "unsupported option `"+name+"'")
	}
	opt, ok := socketOptions[name]
	if !ok {
		argError(L, 2, f, "unsupported option `"+name+"'")
	}
	v, err := unix.GetsockoptInt(s.fd, opt[0], opt[1])
	if err != nil {
		return pushFail(L, "getsockopt failed")
	}
	L.Push(lua.LBool(v != 0))
	return 1
}

func sockSettimeout(L *lua.LState) int {
	f := fname{name: "settimeout", method: true}
	s := checkSocket(L, "settimeout")
	t := -1.0
	if v := L.Get(2); v != lua.LNil {
		t = float64(optNumber(L, 2, f, -1))
	}
	if math.IsNaN(t) {
		t = -1
	}
	mode := "b"
	if v := L.Get(3); v != lua.LNil {
		mode = checkString(L, 3, f)
	}
	switch {
	case strings.HasPrefix(mode, "b"):
		s.block = t
	case strings.HasPrefix(mode, "r"), strings.HasPrefix(mode, "t"):
		s.total = t
	default:
		argError(L, 3, f, "invalid timeout mode")
	}
	return pushOK(L)
}

// optNumber reads argument n as luaL_optnumber does: a number or a numeric
// string, def when absent or nil.
func optNumber(L *lua.LState, n int, f fname, def float64) float64 {
	if L.Get(n) == lua.LNil {
		return def
	}
	return luaNumberArg(L, n, f)
}

// fill makes sure the read buffer holds data, receiving up to
// socketBufferSize bytes if it is empty: nil, errSocketClosed at the end
// of the stream, errSocketTimeout, or the receive's error.
func (s *luaSocket) fill(L *lua.LState, start time.Time) error {
	if len(s.buf) > 0 {
		return nil
	}
	if s.fd < 0 {
		return errSocketClosed
	}
	var chunk [socketBufferSize]byte
	for {
		n, _, err := unix.Recvfrom(s.fd, chunk[:], 0)
		switch {
		case err == nil && n > 0:
			s.buf = append(s.buf[:0], chunk[:n]...)
			return nil
		case err == nil:
			return errSocketClosed
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := s.waitReady(L, unix.POLLIN, start); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

// take removes n bytes from the read buffer and returns them.
func (s *luaSocket) take(n int) []byte {
	b := s.buf[:n]
	s.buf = s.buf[n:]
	s.received += int64(n)
	return b
}

// receive(pattern [, prefix]), as luasocket's buffer_meth_receive: data,
// nil, nil on success; nil, error, partial otherwise.
func (rt *Runtime) sockReceive(L *lua.LState) int {
	f := fname{name: "receive", method: true}
	s := checkSocket(L, "receive", socketClient)
	var prefix string
	if L.Get(3) != lua.LNil {
		prefix = checkStringArg(L, 3, f)
	}
	start := time.Now()
	out := []byte(prefix)
	limit := rt.maxString()
	var err error
	pattern := L.Get(2)
	num, isNum := pattern.(lua.LNumber)
	if str, ok := pattern.(lua.LString); ok {
		if n, ok := stringNumber(string(str)); ok {
			num, isNum = lua.LNumber(n), true
		}
	}
	switch {
	case isNum:
		if num < 0 || math.IsNaN(float64(num)) {
			argError(L, 2, f, "invalid receive pattern")
		}
		wanted := int(min(float64(num), float64(math.MaxInt32)))
		if len(prefix) == 0 || wanted > len(prefix) {
			out, err = s.receiveCount(L, out, wanted-len(prefix), start, limit)
		}
	case pattern == lua.LNil:
		out, err = s.receiveLine(L, out, start, limit)
	default:
		p, ok := pattern.(lua.LString)
		if !ok {
			typeError(L, 2, f, "string")
		}
		word := strings.TrimPrefix(string(p), "*")
		switch {
		case strings.HasPrefix(word, "l"):
			out, err = s.receiveLine(L, out, start, limit)
		case strings.HasPrefix(word, "a"):
			out, err = s.receiveAll(L, out, start, limit)
		default:
			argError(L, 2, f, "invalid receive pattern")
		}
	}
	if err != nil {
		if len(out) > limit {
			L.RaiseError(errTooLarge)
		}
		L.Push(lua.LNil)
		L.Push(lua.LString(socketError(err)))
		L.Push(lua.LString(out))
		return 3
	}
	L.Push(lua.LString(out))
	L.Push(lua.LNil)
	L.Push(lua.LNil)
	return 3
}

func (s *luaSocket) receiveCount(L *lua.LState, out []byte, wanted int, start time.Time, limit int) ([]byte, error) {
	// As luasocket's recvraw: at least one look at the socket, even for 0.
	got := 0
	for {
		if err := s.fill(L, start); err != nil {
			return out, err
		}
		n := min(len(s.buf), wanted-got)
		out = append(out, s.take(n)...)
		got += n
		if len(out) > limit {
			L.RaiseError(errTooLarge)
		}
		if got >= wanted {
			return out, nil
		}
	}
}

// receiveLine reads up to a LF, dropping it and every CR, as luasocket.
func (s *luaSocket) receiveLine(L *lua.LState, out []byte, start time.Time, limit int) ([]byte, error) {
	for {
		if err := s.fill(L, start); err != nil {
			return out, err
		}
		i := 0
		for i < len(s.buf) && s.buf[i] != '\n' {
			if s.buf[i] != '\r' {
				out = append(out, s.buf[i])
			}
			i++
		}
		found := i < len(s.buf)
		if found {
			i++
		}
		s.take(i)
		if len(out) > limit {
			L.RaiseError(errTooLarge)
		}
		if found {
			return out, nil
		}
	}
}

// receiveAll reads until the peer closes: the data then, or "closed" if
// there was none, as luasocket 3.
func (s *luaSocket) receiveAll(L *lua.LState, out []byte, start time.Time, limit int) ([]byte, error) {
	total := 0
	for {
		err := s.fill(L, start)
		if err == errSocketClosed {
			if total > 0 {
				return out, nil
			}
			return out, err
		}
		if err != nil {
			return out, err
		}
		total += len(s.buf)
		out = append(out, s.take(len(s.buf))...)
		if len(out) > limit {
			L.RaiseError(errTooLarge)
		}
	}
}

// send(data [, i [, j]]), as luasocket's buffer_meth_send: the index of
// the last byte sent, or nil, the error and that index.
func sockSend(L *lua.LState) int {
	f := fname{name: "send", method: true}
	s := checkSocket(L, "send", socketClient)
	data := checkStringArg(L, 2, f)
	size := int64(len(data))
	i := int64(floatToInt(optNumber(L, 3, f, 1)))
	j := int64(floatToInt(optNumber(L, 4, f, -1)))
	if i < 0 {
		i = size + i + 1
	}
	if j < 0 {
		j = size + j + 1
	}
	i = max(i, 1)
	j = min(j, size)
	var sent int64
	var err error
	if i <= j {
		sent, err = s.sendAll(L, []byte(data[i-1:j]))
	}
	last := lua.LNumber(sent + i - 1)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(socketError(err)))
		L.Push(last)
		return 3
	}
	L.Push(last)
	L.Push(lua.LNil)
	L.Push(lua.LNil)
	return 3
}

// sendAll sends data within the socket's timeout, in luasocket's steps of
// 8 KiB, and returns how much was sent.
func (s *luaSocket) sendAll(L *lua.LState, data []byte) (int64, error) {
	start := time.Now()
	var total int64
	for len(data) > 0 {
		if s.fd < 0 {
			return total, errSocketClosed
		}
		step := data[:min(len(data), socketBufferSize)]
		n, err := unix.SendmsgN(s.fd, step, nil, nil, unix.MSG_NOSIGNAL)
		switch err {
		case nil:
			total += int64(n)
			s.sent += int64(n)
			data = data[n:]
			continue
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			if err := s.waitReady(L, unix.POLLOUT, start); err != nil {
				return total, err
			}
			continue
		}
		return total, err
	}
	return total, nil
}

// socketConnectFunc is socket.connect(host, port [, localhost [, localport]]):
// a connected client, or nil and an error.
func (rt *Runtime) socketConnectFunc(L *lua.LState) int {
	f := fname{name: "connect"}
	host := checkHost(L, 1, f)
	port := checkSocketPort(L, 2, f)
	bindTo := L.Get(3) != lua.LNil
	lhost, lport := "", 0
	if bindTo {
		lhost = checkHost(L, 3, f)
		if L.Get(4) != lua.LNil {
			lport = checkSocketPort(L, 4, f)
		}
	}
	rt.allowIO(L, "connect", IONetwork, net.JoinHostPort(host, strconv.Itoa(port)))
	if bindTo {
		rt.allowIO(L, "bind", IONetwork, net.JoinHostPort(lhost, strconv.Itoa(lport)))
	}
	fd, err := reactor.NewSocket(unix.AF_INET, unix.SOCK_STREAM)
	if err != nil {
		return pushFail(L, socketError(err))
	}
	ud := rt.newSocketValue(L, fd, unix.AF_INET, socketMaster)
	s := ud.Value.(*luaSocket)
	// The socket is closed on every way out but success, a refusal of a
	// resolved address (raised as a Lua error) included: the script never
	// sees it, so nothing else would close it.
	connected := false
	defer func() {
		if !connected {
			s.closeFd()
		}
	}()
	if bindTo {
		if msg := s.bind(L, lhost, lport); msg != "" {
			return pushFail(L, msg)
		}
	}
	if msg := s.connect(L, host, port); msg != "" {
		return pushFail(L, msg)
	}
	connected = true
	L.Push(ud)
	return 1
}

// socketBindFunc is socket.bind(host, port [, backlog]), luasocket's
// shortcut for a listening server: reuseaddr, bind, listen.
func (rt *Runtime) socketBindFunc(L *lua.LState) int {
	f := fname{name: "bind"}
	host := checkHost(L, 1, f)
	port := checkSocketPort(L, 2, f)
	backlog := 32
	if L.Get(3) != lua.LNil {
		backlog = int(max(min(checkInteger(L, 3, f), math.MaxInt32), 0))
	}
	rt.allowIO(L, "bind", IONetwork, net.JoinHostPort(host, strconv.Itoa(port)))
	if host == "*" {
		host = "0.0.0.0"
	}
	fd, err := reactor.NewSocket(unix.AF_INET, unix.SOCK_STREAM)
	if err != nil {
		return pushFail(L, socketError(err))
	}
	ud := rt.newSocketValue(L, fd, unix.AF_INET, socketMaster)
	s := ud.Value.(*luaSocket)
	fail := func(msg string) int {
		s.closeFd()
		return pushFail(L, msg)
	}
	ips, msg := s.resolve(host, true, 0)
	if msg != "" {
		return fail(msg)
	}
	if err := rt.resolvedRefusal("bind", host, ips[0], port); err != nil {
		s.closeFd()
		L.RaiseError("bind: %s", err.Error())
	}
	if err := s.ensureFamily(ipFamily(ips[0])); err != nil {
		return fail(socketError(err))
	}
	_ = unix.SetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if msg := s.bind(L, ips[0].String(), port); msg != "" {
		return fail(msg)
	}
	if err := unix.Listen(s.fd, backlog); err != nil {
		return fail(socketError(err))
	}
	s.state = socketServer
	L.Push(ud)
	return 1
}

// socketSelect is socket.select(recvt, sendt [, timeout]), luasocket's:
// it waits (nil or a negative timeout: for ever) until one of the sockets
// in the arrays recvt and sendt is ready, and returns the ready ones of
// each (as arrays, each socket also a key to its index) and "timeout" if
// none is. An entry may be a socket or any object with getfd(); a socket
// with buffered data counts as readable at once. It blocks the loop: it is
// for scripts that do not run the reactor.
func (rt *Runtime) socketSelect(L *lua.LState) int {
	f := fname{name: "select"}
	type entry struct {
		v     lua.LValue
		fd    int
		dirty bool
	}
	collect := func(n int) []entry {
		var out []entry
		switch t := L.Get(n).(type) {
		case *lua.LNilType:
		case *lua.LTable:
			for i := 1; i <= t.Len(); i++ {
				v := t.RawGetInt(i)
				if v == lua.LNil {
					break
				}
				e := entry{v: v, fd: -1}
				if ud, ok := v.(*lua.LUserData); ok {
					if s, ok := ud.Value.(*luaSocket); ok {
						e.fd, e.dirty = s.fd, len(s.buf) > 0
						out = append(out, e)
						continue
					}
				}
				if m := L.GetField(v, "getfd"); m != lua.LNil {
					L.Push(m)
					L.Push(v)
					L.Call(1, 1)
					if fd, ok := L.Get(-1).(lua.LNumber); ok && fd >= 0 && fd == lua.LNumber(int(fd)) {
						e.fd = int(fd)
					}
					L.Pop(1)
					if d := L.GetField(v, "dirty"); IsCallable(L, d) {
						L.Push(d)
						L.Push(v)
						L.Call(1, 1)
						e.dirty = lua.LVAsBool(L.Get(-1))
						L.Pop(1)
					}
				}
				out = append(out, e)
			}
		default:
			typeError(L, n, f, "table")
		}
		return out
	}
	recvt, sendt := collect(1), collect(2)
	timeout := optNumber(L, 3, f, -1)
	var pfds []unix.PollFd
	var owners []struct {
		write bool
		e     entry
	}
	anyDirty := false
	for _, e := range recvt {
		anyDirty = anyDirty || e.dirty
		if e.fd >= 0 {
			pfds = append(pfds, unix.PollFd{Fd: int32(e.fd), Events: unix.POLLIN})
			owners = append(owners, struct {
				write bool
				e     entry
			}{false, e})
		}
	}
	for _, e := range sendt {
		if e.fd >= 0 {
			pfds = append(pfds, unix.PollFd{Fd: int32(e.fd), Events: unix.POLLOUT})
			owners = append(owners, struct {
				write bool
				e     entry
			}{true, e})
		}
	}
	start := time.Now()
	for {
		wait := socketWaitSlice
		if anyDirty {
			wait = 0
		} else if timeout >= 0 {
			left := secondsToDuration(timeout) - time.Since(start)
			wait = max(min(wait, left), 0)
		}
		ms := int((wait + time.Millisecond - 1) / time.Millisecond)
		n, err := unix.Poll(pfds, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			L.Push(L.NewTable())
			L.Push(L.NewTable())
			L.Push(lua.LString(socketError(err)))
			return 3
		}
		done := n > 0 || anyDirty || (timeout >= 0 && time.Since(start) >= secondsToDuration(timeout))
		if ctx := L.Context(); ctx != nil && ctx.Err() != nil {
			done = true
		}
		if !done {
			continue
		}
		readable, writable := L.NewTable(), L.NewTable()
		add := func(t *lua.LTable, v lua.LValue) {
			if t.RawGet(v) == lua.LNil {
				t.Append(v)
				t.RawSet(v, lua.LNumber(t.Len()))
			}
		}
		for _, e := range recvt {
			if e.dirty {
				add(readable, e.v)
			}
		}
		for i, p := range pfds {
			if p.Revents == 0 {
				continue
			}
			if owners[i].write {
				add(writable, owners[i].e.v)
			} else {
				add(readable, owners[i].e.v)
			}
		}
		L.Push(readable)
		L.Push(writable)
		if readable.Len() == 0 && writable.Len() == 0 {
			L.Push(lua.LString("timeout"))
		} else {
			L.Push(lua.LNil)
		}
		return 3
	}
}
