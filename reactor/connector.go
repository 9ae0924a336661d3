package reactor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Reasons a connection attempt fails with, as Twisted's internet/error.py
// words them. (Twisted makes TimeoutError a UserError; here they are two
// distinct values.)
var (
	ErrConnectTimeout = errors.New("User timeout caused connection failure.")
	ErrUserAborted    = errors.New("User aborted connection.")
)

// ConnectError is the reason of a connect that failed with an errno:
// "Connection was refused by other side: 111: Connection refused." for
// ECONNREFUSED, "An error occurred while connecting: 104: Connection reset
// by peer." for the others.
type ConnectError struct{ Err error }

func (e *ConnectError) Error() string {
	detail := e.Err.Error()
	if n := errnoNumber(e.Err); n >= 0 {
		detail = fmt.Sprintf("%d: %s", n, errnoText(unix.Errno(n)))
	}
	if errors.Is(e.Err, unix.ECONNREFUSED) {
		return "Connection was refused by other side: " + detail + "."
	}
	return "An error occurred while connecting: " + detail + "."
}

func (e *ConnectError) Unwrap() error { return e.Err }

// DNSLookupError is the reason of a connect whose host name did not
// resolve: "DNS lookup failed: NAME.".
type DNSLookupError struct {
	Name string
	Err  error // the resolver's error
}

func (e *DNSLookupError) Error() string { return "DNS lookup failed: " + e.Name + "." }
func (e *DNSLookupError) Unwrap() error { return e.Err }

// ConnectBindError is the reason of a connect whose local address could
// not be bound (BindAddress), as Twisted's ConnectBindError: "Couldn't
// bind: 98: Address already in use.".
type ConnectBindError struct{ Err error }

func (e *ConnectBindError) Error() string {
	detail := e.Err.Error()
	if n := errnoNumber(e.Err); n >= 0 {
		detail = fmt.Sprintf("%d: %s", n, errnoText(unix.Errno(n)))
	}
	return "Couldn't bind: " + detail + "."
}

func (e *ConnectBindError) Unwrap() error { return e.Err }

// ConnectOption changes how ConnectTCP connects.
type ConnectOption func(*connectConfig)

type connectConfig struct {
	bind     bool
	bindHost string
	bindPort int
	approve  func(*net.TCPAddr) error
}

// BindAddress binds the local end to host:port before connecting, as
// Twisted's bindAddress: host is an IP address, "localhost" (127.0.0.1)
// or "" (any address of the destination's family), port 0 lets the
// system pick one. A host that is not an IP address, or a port out of
// 0-65535, makes ConnectTCP fail at once; a bind that fails (the port in
// use, an address of the other family) fails the attempt with a
// *ConnectBindError, on a later turn as every outcome.
func BindAddress(host string, port int) ConnectOption {
	return func(c *connectConfig) { c.bind, c.bindHost, c.bindPort = true, host, port }
}

// ApproveAddress makes each attempt ask approve, on the loop, about the
// address it is about to connect to: once a host name has resolved, or
// the IP address given. An error fails the attempt with a *ConnectError
// wrapping it, and nothing is dialed; otherwise the connect goes to exactly
// that address.
func ApproveAddress(approve func(*net.TCPAddr) error) ConnectOption {
	return func(c *connectConfig) { c.approve = approve }
}

// ClientFactory is the Go side of a client connection, after Twisted's
// ClientFactory. Its methods run on the loop's goroutine, each on a later
// turn than the call that caused it: BuildProtocol when the connection is
// up (nil closes it at once: ClientConnectionLost then gets
// ErrConnectionDone; a panic is reported and is ClientConnectionFailed's
// reason), and then exactly one of ClientConnectionFailed (no protocol was
// built) or, after the protocol's ConnectionLost, ClientConnectionLost.
// Either may call c.Connect to try again.
type ClientFactory interface {
	BuildProtocol(addr net.Addr) Protocol
	ClientConnectionFailed(c *Connector, reason error)
	ClientConnectionLost(c *Connector, reason error)
}

// Destination is where a Connector connects: a host name or IP address
// and port for TCP, a path for UNIX.
type Destination struct {
	Net  string // "tcp" or "unix"
	Host string // as given to ConnectTCP, or the UNIX socket's path
	Port int
}

// Network is "tcp" or "unix".
func (d *Destination) Network() string { return d.Net }

func (d *Destination) String() string {
	if d.Net == "unix" {
		return d.Host
	}
	return net.JoinHostPort(d.Host, strconv.Itoa(d.Port))
}

type connectorState uint8

const (
	disconnected connectorState = iota
	connecting
	connected
)

// Connector is one client connection's attempts, after Twisted's
// tcp.Connector: ConnectTCP and ConnectUNIX start the first, Connect starts
// another once it is over. Its methods belong to the loop's goroutine.
type Connector struct {
	r       *Reactor
	dest    Destination
	timeout time.Duration
	factory ClientFactory
	bind    *connectConfig           // BindAddress, nil if none
	bindIP  net.IP                   // the BindAddress's host; nil for "" (any)
	approve func(*net.TCPAddr) error // ApproveAddress, nil if none

	state     connectorState
	attempt   uint64 // counts attempts, so that news of an old one is ignored
	timer     *DelayedCall
	cancelDNS context.CancelFunc
	dialing   *dialer
	transport *StreamTransport
}

// ConnectTCP connects to host:port, a host name or an IP address (v4 or
// v6), and returns at once. A name is resolved off the loop, with Go's
// resolver on a goroutine of its own that hands the result back through
// CallFromGoroutine (the reactor is not Idle meanwhile); an IP address is
// used as it is. The connect is non-blocking, and every outcome, a refusal
// included, comes on a later turn through factory. timeout (0 or less: no
// limit) bounds resolution and connect together, failing with
// ErrConnectTimeout. Options: BindAddress. Only a port out of range, or a
// bad BindAddress, fails at once.
func (r *Reactor) ConnectTCP(host string, port int, timeout time.Duration, factory ClientFactory, opts ...ConnectOption) (*Connector, error) {
	if port <= 0 || port > 65535 {
		return nil, fmt.Errorf("reactor: connect to %s: port %d out of range 1-65535", host, port)
	}
	c := &Connector{r: r, dest: Destination{Net: "tcp", Host: host, Port: port}, timeout: timeout, factory: factory}
	for _, o := range opts {
		var cfg connectConfig
		o(&cfg)
		if cfg.bind {
			c.bind = &cfg
		}
		if cfg.approve != nil {
			c.approve = cfg.approve
		}
	}
	if b := c.bind; b != nil {
		if b.bindPort < 0 || b.bindPort > 65535 {
			return nil, fmt.Errorf("reactor: connect to %s: bind port %d out of range 0-65535", c.dest.String(), b.bindPort)
		}
		if b.bindHost != "" {
			ip, err := listenIP(b.bindHost)
			if err != nil {
				return nil, fmt.Errorf("reactor: connect to %s: bind address: %w", c.dest.String(), err)
			}
			c.bindIP = ip
		}
	}
	return c, c.Connect()
}

// ConnectUNIX connects to the UNIX stream socket at path, as ConnectTCP.
func (r *Reactor) ConnectUNIX(path string, timeout time.Duration, factory ClientFactory) (*Connector, error) {
	c := &Connector{r: r, dest: Destination{Net: "unix", Host: path}, timeout: timeout, factory: factory}
	return c, c.Connect()
}

// GetDestination is where the connector connects.
func (c *Connector) GetDestination() *Destination { d := c.dest; return &d }

// Transport is the connection once it is up, nil otherwise.
func (c *Connector) Transport() *StreamTransport { return c.transport }

// Connect starts a new attempt; it is an error while one is under way or
// its connection is open.
func (c *Connector) Connect() error {
	if c.state != disconnected {
		return errors.New("reactor: connector is already connecting or connected")
	}
	if err := c.r.checkOpen(); err != nil {
		return err
	}
	c.state = connecting
	c.attempt++
	attempt := c.attempt
	c.r.trackIO(c)
	if c.timeout > 0 {
		c.timer = c.r.CallLater(c.timeout, func() {
			c.timer = nil
			c.fail(attempt, ErrConnectTimeout)
		})
	}
	if c.dest.Net == "unix" {
		sa := &unix.SockaddrUnix{Name: c.dest.Host}
		c.r.CallLater(0, func() { c.dial(attempt, sa, unix.AF_UNIX) })
		return nil
	}
	if ip := net.ParseIP(c.dest.Host); ip != nil {
		c.r.CallLater(0, func() { c.dialIP(attempt, ip) })
		return nil
	}
	c.resolve(attempt)
	return nil
}

// resolve looks the host name up on a goroutine and dials the first
// address, IPv4 preferred, as Twisted's resolver does.
func (c *Connector) resolve(attempt uint64) {
	ctx, cancel := context.WithCancel(context.Background())
	c.cancelDNS = cancel
	release := c.r.HoldPending()
	host := c.dest.Host
	go func() {
		defer release()
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		// Refused once the reactor has stopped: nobody is left to tell.
		_ = c.r.CallFromGoroutine(func() {
			if attempt != c.attempt || c.state != connecting {
				return
			}
			c.cancelDNS = nil
			cancel()
			if err == nil && len(addrs) == 0 {
				err = errors.New("no addresses")
			}
			if err != nil {
				c.fail(attempt, &DNSLookupError{Name: host, Err: err})
				return
			}
			ip := addrs[0].IP
			for _, a := range addrs {
				if a.IP.To4() != nil {
					ip = a.IP
					break
				}
			}
			c.dialIP(attempt, ip)
		})
	}()
}

// dialIP dials ip once ApproveAddress's hook, if any, approves it.
func (c *Connector) dialIP(attempt uint64, ip net.IP) {
	if attempt != c.attempt || c.state != connecting {
		return
	}
	if c.approve != nil {
		if err := c.approve(&net.TCPAddr{IP: ip, Port: c.dest.Port}); err != nil {
			c.fail(attempt, &ConnectError{Err: err})
			return
		}
	}
	sa, family := ipSockaddr(ip, c.dest.Port)
	c.dial(attempt, sa, family)
}

// dial starts the non-blocking connect.
func (c *Connector) dial(attempt uint64, sa unix.Sockaddr, family int) {
	if attempt != c.attempt || c.state != connecting {
		return
	}
	fd, err := newSocket(family, unix.SOCK_STREAM)
	if err != nil {
		c.fail(attempt, &ConnectError{Err: err})
		return
	}
	if err := c.bindLocal(fd, family); err != nil {
		unix.Close(fd)
		c.fail(attempt, &ConnectBindError{Err: err})
		return
	}
	err = unix.Connect(fd, sa)
	switch err {
	case nil:
		c.connected(fd)
	case unix.EINPROGRESS, unix.EINTR, unix.EALREADY:
		d := &dialer{c: c, fd: fd, attempt: attempt}
		if err := c.r.AddWriter(d); err != nil {
			unix.Close(fd)
			c.fail(attempt, &ConnectError{Err: err})
			return
		}
		c.dialing = d
	default:
		unix.Close(fd)
		c.fail(attempt, &ConnectError{Err: err})
	}
}

// bindLocal binds the socket to the BindAddress, if one was given.
func (c *Connector) bindLocal(fd, family int) error {
	if c.bind == nil {
		return nil
	}
	ip := c.bindIP
	if ip == nil {
		ip = net.IPv4zero
		if family == unix.AF_INET6 {
			ip = net.IPv6zero
		}
	}
	sa, bindFamily := ipSockaddr(ip, c.bind.bindPort)
	if bindFamily != family {
		return unix.EAFNOSUPPORT
	}
	return unix.Bind(fd, sa)
}

// connected wraps the connected socket fd in a transport.
func (c *Connector) connected(fd int) {
	c.stopTimer()
	c.state = connected
	c.r.untrackIO(c)
	var host, peer net.Addr
	if sa, err := unix.Getsockname(fd); err == nil {
		host = sockaddrToAddr(sa)
	}
	if sa, err := unix.Getpeername(fd); err == nil {
		peer = sockaddrToAddr(sa)
	}
	if c.dest.Net == "unix" {
		host, peer = &net.UnixAddr{Net: "unix"}, &net.UnixAddr{Name: c.dest.Host, Net: "unix"}
	}
	proto, err := c.buildProtocol(peer)
	if err != nil {
		_ = unix.Close(fd)
		c.state = disconnected
		c.factory.ClientConnectionFailed(c, err)
		return
	}
	refused := proto == nil
	if refused {
		proto = nopProtocol{}
	}
	c.transport = newStreamTransport(c.r, fd, c.dest.Net == "tcp", host, peer, proto, func(reason error) {
		c.transport = nil
		c.state = disconnected
		c.factory.ClientConnectionLost(c, reason)
	})
	t := c.transport // the protocol may lose it before start returns
	t.start()
	if refused {
		t.LoseConnection()
	}
}

// buildProtocol asks the factory for a protocol; a panic is reported and
// returned as a *PanicError.
func (c *Connector) buildProtocol(peer net.Addr) (proto Protocol, err error) {
	defer func() {
		if v := recover(); v != nil {
			p := &PanicError{Value: v, Stack: debug.Stack()}
			c.r.ReportError(p)
			err = p
		}
	}()
	return c.factory.BuildProtocol(peer), nil
}

// fail ends attempt, if it is still the one under way, and tells the
// factory.
func (c *Connector) fail(attempt uint64, reason error) {
	if attempt != c.attempt || c.state != connecting {
		return
	}
	c.abandon()
	c.factory.ClientConnectionFailed(c, reason)
}

// abandon drops the attempt under way: its timer, its lookup, its socket.
func (c *Connector) abandon() {
	c.state = disconnected
	c.r.untrackIO(c)
	c.attempt++
	c.stopTimer()
	if c.cancelDNS != nil {
		c.cancelDNS()
		c.cancelDNS = nil
	}
	if d := c.dialing; d != nil {
		c.dialing = nil
		d.close()
	}
}

func (c *Connector) stopTimer() {
	if c.timer != nil {
		_ = c.timer.Cancel() // fails only once it has run
		c.timer = nil
	}
}

// shutdown fails a connect still under way when the reactor stops, with a
// *ConnectionLostError ("Connection lost."), as Twisted.
func (c *Connector) shutdown() {
	if c.state == connecting {
		c.fail(c.attempt, &ConnectionLostError{Err: ErrLostAtShutdown})
	}
}

// StopConnecting abandons the attempt under way; ClientConnectionFailed
// gets ErrUserAborted on a later turn. It does nothing unless connecting.
func (c *Connector) StopConnecting() {
	if c.state != connecting {
		return
	}
	c.abandon()
	c.r.CallLater(0, func() { c.factory.ClientConnectionFailed(c, ErrUserAborted) })
}

// Disconnect stops connecting, or closes the connection with
// LoseConnection once it is up.
func (c *Connector) Disconnect() {
	switch c.state {
	case connecting:
		c.StopConnecting()
	case connected:
		c.transport.LoseConnection()
	}
}

// dialer is the reactor's WriteDescriptor for a socket that is connecting:
// writable means the connect has finished, SO_ERROR says how.
type dialer struct {
	c       *Connector
	fd      int
	attempt uint64
}

func (d *dialer) Fd() int { return d.fd }

func (d *dialer) DoWrite() error {
	soErr, err := unix.GetsockoptInt(d.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && soErr != 0 {
		err = unix.Errno(soErr)
	}
	if err != nil {
		return &ConnectError{Err: err}
	}
	d.c.r.RemoveWriter(d)
	fd := d.fd
	d.fd = -1
	d.c.dialing = nil
	d.c.connected(fd)
	return nil
}

func (d *dialer) ConnectionLost(reason error) {
	d.close()
	if d.c.dialing == d {
		d.c.dialing = nil
	}
	d.c.fail(d.attempt, reason)
}

func (d *dialer) close() {
	if d.fd >= 0 {
		d.c.r.RemoveWriter(d)
		_ = unix.Close(d.fd)
		d.fd = -1
	}
}

// nopProtocol stands in for the protocol a factory refused to build.
type nopProtocol struct{}

func (nopProtocol) ConnectionMade(*StreamTransport) {}
func (nopProtocol) DataReceived([]byte)             {}
func (nopProtocol) ConnectionLost(error)            {}
