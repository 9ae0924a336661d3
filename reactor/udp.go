package reactor

import (
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"strconv"

	"golang.org/x/sys/unix"
)

// DatagramProtocol is what a UDP port delivers its datagrams to, after
// Twisted's DatagramProtocol. Its methods run on the loop's goroutine.
type DatagramProtocol interface {
	// StartProtocol is called once, from ListenUDP, when the port is bound
	// and watched.
	StartProtocol(port *UDPPort)
	// DatagramReceived gets one datagram and its sender (a *net.UDPAddr).
	// data is the port's read buffer: it is valid only during the call,
	// so a protocol that keeps it must copy it. A panic is reported to the
	// error hook and the port goes on with the next datagram.
	DatagramReceived(data []byte, addr net.Addr)
	// ConnectionRefused is called, on a port connected with Connect, when
	// the peer refused a datagram (an ICMP port unreachable reported as
	// ECONNREFUSED by a later receive or send). Ports not connected are
	// never told: the kernel does not report refusals to them.
	ConnectionRefused()
	// StopProtocol is called once, when the port stops: StopListening, the
	// reactor's shutdown, or a receive error the port cannot go on from.
	StopProtocol()
}

// UDPOption changes how ListenUDP sets a port up.
type UDPOption func(*udpConfig)

type udpConfig struct {
	maxPacketSize int
}

// UDPMaxPacketSize sets the size of the port's read buffer, and so the
// longest datagram delivered whole; a longer one is cut to n bytes, as
// Twisted's maxPacketSize. The default is 65536, above any IPv4 datagram
// (Twisted's default is 8192, which cuts datagrams silently).
func UDPMaxPacketSize(n int) UDPOption {
	return func(c *udpConfig) {
		if n > 0 {
			c.maxPacketSize = n
		}
	}
}

// maxDatagramsPerRead bounds the datagrams one readable event receives, so
// that one busy port cannot starve the loop's other work (Twisted bounds
// the bytes instead, 256 KiB).
const maxDatagramsPerRead = 256

// InvalidAddressError is a UDP port's error for an address it cannot use,
// with Twisted's reasons: "Invalid address example.com: connect() only
// accepts IP addresses, not hostnames".
type InvalidAddressError struct {
	Address string
	Message string
}

func (e *InvalidAddressError) Error() string {
	return fmt.Sprintf("Invalid address %s: %s", e.Address, e.Message)
}

// ErrUDPAlreadyConnected is Connect's error on a port already connected
// (Twisted raises RuntimeError with this text).
var ErrUDPAlreadyConnected = errors.New("already connected, reconnecting is not currently supported")

// MessageLengthError is Write's error for a datagram longer than the
// socket can send (EMSGSIZE), as Twisted's MessageLengthError.
type MessageLengthError struct{ Err error }

func (e *MessageLengthError) Error() string { return "Message is too long to send: message too long." }

func (e *MessageLengthError) Unwrap() error { return e.Err }

// UDPPort is a bound UDP socket watched by the reactor, after Twisted's
// udp.Port: it reads datagrams as they come and hands them to its
// DatagramProtocol; Write sends at once, never buffers and never blocks.
//
// Its methods belong to the loop's goroutine. The port is the reactor's
// ReadDescriptor for its socket: Fd, DoRead and ConnectionLost are for the
// reactor, not for the program. While it is open the reactor is not Idle,
// and the reactor closes it (calling StopProtocol) when it stops.
type UDPPort struct {
	r       *Reactor
	fd      int // -1 once closed
	family  int
	addr    *net.UDPAddr
	proto   DatagramProtocol
	buf     []byte
	reading bool
	peer    *net.UDPAddr // the Connect address, nil if not connected
}

// ListenUDP binds a UDP socket on port (0 picks a free one) of iface, an
// IP address ("127.0.0.1", "::1", "::"; "localhost" means 127.0.0.1; ""
// means all IPv4 interfaces, as Twisted's default), starts reading and
// calls p.StartProtocol before it returns. The socket's family is the
// interface's. A failure is a *CannotListenError with Twisted's text.
func (r *Reactor) ListenUDP(port int, iface string, p DatagramProtocol, opts ...UDPOption) (*UDPPort, error) {
	if err := r.checkOpen(); err != nil {
		return nil, err
	}
	fail := func(err error) (*UDPPort, error) {
		return nil, &CannotListenError{Interface: iface, Port: strconv.Itoa(port), Err: err}
	}
	if port < 0 || port > 65535 {
		return fail(fmt.Errorf("port %d out of range 0-65535", port))
	}
	cfg := udpConfig{maxPacketSize: readBufferSize}
	for _, o := range opts {
		o(&cfg)
	}
	ip, err := listenIP(iface)
	if err != nil {
		return fail(err)
	}
	sa, family := ipSockaddr(ip, port)
	fd, err := newSocket(family, unix.SOCK_DGRAM)
	if err != nil {
		return fail(err)
	}
	err = unix.Bind(fd, sa)
	var local unix.Sockaddr
	if err == nil {
		local, err = unix.Getsockname(fd)
	}
	if err != nil {
		unix.Close(fd)
		return fail(err)
	}
	u := &UDPPort{r: r, fd: fd, family: family, addr: udpAddr(local), proto: p, buf: make([]byte, cfg.maxPacketSize)}
	if err := r.AddReader(u); err != nil {
		unix.Close(fd)
		return fail(err)
	}
	u.reading = true
	r.trackIO(u)
	u.call(func() { p.StartProtocol(u) })
	return u, nil
}

// GetHost is the address the port is bound to, with the port picked for 0.
func (u *UDPPort) GetHost() *net.UDPAddr { return u.addr }

// Fd is the socket, -1 once closed.
func (u *UDPPort) Fd() int { return u.fd }

// Listening reports whether the port is open (StopListening not called).
func (u *UDPPort) Listening() bool { return u.fd >= 0 }

// Write sends data to addr (a *net.UDPAddr), or, on a port connected with
// Connect, to its peer when addr is nil (or the peer's address). It sends
// at once or not at all: if the socket's send buffer is full the datagram
// is dropped and the error wraps EAGAIN, as a datagram may always be lost
// (Twisted raises the socket error). On a port bound to IPv6 an IPv4
// address is sent as IPv4-mapped, which a socket bound to "::" delivers;
// an IPv6 address on an IPv4 port is an *InvalidAddressError, as
// Twisted's. A datagram too long is a *MessageLengthError. On a connected
// port a refusal the kernel reports at the send is told to
// ConnectionRefused, and Write returns nil.
func (u *UDPPort) Write(data []byte, addr net.Addr) error {
	if u.fd < 0 {
		return fmt.Errorf("reactor: write on a closed UDP port: %w", unix.EBADF)
	}
	var to unix.Sockaddr
	if u.peer != nil {
		if addr != nil {
			ua, ok := addr.(*net.UDPAddr)
			if !ok || !ua.IP.Equal(u.peer.IP) || ua.Port != u.peer.Port {
				return fmt.Errorf("reactor: write to %v on a UDP port connected to %v", addr, u.peer)
			}
		}
	} else {
		if addr == nil {
			return errors.New("reactor: write with no address on a UDP port not connected")
		}
		sa, err := u.sockaddr(addr)
		if err != nil {
			return err
		}
		to = sa
	}
	for {
		err := unix.Sendto(u.fd, data, 0, to)
		switch err {
		case nil:
			return nil
		case unix.EINTR:
			continue
		case unix.EMSGSIZE:
			return &MessageLengthError{Err: err}
		case unix.ECONNREFUSED:
			if u.peer != nil {
				u.call(u.proto.ConnectionRefused)
				return nil
			}
		case unix.EAGAIN:
			return fmt.Errorf("reactor: UDP send buffer full, datagram to %v dropped: %w", u.dest(addr), err)
		}
		return fmt.Errorf("reactor: UDP send to %v: %w", u.dest(addr), err)
	}
}

func (u *UDPPort) dest(addr net.Addr) net.Addr {
	if addr == nil && u.peer != nil {
		return u.peer
	}
	return addr
}

// sockaddr turns a Write address into the socket's family.
func (u *UDPPort) sockaddr(addr net.Addr) (unix.Sockaddr, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return nil, fmt.Errorf("reactor: UDP write to %v: not a *net.UDPAddr (%T)", addr, addr)
	}
	if ua.Port < 0 || ua.Port > 65535 {
		return nil, fmt.Errorf("reactor: UDP write to %v: port out of range 0-65535", ua)
	}
	ip4 := ua.IP.To4()
	if u.family == unix.AF_INET {
		if ip4 == nil {
			return nil, &InvalidAddressError{Address: ua.IP.String(), Message: "IPv4 port write() called with IPv6 address"}
		}
		sa := &unix.SockaddrInet4{Port: ua.Port}
		copy(sa.Addr[:], ip4)
		return sa, nil
	}
	ip16 := ua.IP.To16()
	if ip16 == nil {
		return nil, &InvalidAddressError{Address: ua.IP.String(), Message: "not an IPv4 or IPv6 address"}
	}
	sa := &unix.SockaddrInet6{Port: ua.Port}
	copy(sa.Addr[:], ip16) // an IPv4 address is in its mapped form
	if ua.Zone != "" {
		if ifi, err := net.InterfaceByName(ua.Zone); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		}
	}
	return sa, nil
}

// Connect connects the port to host:port, as Twisted's connect: the kernel
// then delivers only that peer's datagrams, Write(data, nil) sends to it,
// and refusals are told to ConnectionRefused. host must be an IP literal,
// as in Twisted (an *InvalidAddressError otherwise: resolving a name would
// block the loop); a port connects once (ErrUDPAlreadyConnected).
func (u *UDPPort) Connect(host string, port int) error {
	if u.peer != nil {
		return ErrUDPAlreadyConnected
	}
	if u.fd < 0 {
		return fmt.Errorf("reactor: connect on a closed UDP port: %w", unix.EBADF)
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return &InvalidAddressError{Address: host, Message: "connect() only accepts IP addresses, not hostnames"}
	}
	peer := &net.UDPAddr{IP: ip, Port: port}
	sa, err := u.sockaddr(peer)
	if err != nil {
		return err
	}
	if err := unix.Connect(u.fd, sa); err != nil {
		return fmt.Errorf("reactor: UDP connect to %v: %w", peer, err)
	}
	u.peer = peer
	return nil
}

// SetBroadcastAllowed sets SO_BROADCAST, which sending to a broadcast
// address needs (Twisted's setBroadcastAllowed).
func (u *UDPPort) SetBroadcastAllowed(on bool) error {
	if u.fd < 0 {
		return fmt.Errorf("reactor: set socket option: %w", unix.EBADF)
	}
	v := 0
	if on {
		v = 1
	}
	return unix.SetsockoptInt(u.fd, unix.SOL_SOCKET, unix.SO_BROADCAST, v)
}

// GetBroadcastAllowed reports whether SO_BROADCAST is set.
func (u *UDPPort) GetBroadcastAllowed() (bool, error) {
	if u.fd < 0 {
		return false, fmt.Errorf("reactor: get socket option: %w", unix.EBADF)
	}
	v, err := unix.GetsockoptInt(u.fd, unix.SOL_SOCKET, unix.SO_BROADCAST)
	return v != 0, err
}

// StopListening closes the socket and calls StopProtocol, both at once
// (Twisted does both on a later turn); a second call does nothing.
func (u *UDPPort) StopListening() { u.close() }

func (u *UDPPort) close() {
	if u.fd < 0 {
		return
	}
	if u.reading {
		u.r.RemoveReader(u)
		u.reading = false
	}
	_ = unix.Close(u.fd)
	u.fd = -1
	u.r.untrackIO(u)
	u.call(u.proto.StopProtocol) // once: the fd guard above
}

// DoRead receives the waiting datagrams, at most maxDatagramsPerRead.
func (u *UDPPort) DoRead() error {
	for range maxDatagramsPerRead {
		if u.fd < 0 {
			return nil // the protocol stopped the port
		}
		n, from, err := unix.Recvfrom(u.fd, u.buf, 0)
		switch err {
		case nil:
			addr := udpAddr(from)
			if addr == nil && u.peer != nil {
				addr = u.peer
			}
			data := u.buf[:n]
			u.call(func() { u.proto.DatagramReceived(data, addr) })
			continue
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return nil
		case unix.ECONNREFUSED:
			if u.peer != nil {
				u.call(u.proto.ConnectionRefused)
			}
			continue
		}
		return fmt.Errorf("reactor: UDP receive on %v: %w", u.addr, err)
	}
	return nil
}

// call runs a protocol method, reporting a panic to the error hook, so
// that a failing protocol never takes the port down.
func (u *UDPPort) call(f func()) {
	panicked := true
	defer func() {
		if panicked {
			u.r.ReportError(&PanicError{Value: recover(), Stack: debug.Stack()})
		}
	}()
	f()
	panicked = false
}

// ConnectionLost is the reactor's notice that it dropped the port: a
// receive error it cannot go on from. The error goes to the error hook,
// the port closes and StopProtocol is called.
func (u *UDPPort) ConnectionLost(reason error) {
	u.reading = false
	if u.fd >= 0 {
		u.r.ReportError(fmt.Errorf("reactor: stopped listening on UDP %v: %w", u.addr, reason))
	}
	u.close()
}

// shutdown closes the port when the reactor stops, as StopListening.
func (u *UDPPort) shutdown() { u.close() }

func (u *UDPPort) String() string { return fmt.Sprintf("UDPPort(%v)", u.addr) }

// udpAddr converts an IP socket address to a *net.UDPAddr, nil for any
// other.
func udpAddr(sa unix.Sockaddr) *net.UDPAddr {
	if ip, port, zone, ok := sockaddrIP(sa); ok {
		return &net.UDPAddr{IP: ip, Port: port, Zone: zone}
	}
	return nil
}
