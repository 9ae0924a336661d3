package reactor

import (
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// CannotListenError is ListenTCP's and ListenUNIX's error when the socket
// cannot be made, bound or put to listen; its message is Twisted's:
// "Couldn't listen on 127.0.0.1:8000: [Errno 98] Address already in use.".
type CannotListenError struct {
	Interface string // "" for all interfaces (printed as "any")
	Port      string // the port number, or the UNIX socket's path
	Err       error
}

func (e *CannotListenError) Error() string {
	iface := e.Interface
	if iface == "" {
		iface = "any"
	}
	reason := e.Err.Error()
	if n := errnoNumber(e.Err); n >= 0 {
		reason = fmt.Sprintf("[Errno %d] %s", n, errnoText(unix.Errno(n)))
	}
	return fmt.Sprintf("Couldn't listen on %s:%s: %s.", iface, e.Port, reason)
}

func (e *CannotListenError) Unwrap() error { return e.Err }

// defaultBacklog is listen(2)'s backlog when the caller gives none, as
// Twisted's listenTCP.
const defaultBacklog = 50

// maxAcceptsPerRead bounds the connections one readable event accepts,
// so that a flood of connections cannot starve the loop's other work.
const maxAcceptsPerRead = 100

// A port out of descriptors with no spare one left to refuse connections
// with stops accepting for a while: minAcceptPause at first, doubling up to
// maxAcceptPause while accepting keeps failing.
const (
	minAcceptPause = 10 * time.Millisecond
	maxAcceptPause = time.Second
)

// acceptReportInterval is the least time between two reports of accept
// failures on one port: under a shortage each new peer fails again, and the
// log must not grow with the number of peers.
const acceptReportInterval = time.Second

// Port is a listening stream socket (TCP or UNIX) watched by the reactor,
// after Twisted's tcp.Port. Each accepted connection gets the Protocol the
// factory builds for its peer's address and a StreamTransport; returning
// nil from the factory closes the connection at once.
//
// Running out of descriptors (EMFILE, ENFILE) must not make the loop spin
// on a backlog it cannot accept: each Port keeps one spare descriptor (on
// /dev/null), as Twisted's _reservedFD, which it closes to accept and at
// once close the waiting connections, then opens again; the peers see their
// connection closed. If the spare cannot be opened again, the port stops
// accepting for a short, growing pause instead (up to a second), cut short
// when one of its connections closes and so frees a descriptor. Either way
// accept errors are reported at most once a second per port, with the
// count of those left out since the last report.
//
// Its methods belong to the loop's goroutine. The port is the reactor's
// ReadDescriptor for its socket: Fd, DoRead and ConnectionLost are for the
// reactor, not for the program.
type Port struct {
	r         *Reactor
	fd        int // -1 once closed
	isTCP     bool
	addr      net.Addr
	unixPath  string // removed when the port stops listening
	factory   func(addr net.Addr) Protocol
	spare     int  // the reserved descriptor, -1 if none
	reading   bool // registered as reader
	resume    *DelayedCall
	backoff   time.Duration // the next pause; 0 after an accept succeeds
	connected int           // connections accepted and still open
	// onConnectionLost is connectionClosed as a func value, made once: a
	// method value made per connection would cost each one an allocation.
	onConnectionLost func(error)

	reportedAt time.Duration // the reactor's clock at the last report
	reported   bool          // an accept error was reported at reportedAt
	unreported int           // accept errors left out since then
	// refusedUnwatchable: a connection the poller cannot watch was refused
	// and reported; later ones are refused without a report.
	refusedUnwatchable bool
}

// ListenTCP listens on port (0 picks a free one) of interface, an IP
// address ("127.0.0.1", "::1"; "localhost" means 127.0.0.1; "" means all
// IPv4 interfaces, as Twisted's default), with backlog (0 or less: 50),
// and returns at once. Binding sets SO_REUSEADDR, as Twisted does. A
// failure is a *CannotListenError.
func (r *Reactor) ListenTCP(port int, iface string, backlog int, factory func(addr net.Addr) Protocol) (*Port, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	fail := func(err error) (*Port, error) {
		return nil, &CannotListenError{Interface: iface, Port: strconv.Itoa(port), Err: err}
	}
	if port < 0 || port > 65535 {
		return fail(fmt.Errorf("port %d out of range 0-65535", port))
	}
	ip, err := listenIP(iface)
	if err != nil {
		return fail(err)
	}
	sa, family := ipSockaddr(ip, port)
	fd, err := newSocket(family, unix.SOCK_STREAM)
	if err != nil {
		return fail(err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		unix.Close(fd)
		return fail(err)
	}
	p, err := r.listen(fd, sa, backlog, true, factory)
	if err != nil {
		return fail(err)
	}
	return p, nil
}

// listenIP turns ListenTCP's interface into an address to bind.
func listenIP(iface string) (net.IP, error) {
	switch iface {
	case "":
		return net.IPv4zero, nil
	case "localhost":
		return net.IPv4(127, 0, 0, 1), nil
	}
	ip := net.ParseIP(iface)
	if ip == nil {
		return nil, fmt.Errorf("interface %q is not an IP address", iface)
	}
	return ip, nil
}

// listen binds fd, listens and starts accepting; on failure it closes fd.
func (r *Reactor) listen(fd int, sa unix.Sockaddr, backlog int, isTCP bool, factory func(net.Addr) Protocol) (*Port, error) {
	if backlog <= 0 {
		backlog = defaultBacklog
	}
	err := unix.Bind(fd, sa)
	if err == nil {
		err = unix.Listen(fd, backlog)
	}
	var local unix.Sockaddr
	if err == nil {
		local, err = unix.Getsockname(fd)
	}
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	p := &Port{r: r, fd: fd, isTCP: isTCP, addr: sockaddrToAddr(local), factory: factory, spare: openSpare()}
	p.onConnectionLost = p.connectionClosed
	if ua, ok := sa.(*unix.SockaddrUnix); ok {
		p.unixPath = ua.Name
		p.addr = &net.UnixAddr{Name: ua.Name, Net: "unix"}
	}
	if err := p.startReading(); err != nil {
		p.close()
		return nil, err
	}
	r.trackIO(p)
	return p, nil
}

// openSpare opens the descriptor a port keeps in reserve, -1 if it cannot.
func openSpare() int {
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

// Addr is the address the port listens on, with the port picked for 0: a
// *net.TCPAddr or a *net.UnixAddr (Twisted's getHost).
func (p *Port) Addr() net.Addr { return p.addr }

// Fd is the listening socket, -1 once closed.
func (p *Port) Fd() int { return p.fd }

// Listening reports whether the port is open (StopListening not called).
func (p *Port) Listening() bool { return p.fd >= 0 }

// StopListening closes the listening socket (and removes a UNIX socket's
// file); connections already accepted stay open. A second call does
// nothing. The reactor closes the ports still open when it stops.
func (p *Port) StopListening() {
	p.close()
}

func (p *Port) close() {
	if p.fd < 0 {
		return
	}
	if p.reading {
		p.r.RemoveReader(p)
		p.reading = false
	}
	if p.resume != nil {
		_ = p.resume.Cancel() // fails only if it ran: nothing to undo
		p.resume = nil
	}
	_ = unix.Close(p.fd)
	p.fd = -1
	p.r.untrackIO(p)
	if p.spare >= 0 {
		_ = unix.Close(p.spare)
		p.spare = -1
	}
	if p.unixPath != "" {
		_ = unix.Unlink(p.unixPath) // gone already is fine
	}
}

func (p *Port) startReading() error {
	if p.reading || p.fd < 0 {
		return nil
	}
	if err := p.r.AddReader(p); err != nil {
		return err
	}
	p.reading = true
	return nil
}

// DoRead accepts the waiting connections, at most maxAcceptsPerRead.
func (p *Port) DoRead() error {
	for range maxAcceptsPerRead {
		if p.fd < 0 {
			return nil // a protocol stopped the port from ConnectionMade
		}
		fd, peer, err := acceptPeer(p.fd)
		switch err {
		case nil:
			p.backoff = 0
			p.serve(fd, peer)
			continue
		case unix.EINTR, unix.ECONNABORTED, unix.EPERM:
			// The connection went away before it was accepted, or a
			// firewall refused it: the next one may do.
			continue
		case unix.EAGAIN:
			return nil
		case unix.EMFILE, unix.ENFILE:
			p.shortage(err)
			return nil
		case unix.ENOBUFS, unix.ENOMEM:
			p.report(err)
			p.pause()
			return nil
		default:
			return fmt.Errorf("reactor: accept on %v: %w", p.addr, err)
		}
	}
	return nil
}

// serve builds the protocol of an accepted connection and starts it. A
// connection the poller cannot watch (select, past FD_SETSIZE) is closed
// at once, before any protocol exists: it could never be read.
func (p *Port) serve(fd int, peer net.Addr) {
	if err := p.r.canWatch(fd); err != nil {
		_ = unix.Close(fd)
		if !p.refusedUnwatchable {
			p.refusedUnwatchable = true
			p.r.ReportError(&AcceptError{Addr: p.addr, Err: err, Refused: true})
		}
		return
	}
	if !p.isTCP {
		// An unbound UNIX client has no name; Twisted reports "".
		peer = &net.UnixAddr{Net: "unix"}
	}
	// A port bound to one address accepts on that address: only a wildcard
	// port needs getsockname(2) to learn which of its addresses was used.
	var host net.Addr = p.addr
	if a, ok := p.addr.(*net.TCPAddr); ok && a.IP.IsUnspecified() {
		if local, err := localAddr(fd); err == nil {
			host = sockaddrToAddr(local)
		}
	}
	var proto Protocol
	panicked := true
	func() {
		defer func() {
			if panicked {
				p.r.ReportError(&PanicError{Value: recover(), Stack: debug.Stack()})
			}
		}()
		proto = p.factory(peer)
		panicked = false
	}()
	if proto == nil {
		_ = unix.Close(fd)
		return
	}
	p.connected++
	newStreamTransport(p.r, fd, p.isTCP, host, peer, proto, p.onConnectionLost).start()
}

// connectionClosed is an accepted connection's last word: its descriptor
// is free, so a port paused for want of one accepts again at once.
func (p *Port) connectionClosed(error) {
	p.connected--
	if p.resume == nil {
		return
	}
	_ = p.resume.Cancel() // pending, since resume is cleared when it runs
	p.resume = nil
	if err := p.startReading(); err != nil {
		p.ConnectionLost(err)
	}
}

// shortage handles EMFILE and ENFILE: refuse the waiting connections with
// the spare descriptor, or pause accepting when there is none.
func (p *Port) shortage(err error) {
	p.report(err)
	if p.spare < 0 {
		p.spare = openSpare()
	}
	if p.spare < 0 {
		p.pause()
		return
	}
	_ = unix.Close(p.spare)
	for range maxAcceptsPerRead {
		fd, _, err := acceptConn(p.fd)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		if err != nil {
			break
		}
		_ = unix.Close(fd)
	}
	p.spare = openSpare()
}

// pause stops accepting for the current backoff and doubles it.
func (p *Port) pause() {
	if p.resume != nil || !p.reading {
		return
	}
	p.r.RemoveReader(p)
	p.reading = false
	wait := max(p.backoff, minAcceptPause)
	p.backoff = min(2*wait, maxAcceptPause)
	p.resume = p.r.CallLater(wait, func() {
		p.resume = nil
		if err := p.startReading(); err != nil {
			p.ConnectionLost(err)
		}
	})
}

// report passes an accept error to the error hook, at most once per
// acceptReportInterval; the ones left out are counted in the next report.
func (p *Port) report(err error) {
	now := p.r.Now()
	if p.reported && now-p.reportedAt < acceptReportInterval {
		p.unreported++
		return
	}
	p.r.ReportError(&AcceptError{Addr: p.addr, Err: err, LeftOut: p.unreported})
	p.reported, p.reportedAt, p.unreported = true, now, 0
}

// AcceptError is what a Port reports to the error hook when accept fails
// (out of descriptors, out of memory, a connection aborted before it was
// accepted): an operating condition the port survives, not a bug. A port
// reports at most one a second; LeftOut counts the failures left out since
// its previous report.
//
// Refused is set when the connection was accepted but the poller cannot
// watch its descriptor (select past FD_SETSIZE: Err wraps ErrFdOutOfRange):
// the port closes each such connection before building a protocol, and
// reports that once, the first time.
type AcceptError struct {
	Addr    net.Addr // the port's address
	Err     error    // the accept(2) error, a unix.Errno as a rule
	LeftOut int
	Refused bool
}

func (e *AcceptError) Error() string {
	if e.Refused {
		return fmt.Sprintf("reactor: refused a new connection on %v, as any other the poller cannot watch: %v", e.Addr, e.Err)
	}
	name := e.Err.Error()
	if errno, ok := e.Err.(unix.Errno); ok {
		name = unix.ErrnoName(errno)
	}
	more := ""
	if e.LeftOut > 0 {
		more = fmt.Sprintf(" (%d more accept failures since the last report)", e.LeftOut)
	}
	return fmt.Sprintf("reactor: could not accept new connection on %v (%s): %v%s", e.Addr, name, e.Err, more)
}

func (e *AcceptError) Unwrap() error { return e.Err }

// ConnectionLost is the reactor's notice that it dropped the port: an
// accept error it cannot go on from. The port closes; the error goes to
// the error hook.
func (p *Port) ConnectionLost(reason error) {
	p.reading = false
	if p.fd >= 0 {
		p.r.ReportError(fmt.Errorf("reactor: stopped listening on %v: %w", p.addr, reason))
	}
	p.close()
}

// shutdown closes the port when the reactor stops, as StopListening.
func (p *Port) shutdown() { p.close() }

func (p *Port) String() string { return fmt.Sprintf("Port(%v)", p.addr) }

// ipSockaddr is the socket address and family of ip:port.
func ipSockaddr(ip net.IP, port int) (unix.Sockaddr, int) {
	if ip4 := ip.To4(); ip4 != nil {
		sa := &unix.SockaddrInet4{Port: port}
		copy(sa.Addr[:], ip4)
		return sa, unix.AF_INET
	}
	sa := &unix.SockaddrInet6{Port: port}
	copy(sa.Addr[:], ip.To16())
	return sa, unix.AF_INET6
}

// sockaddrToAddr converts a socket address to Go's net types.
func sockaddrToAddr(sa unix.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: a.Name, Net: "unix"}
	case *unix.SockaddrInet4:
		return newTCPAddr4(a.Addr, a.Port)
	case *unix.SockaddrInet6:
		return newTCPAddr(a.Addr, a.Port, zoneName(a.ZoneId))
	}
	return nil
}

// tcpAddrWithIP is a TCP address and the bytes of its IP, allocated
// together: an accepted connection's peer costs one allocation, not two.
type tcpAddrWithIP struct {
	addr net.TCPAddr
	ip   [net.IPv6len]byte
}

// newTCPAddr is ip:port%zone, its IP in its own 16 bytes.
func newTCPAddr(ip [net.IPv6len]byte, port int, zone string) *net.TCPAddr {
	a := &tcpAddrWithIP{ip: ip}
	a.addr = net.TCPAddr{IP: a.ip[:], Port: port, Zone: zone}
	return &a.addr
}

// newTCPAddr4 is ip:port with the IPv4 address in the 16-byte form
// net.IPv4 gives it.
func newTCPAddr4(ip4 [net.IPv4len]byte, port int) *net.TCPAddr {
	ip := [net.IPv6len]byte{10: 0xff, 11: 0xff}
	copy(ip[12:], ip4[:])
	return newTCPAddr(ip, port, "")
}

// zoneName is the name of the interface an IPv6 scope id stands for, ""
// for none (or one that cannot be found).
func zoneName(id uint32) string {
	if id == 0 {
		return ""
	}
	if ifi, err := net.InterfaceByIndex(int(id)); err == nil {
		return ifi.Name
	}
	return ""
}

// sockaddrIP takes an IPv4 or IPv6 socket address apart; ok is false for
// any other kind.
func sockaddrIP(sa unix.Sockaddr) (ip net.IP, port int, zone string, ok bool) {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.IPv4(a.Addr[0], a.Addr[1], a.Addr[2], a.Addr[3]), a.Port, "", true
	case *unix.SockaddrInet6:
		ip := make(net.IP, net.IPv6len)
		copy(ip, a.Addr[:])
		return ip, a.Port, zoneName(a.ZoneId), true
	}
	return nil, 0, "", false
}

// ErrNotTCP is the error of a TCP-only option asked of a UNIX connection.
var ErrNotTCP = errors.New("reactor: not a TCP connection")

// SetTCPNoDelay sets TCP_NODELAY (Twisted's setTcpNoDelay).
func (t *StreamTransport) SetTCPNoDelay(on bool) error {
	return t.setTCPOption(unix.IPPROTO_TCP, unix.TCP_NODELAY, on)
}

// SetTCPKeepAlive sets SO_KEEPALIVE (Twisted's setTcpKeepAlive).
func (t *StreamTransport) SetTCPKeepAlive(on bool) error {
	return t.setTCPOption(unix.SOL_SOCKET, unix.SO_KEEPALIVE, on)
}

// TCPNoDelay reports whether TCP_NODELAY is set (Twisted's getTcpNoDelay).
func (t *StreamTransport) TCPNoDelay() (bool, error) {
	return t.tcpOption(unix.IPPROTO_TCP, unix.TCP_NODELAY)
}

// TCPKeepAlive reports whether SO_KEEPALIVE is set (Twisted's
// getTcpKeepAlive).
func (t *StreamTransport) TCPKeepAlive() (bool, error) {
	return t.tcpOption(unix.SOL_SOCKET, unix.SO_KEEPALIVE)
}

// The TCP options of a closed connection are an error wrapping
// net.ErrClosed, as the net package's are.
func (t *StreamTransport) setTCPOption(level, opt int, on bool) error {
	if !t.isTCP {
		return ErrNotTCP
	}
	if t.fd < 0 {
		return fmt.Errorf("reactor: set socket option: %w", net.ErrClosed)
	}
	v := 0
	if on {
		v = 1
	}
	return setsockoptInt(t.fd, level, opt, v)
}

func (t *StreamTransport) tcpOption(level, opt int) (bool, error) {
	if !t.isTCP {
		return false, ErrNotTCP
	}
	if t.fd < 0 {
		return false, fmt.Errorf("reactor: get socket option: %w", net.ErrClosed)
	}
	v, err := unix.GetsockoptInt(t.fd, level, opt)
	return v != 0, err
}
