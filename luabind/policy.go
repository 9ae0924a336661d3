package luabind

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// IOKind says what kind of outside resource a script asks for.
type IOKind string

// The kinds of I/O a Config.AllowIO may refuse.
const (
	IONetwork IOKind = "network" // a socket, listener or connection: TCP, UNIX, UDP
	IOProcess IOKind = "process" // a child process
	IOStdio   IOKind = "stdio"   // the process's own standard input and output
	// IODescriptor is a descriptor number a script hands to add_reader or
	// add_writer, other than a socket of its own socket module passed as
	// itself.
	IODescriptor IOKind = "descriptor"
)

// IORequest is one call of a script that would open I/O, for Config.AllowIO.
type IORequest struct {
	Function string // the Lua function called: "listen_tcp", "spawn_process", ...
	Kind     IOKind
	// Target is what the call names: "127.0.0.1:8000" for an address,
	// a UNIX socket's path, a program's path, a descriptor's number; "" for
	// stdio. Under an AllowIO, a UNIX path and a program are absolute,
	// cleaned and free of symbolic links (a program is found in the PATH
	// first), and the call uses exactly that path.
	Target string
	// Name is the host name Target's address was resolved from. A connect
	// or bind to a name asks twice: first with the name in Target, before
	// it is looked up (refusing it there sends no DNS query), then with each
	// address it resolved to, before that address is used. The socket is
	// connected to exactly the address approved: nothing is looked up again.
	Name string
	// Bind says Target is a local address the call binds its socket to
	// before it connects (connect_tcp's bind_address), not one it reaches.
	Bind bool
}

func (q IORequest) String() string {
	if q.Bind {
		return fmt.Sprintf("%s bind %s (%s)", q.Function, q.Target, q.Kind)
	}
	switch {
	case q.Target == "":
		return fmt.Sprintf("%s (%s)", q.Function, q.Kind)
	case q.Name != "":
		return fmt.Sprintf("%s %s (%s, resolved from %s)", q.Function, q.Target, q.Kind, q.Name)
	}
	return fmt.Sprintf("%s %s (%s)", q.Function, q.Target, q.Kind)
}

// allowIO raises the error Config.AllowIO gives for the request, as
// "listen_tcp: MESSAGE"; without an AllowIO everything is allowed.
func (rt *Runtime) allowIO(L *lua.LState, fn string, kind IOKind, target string) {
	if rt.cfg.AllowIO == nil {
		return
	}
	if err := rt.cfg.AllowIO(IORequest{Function: fn, Kind: kind, Target: target}); err != nil {
		L.RaiseError("%s: %s", fn, err.Error())
	}
}

// askIO is Config.AllowIO's answer to the request, nil without an AllowIO.
func (rt *Runtime) askIO(q IORequest) error {
	if rt.cfg.AllowIO == nil {
		return nil
	}
	return rt.cfg.AllowIO(q)
}

// guardsIO reports whether an AllowIO is set: only then are paths made
// absolute and free of symbolic links, and resolved addresses asked about.
func (rt *Runtime) guardsIO() bool { return rt.cfg.AllowIO != nil }

// allowResolved raises the refusal of fn's use of ip, an address host
// resolved to; a host that is an IP address was asked about as it is.
func (rt *Runtime) allowResolved(L *lua.LState, fn, host string, ip net.IP, port int) {
	if err := rt.resolvedRefusal(fn, host, ip, port); err != nil {
		L.RaiseError("%s: %s", fn, err.Error())
	}
}

// resolvedRefusal is AllowIO's answer about fn's use of ip, which host
// resolved to; nil when host is an IP address itself (asked about already).
func (rt *Runtime) resolvedRefusal(fn, host string, ip net.IP, port int) error {
	if !rt.guardsIO() || net.ParseIP(host) != nil {
		return nil
	}
	target := net.JoinHostPort(ip.String(), strconv.Itoa(port))
	return rt.askIO(IORequest{Function: fn, Kind: IONetwork, Target: target, Name: host})
}

// realPath is path made absolute (relative to dir when it is not ""),
// cleaned and with its symbolic links resolved, so that a policy sees the
// file the call reaches. A missing last element is allowed (a socket
// about to be created): its folder is resolved instead; a missing folder
// leaves the path absolute and cleaned (nothing can be reached there).
func realPath(path, dir string) (string, error) {
	if !filepath.IsAbs(path) {
		base := dir
		if !filepath.IsAbs(base) {
			wd, err := os.Getwd()
			if err != nil {
				return "", err
			}
			base = filepath.Join(wd, base)
		}
		path = filepath.Join(base, path)
	}
	path = filepath.Clean(path)
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real, nil
	}
	if parent, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		return filepath.Join(parent, filepath.Base(path)), nil
	}
	return path, nil
}

// guardedPath is path as a policy must see it (see realPath) when an
// AllowIO is set, and path itself otherwise; it raises fn's error when the
// working directory is unknown.
func (rt *Runtime) guardedPath(L *lua.LState, fn, path, dir string) string {
	if !rt.guardsIO() {
		return path
	}
	real, err := realPath(path, dir)
	if err != nil {
		L.RaiseError("%s: %s", fn, err.Error())
	}
	return real
}

// ownSocket reports whether obj is a socket of the socket module whose
// descriptor is fd: the script opened it, with the policy's leave.
func (rt *Runtime) ownSocket(obj lua.LValue, fd int) bool {
	ud, ok := obj.(*lua.LUserData)
	if !ok {
		return false
	}
	s, ok := ud.Value.(*luaSocket)
	return ok && s.rt == rt && s.fd == fd && fd >= 0
}

// allowStdioFds asks about the descriptors StandardIO's options name
// instead of 0 and 1 (argument 2, checked already): any other descriptor
// of the process is a descriptor, not stdio.
func (rt *Runtime) allowStdioFds(L *lua.LState) {
	opts, ok := L.Get(2).(*lua.LTable)
	if !ok {
		return
	}
	for standard, name := range []string{"stdin", "stdout"} {
		if fd, ok := opts.RawGetString(name).(lua.LNumber); ok && int(fd) != standard {
			rt.allowIO(L, fnStandardIO.name, IODescriptor, strconv.Itoa(int(fd)))
		}
	}
}
