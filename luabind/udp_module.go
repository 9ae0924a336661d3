package luabind

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// reactor.listen_udp(port, proto [, {interface = "127.0.0.1",
// max_packet_size = N}]): a UDP port whose datagrams go to proto, a
// protocol.DatagramProtocol, as Twisted's listenUDP. The port is the
// protocol's transport: proto:make_connection(port) runs inside
// listen_udp (so start_protocol does), datagram_received(data, addr) for
// each datagram with addr = {type = "UDP", host = ..., port = ...},
// connection_refused() on a connected port whose peer refused a datagram,
// and do_stop (so stop_protocol) when the port stops.

const udpPortType = "UDPPort"

var fnListenUDP = fname{name: "listen_udp"}

// udpFunctions are the reactor module's listen_udp.
func (rt *Runtime) udpFunctions() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{"listen_udp": rt.luaListenUDP}
}

// luaDatagram is the reactor.DatagramProtocol of a Lua protocol.
type luaDatagram struct {
	rt   *Runtime
	obj  lua.LValue
	port *reactor.UDPPort
	ud   *lua.LUserData // the port as Lua sees it
}

var _ reactor.DatagramProtocol = (*luaDatagram)(nil)

// luaUDPPort is the userdata behind a Lua UDP port.
type luaUDPPort struct {
	port *reactor.UDPPort
}

// StartProtocol only records the port: listen_udp calls make_connection
// itself once ListenUDP has returned, so that its errors are the caller's,
// as in Twisted.
func (d *luaDatagram) StartProtocol(port *reactor.UDPPort) {
	d.port = port
	d.ud = d.rt.L.NewUserData()
	d.ud.Value = &luaUDPPort{port: port}
	d.rt.L.SetMetatable(d.ud, d.rt.udpPortMetatable())
	d.rt.rememberIO(port, d.ud)
}

func (d *luaDatagram) DatagramReceived(data []byte, addr net.Addr) {
	_ = d.rt.callMethod(d.obj, "datagram_received", lua.LString(data), d.rt.addressValue(addr))
}

func (d *luaDatagram) ConnectionRefused() {
	_ = d.rt.callMethod(d.obj, "connection_refused")
}

func (d *luaDatagram) StopProtocol() {
	d.rt.forgetIO(d.port)
	_ = d.rt.callMethod(d.obj, "do_stop")
}

func (rt *Runtime) luaListenUDP(L *lua.LState) int {
	f := fnListenUDP
	port := checkPortNumber(L, 1, f, 0)
	proto := L.Get(2)
	if proto.Type() != lua.LTTable {
		typeError(L, 2, f, "table") // a userdata's strict __index would raise its own error
	}
	if !IsCallable(L, L.GetField(proto, "make_connection")) {
		argError(L, 2, f, "protocol with a make_connection method expected (a protocol.DatagramProtocol)")
	}
	iface := ""
	var opts []reactor.UDPOption
	if o := L.Get(3); o != lua.LNil {
		t, ok := o.(*lua.LTable)
		if !ok {
			typeError(L, 3, f, "table")
		}
		t.ForEach(func(k, v lua.LValue) {
			switch lua.LVAsString(k) {
			case "interface":
				s, ok := v.(lua.LString)
				if !ok {
					argError(L, 3, f, "interface must be a string, got "+v.Type().String())
				}
				iface = string(s)
			case "max_packet_size":
				n, ok := v.(lua.LNumber)
				if !ok || n != lua.LNumber(int(n)) || n < 1 || n > 1<<20 {
					argError(L, 3, f, "max_packet_size must be an integer in 1-1048576")
				}
				opts = append(opts, reactor.UDPMaxPacketSize(int(n)))
			default:
				argError(L, 3, f, "unknown option "+keyText(k)+" (interface, max_packet_size)")
			}
		})
	}
	rt.allowIO(L, "listen_udp", IONetwork, net.JoinHostPort(iface, strconv.Itoa(port)))
	d := &luaDatagram{rt: rt, obj: proto}
	p, err := rt.r.ListenUDP(port, iface, d, opts...)
	if err != nil {
		rt.raiseCannotListen(L, err)
	}
	L.Push(L.GetField(proto, "make_connection"))
	L.Push(proto)
	L.Push(d.ud)
	// A start_protocol that raises leaves the script without the port, so
	// nothing could ever close it: it stops here, and the error goes on.
	if apiErr := rt.pcall(L, 2, 0); apiErr != nil {
		p.StopListening()
		rt.raiseExit(L) // os.exit is no error to pass on
		L.Error(errorValue(apiErr), 0)
	}
	L.Push(rt.ioObject(p))
	return 1
}

func (rt *Runtime) udpPortMetatable() *lua.LTable {
	return rt.registryMeta("UDPPort", func() *lua.LTable {
		L := rt.L
		methods := L.NewTable()
		L.SetFuncs(methods, map[string]lua.LGFunction{
			"write":                 rt.udpWrite,
			"connect":               rt.udpConnect,
			"get_host":              rt.udpGetHost,
			"stop_listening":        rt.udpStopListening,
			"lose_connection":       rt.udpStopListening,
			"set_broadcast_allowed": udpSetBroadcastAllowed,
			"get_broadcast_allowed": udpGetBroadcastAllowed,
		})
		strictMethods(L, udpPortType, methods)
		meta := L.NewTable()
		meta.RawSetString("__index", methods)
		meta.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
			u := checkUDPPort(L, "tostring")
			state := ""
			if !u.port.Listening() {
				state = " (stopped)"
			}
			L.Push(lua.LString(fmt.Sprintf("<UDPPort on %v%s>", u.port.GetHost(), state)))
			return 1
		}))
		meta.RawSetString("__metatable", lua.LString(udpPortType))
		return meta
	})
}

func checkUDPPort(L *lua.LState, name string) *luaUDPPort {
	return checkSelf[luaUDPPort](L, fname{name: name, method: true}, udpPortType)
}

// raiseUDPError raises a port's error as Twisted raises it: a
// MessageLengthError or InvalidAddressError instance (tostring is the
// message, reason:check-able through errors), anything else as a message
// naming the method.
func (rt *Runtime) raiseUDPError(L *lua.LState, name string, err error) {
	var tooLong *reactor.MessageLengthError
	var badAddr *reactor.InvalidAddressError
	switch {
	case errors.As(err, &tooLong):
		L.Error(rt.errorInstance("MessageLengthError", err.Error(), nil), 1)
	case errors.As(err, &badAddr):
		L.Error(rt.errorInstance("InvalidAddressError", err.Error(), nil), 1)
	}
	L.RaiseError("%s: %s", name, err.Error())
}

// write(data [, addr]): sends one datagram to addr, an address table with
// an IP literal host (Twisted refuses host names: resolving would block),
// or, on a connected port, to its peer. It returns the datagram's size.
func (rt *Runtime) udpWrite(L *lua.LState) int {
	f := fname{name: "write", method: true}
	u := checkUDPPort(L, "write")
	data := checkStringArg(L, 2, f)
	var addr net.Addr
	if L.Get(3) != lua.LNil || L.GetTop() >= 3 {
		host, port := checkAddress(L, 3, f)
		ip := net.ParseIP(host)
		if ip == nil {
			rt.raiseUDPError(L, "write", &reactor.InvalidAddressError{
				Address: host, Message: "write() only accepts IP addresses, not hostnames"})
		}
		addr = &net.UDPAddr{IP: ip, Port: port}
		rt.allowIO(L, "write", IONetwork, addr.String())
	}
	if err := u.port.Write([]byte(data), addr); err != nil {
		rt.raiseUDPError(L, "write", err)
	}
	L.Push(lua.LNumber(len(data)))
	return 1
}

// connect(host, port): only host's datagrams reach the port from now on,
// and write(data) sends to it (Twisted's connect: host an IP literal,
// once per port).
func (rt *Runtime) udpConnect(L *lua.LState) int {
	f := fname{name: "connect", method: true}
	u := checkUDPPort(L, "connect")
	host := checkString(L, 2, f)
	port := checkPortNumber(L, 3, f, 0)
	target := host
	if ip := net.ParseIP(host); ip != nil {
		target = ip.String()
	}
	rt.allowIO(L, "connect", IONetwork, net.JoinHostPort(target, strconv.Itoa(port)))
	if err := u.port.Connect(host, port); err != nil {
		rt.raiseUDPError(L, "connect", err)
	}
	return 0
}

func (rt *Runtime) udpGetHost(L *lua.LState) int {
	u := checkUDPPort(L, "get_host")
	L.Push(rt.addressValue(u.port.GetHost()))
	return 1
}

// udpStopListening closes the port and runs the protocol's do_stop (so
// stop_protocol) inside the call, then returns a Deferred already fired
// with nil (Twisted does both on the next turn and fires it then); a second
// call only returns another fired Deferred.
func (rt *Runtime) udpStopListening(L *lua.LState) int {
	u := checkUDPPort(L, "stop_listening")
	u.port.StopListening()
	return rt.pushFiredDeferred(L)
}

func udpSetBroadcastAllowed(L *lua.LState) int {
	u := checkUDPPort(L, "set_broadcast_allowed")
	on := L.Get(2)
	if on.Type() != lua.LTBool {
		typeError(L, 2, fname{name: "set_broadcast_allowed", method: true}, "boolean")
	}
	if err := u.port.SetBroadcastAllowed(lua.LVAsBool(on)); err != nil {
		L.RaiseError("set_broadcast_allowed: %s", err.Error())
	}
	return 0
}

func udpGetBroadcastAllowed(L *lua.LState) int {
	u := checkUDPPort(L, "get_broadcast_allowed")
	on, err := u.port.GetBroadcastAllowed()
	if err != nil {
		L.RaiseError("get_broadcast_allowed: %s", err.Error())
	}
	L.Push(lua.LBool(on))
	return 1
}
