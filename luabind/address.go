package luabind

import (
	"fmt"
	"net"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// Addresses as scripts see them, after Twisted's IPv4Address, IPv6Address
// and UNIXAddress: plain tables {type = "TCP", host = "127.0.0.1", port = N}
// ("UDP" for datagrams, {type = "UNIX", name = PATH} for UNIX sockets,
// {type = "pipe"} for standard I/O's PipeAddress()) whose
// tostring is Twisted's repr, IPv4Address(type='TCP', host='127.0.0.1',
// port=N). A script may build one itself for transport:write(data, addr).

// addressValue is a as a Lua address, nil for a nil address.
func (rt *Runtime) addressValue(a net.Addr) lua.LValue {
	L := rt.L
	t := L.CreateTable(0, 3)
	switch a := a.(type) {
	case *net.TCPAddr:
		if a == nil {
			return lua.LNil
		}
		rt.setIPAddress(t, "TCP", a.IP, a.Port)
	case *net.UDPAddr:
		if a == nil {
			return lua.LNil
		}
		rt.setIPAddress(t, "UDP", a.IP, a.Port)
	case *net.UnixAddr:
		if a == nil {
			return lua.LNil
		}
		t.RawSetString("type", lua.LString("UNIX"))
		if a.Name != "" && a.Name != "@" {
			t.RawSetString("name", lua.LString(a.Name))
		}
	case reactor.PipeAddress:
		t.RawSetString("type", lua.LString("pipe"))
	case nil:
		return lua.LNil
	default:
		t.RawSetString("type", lua.LString(a.Network()))
		t.RawSetString("name", lua.LString(a.String()))
	}
	L.SetMetatable(t, rt.addressMeta())
	return t
}

func (rt *Runtime) setIPAddress(t *lua.LTable, typ string, ip net.IP, port int) {
	t.RawSetString("type", lua.LString(typ))
	t.RawSetString("host", rt.addrs.hostValue(ip))
	t.RawSetString("port", lua.LNumber(port))
}

// addressCache keeps what addresses share: their metatable, and the Lua
// string of the host the last one had (a server's peers are mostly one
// host), which cost two allocations per connection to build again.
type addressCache struct {
	meta     *lua.LTable
	lastIP   net.IP
	lastHost lua.LValue
}

// hostValue is ip as an address's host: dotted for IPv4 (mapped ones
// too), "0.0.0.0" for none.
func (c *addressCache) hostValue(ip net.IP) lua.LValue {
	if c.lastHost != nil && ip.Equal(c.lastIP) {
		return c.lastHost
	}
	host := "0.0.0.0"
	if ip4 := ip.To4(); ip4 != nil {
		host = ip4.String()
	} else if ip != nil {
		host = ip.String()
	}
	// A copy: the caller's IP may be a buffer it reuses.
	c.lastIP = append(c.lastIP[:0], ip...)
	c.lastHost = lua.LString(host)
	return c.lastHost
}

// addressMeta is the metatable of the addresses Go makes: tostring only.
func (rt *Runtime) addressMeta() *lua.LTable {
	if rt.addrs.meta == nil {
		meta := rt.L.NewTable()
		meta.RawSetString("__tostring", rt.L.NewFunction(addressToString))
		meta.RawSetString("__metatable", lua.LString("address"))
		rt.addrs.meta = meta
	}
	return rt.addrs.meta
}

func addressToString(L *lua.LState) int {
	t := L.CheckTable(1)
	typ := lua.LVAsString(t.RawGetString("type"))
	if typ == "UNIX" {
		name := "None"
		if n, ok := t.RawGetString("name").(lua.LString); ok {
			name = fmt.Sprintf("'%s'", string(n))
		}
		L.Push(lua.LString("UNIXAddress(name=" + name + ")"))
		return 1
	}
	if typ == "pipe" {
		L.Push(lua.LString("PipeAddress()")) // standard I/O's
		return 1
	}
	host := lua.LVAsString(t.RawGetString("host"))
	kind := "IPv4Address"
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		kind = "IPv6Address"
	}
	L.Push(lua.LString(fmt.Sprintf("%s(type='%s', host='%s', port=%s)", kind, typ, host,
		lua.LVAsString(t.RawGetString("port")))))
	return 1
}

// checkAddress reads argument n of f as an address table with a host (an
// IP literal) and a port in 0-65535.
func checkAddress(L *lua.LState, n int, f fname) (host string, port int) {
	t, ok := L.Get(n).(*lua.LTable)
	if !ok {
		typeError(L, n, f, "address table")
	}
	h, ok := t.RawGetString("host").(lua.LString)
	if !ok {
		argError(L, n, f, "address with a string host expected, got host "+t.RawGetString("host").Type().String())
	}
	pv := t.RawGetString("port")
	p, ok := pv.(lua.LNumber)
	if !ok {
		argError(L, n, f, "address with a port in 0-65535 expected, got port "+pv.Type().String())
	}
	if p != lua.LNumber(int(p)) || p < 0 || p > 65535 {
		argError(L, n, f, "address with a port in 0-65535 expected, got port "+numberText(float64(p)))
	}
	return string(h), int(p)
}
