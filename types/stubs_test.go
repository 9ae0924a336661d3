package types_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/types"
)

// stubClass is what a stub declares of one ---@class: its parent and the
// names of its fields and functions.
type stubClass struct {
	parent  string
	fields  map[string]bool
	methods map[string]bool
}

// parseStubs reads every stub file with types.Stubs, the parser the
// reference pages are made with, into the names each class declares.
func parseStubs(t *testing.T) map[string]*stubClass {
	t.Helper()
	stubs, err := types.Stubs()
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]*stubClass{}
	for _, s := range stubs {
		for _, c := range s.Classes {
			sc := &stubClass{parent: c.Parent, fields: map[string]bool{}, methods: map[string]bool{}}
			for _, f := range c.Fields {
				sc.fields[f.Name] = true
			}
			for _, f := range c.Functions {
				sc.methods[f.Name] = true
			}
			classes[c.Name] = sc
		}
	}
	return classes
}

// declared is every name class declares, its ancestors' included.
func declared(classes map[string]*stubClass, class string) (fields, methods map[string]bool) {
	fields, methods = map[string]bool{}, map[string]bool{}
	for c := classes[class]; c != nil; c = classes[c.parent] {
		for n := range c.fields {
			fields[n] = true
		}
		for n := range c.methods {
			methods[n] = true
		}
		if c.parent == "" {
			break
		}
	}
	return fields, methods
}

// public says whether a key is part of an object's surface: not a
// metamethod, not a private _field (luasocket's _VERSION is public).
func public(k string) bool {
	if strings.HasPrefix(k, "__") {
		return false
	}
	return !(strings.HasPrefix(k, "_") && len(k) > 1 && k[1] >= 'a' && k[1] <= 'z')
}

// runtimeNames walks v, its raw metatable's __index tables and theirs (the
// way a lookup goes, ignoring __metatable protection), and returns the
// public string keys it finds with whether each holds a function. An
// __index function (a live field or a strict lookup) ends the walk.
func runtimeNames(v lua.LValue) map[string]bool {
	names := map[string]bool{}
	for depth := 0; v != lua.LNil && depth < 16; depth++ {
		var mt lua.LValue = lua.LNil
		switch x := v.(type) {
		case *lua.LTable:
			x.ForEach(func(k, val lua.LValue) {
				if s, ok := k.(lua.LString); ok && public(string(s)) {
					if _, seen := names[string(s)]; !seen {
						names[string(s)] = val.Type() == lua.LTFunction
					}
				}
			})
			mt = x.Metatable
		case *lua.LUserData:
			mt = x.Metatable
		}
		mtab, ok := mt.(*lua.LTable)
		if !ok {
			break
		}
		v = mtab.RawGetString("__index")
		if _, isTable := v.(*lua.LTable); !isTable {
			break
		}
	}
	return names
}

// newHost opens a host whose script has required every module, as locals of
// the chunk's environment (globals of this test only).
func newHost(t *testing.T) *host.Host {
	t.Helper()
	h, err := host.New(host.Options{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// eval runs `return EXPR` in h and returns its value.
func eval(t *testing.T, h *host.Host, expr string) lua.LValue {
	t.Helper()
	L := h.LState()
	fn, err := L.LoadString("return " + expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return v
}

// indexes says whether obj[name] reads without an error and is not nil.
func indexes(h *host.Host, obj lua.LValue, name string) bool {
	ok, v := index(h, obj, name)
	return ok && v != lua.LNil
}

// index reads obj[name]: false when the read raises (a strict object's
// unknown field).
func index(h *host.Host, obj lua.LValue, name string) (bool, lua.LValue) {
	L := h.LState()
	fn, err := L.LoadString("local o, k = ... return o[k]")
	if err != nil {
		panic(err)
	}
	L.Push(fn)
	L.Push(obj)
	L.Push(lua.LString(name))
	if err := L.PCall(2, 1, nil); err != nil {
		return false, lua.LNil
	}
	v := L.Get(-1)
	L.Pop(1)
	return true, v
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestStubsDeclareTheModules checks, both ways, that each module's stub
// declares exactly the names its table has at run time: every public key
// (pairs, through the __index tables) is declared, and every declared name
// reads as a non-nil value (the live fields, like reactor.running, that
// pairs cannot see, included).
func TestStubsDeclareTheModules(t *testing.T) {
	classes := parseStubs(t)
	h := newHost(t)
	modules := []string{"reactor", "task", "protocol", "errors", "basic", "socket", "stdio",
		"defer", "utils", "endpoints", "log", "testing"}
	var files []string
	for _, m := range modules {
		files = append(files, m+".lua")
	}
	sort.Strings(files)
	if got := types.Files(); !slices.Equal(got, files) {
		t.Errorf("stub files %v, want one per module: %v", got, files)
	}
	for _, name := range modules {
		t.Run(name, func(t *testing.T) {
			if classes[name] == nil {
				t.Fatalf("%s.lua declares no ---@class %s", name, name)
			}
			mod := eval(t, h, "require("+`"`+name+`"`+")")
			fields, methods := declared(classes, name)
			for k, isFunc := range runtimeNames(mod) {
				if isFunc && !methods[k] {
					t.Errorf("%s.%s is a function the stub does not declare (function %s.%s)", name, k, name, k)
				}
				if !isFunc && !fields[k] {
					t.Errorf("%s.%s is a field the stub does not declare (---@field %s)", name, k, k)
				}
			}
			for _, k := range append(sortedKeys(fields), sortedKeys(methods)...) {
				if !indexes(h, mod, k) {
					t.Errorf("the stub declares %s.%s, which the module does not have", name, k)
				}
			}
		})
	}
}

// classObjects make values of each class the stubs declare (the class
// table itself for the protocol classes, whose instances share it). An
// expression on `live` reads an object liveObjects made on a running
// reactor.
var classObjects = []struct{ class, expr string }{
	{"DelayedCall", `require("reactor").call_later(3600, print)`},
	{"LoopingCall", `require("task").looping_call(print)`},
	{"Clock", `require("task").clock()`},
	{"Port", `require("reactor").listen_tcp(0, require("protocol").ServerFactory(), {interface = "127.0.0.1"})`},
	{"Port", `live.unix_port`},
	{"Connector", `require("reactor").connect_tcp("127.0.0.1", 9, require("protocol").ClientFactory())`},
	{"UDPPort", `require("reactor").listen_udp(0, require("protocol").DatagramProtocol(), {interface = "127.0.0.1"})`},
	{"Deferred", `require("defer").Deferred()`},
	{"Failure", `require("defer").Failure("x")`},
	{"FailureClass", `require("errors").Failure`},
	{"Class", `require("protocol").Class`},
	{"Protocol", `require("protocol").Protocol`},
	{"Factory", `require("protocol").Factory`},
	{"ServerFactory", `require("protocol").ServerFactory`},
	{"ClientFactory", `require("protocol").ClientFactory`},
	{"ProcessProtocol", `require("protocol").ProcessProtocol`},
	{"DatagramProtocol", `require("protocol").DatagramProtocol`},
	{"LineReceiver", `require("basic").LineReceiver`},
	{"NetstringReceiver", `require("basic").NetstringReceiver`},
	{"Int32StringReceiver", `require("basic").Int32StringReceiver`},
	{"StringTransport", `require("testing").StringTransport()`},
	{"MemoryReactor", `require("testing").MemoryReactor()`},
	{"TCP4ClientEndpoint", `require("endpoints").TCP4ClientEndpoint(require("reactor"), "127.0.0.1", 9)`},
	{"TCP4ServerEndpoint", `require("endpoints").TCP4ServerEndpoint(require("reactor"), 0)`},
	{"TCPSocket", `require("socket").tcp()`},
	{"ErrorClass", `require("errors").ConnectionDone`},
	{"ErrorValue", `require("errors").ConnectionDone("x")`},
	{"Transport", `live.server`},
	{"Transport", `live.client`},
	{"Transport", `live.unix_server`},
	{"ProcessTransport", `live.process`},
	{"ProcessTransport", `live.process_ended`},
	{"Address", `live.server:get_host()`},
	{"Address", `live.server:get_peer()`},
	{"Address", `live.unix_server:get_host()`},
	{"Address", `live.unix_port:get_host()`},
	{"Address", `live.udp_port:get_host()`},
	{"Address", `live.datagram_from`},
}

// uncheckedClasses are stub classes that are only shapes: each says why.
// There are none today; a class added to a stub must be checked or named
// here.
var uncheckedClasses = map[string]string{}

// liveScript makes, on a running reactor, the objects only I/O makes: both
// ends of a TCP connection and a UNIX one on loopback, a UDP datagram's
// sender address, a child process (running, and one that has ended). It
// stops the reactor when it has them all, or after 20 s (a loaded machine).
const liveScript = `
local reactor, protocol = require("reactor"), require("protocol")
local live = {}
local awaited = {"server", "client", "unix_server", "datagram_from", "process_ended"}
local function got(key, value)
  live[key] = value
  for _, k in ipairs(awaited) do
    if live[k] == nil then return end
  end
  reactor.stop()
end
local function recorder(role)
  return protocol.Protocol:extend({connection_made = function(self) got(role, self.transport) end})
end
local port = reactor.listen_tcp(0, protocol.ServerFactory:extend({protocol = recorder("server")})(),
  {interface = "127.0.0.1"})
reactor.connect_tcp("127.0.0.1", port:get_host().port, protocol.ClientFactory:extend({protocol = recorder("client")})())
live.unix_port = reactor.listen_unix(SOCKET_PATH, protocol.ServerFactory:extend({protocol = recorder("unix_server")})())
reactor.connect_unix(SOCKET_PATH, protocol.ClientFactory:extend({protocol = protocol.Protocol})())
live.udp_port = reactor.listen_udp(0, protocol.DatagramProtocol:extend({
  datagram_received = function(_, _, addr) got("datagram_from", addr) end,
})(), {interface = "127.0.0.1"})
local sender = reactor.listen_udp(0, protocol.DatagramProtocol(), {interface = "127.0.0.1"})
sender:write("ping", {host = "127.0.0.1", port = live.udp_port:get_host().port})
live.process = reactor.spawn_process(protocol.ProcessProtocol(), "/bin/sh", {"sh", "-c", "read line"})
local ended = protocol.ProcessProtocol:extend({process_ended = function(self) got("process_ended", self.transport) end})
reactor.spawn_process(ended(), "/bin/sh", {"sh", "-c", "exit 0"})
reactor.call_later(20, reactor.stop)
reactor.run()
live.process:lose_connection()
return live
`

// liveObjects runs liveScript in its own host (a reactor runs once) and
// returns the table of what it made, failing when something did not come.
func liveObjects(t *testing.T) (*host.Host, lua.LValue) {
	t.Helper()
	h := newHost(t)
	L := h.LState()
	L.SetGlobal("SOCKET_PATH", lua.LString(filepath.Join(t.TempDir(), "live.sock")))
	fn, err := L.LoadString(liveScript)
	if err != nil {
		t.Fatal(err)
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		t.Fatal(err)
	}
	live := L.Get(-1)
	L.Pop(1)
	for _, key := range []string{"server", "client", "unix_server", "unix_port", "udp_port", "datagram_from", "process", "process_ended"} {
		if ok, v := index(h, live, key); !ok || v == lua.LNil {
			t.Fatalf("the live script made no %s in 20 s", key)
		}
	}
	return h, live
}

// TestStubsDeclareTheClasses checks each class's public members: every one
// found at run time is declared (its parents' declarations included), and
// every declared method reads as a non-nil value. Declared fields need not
// be present (a Protocol's transport is set by make_connection), but on a
// strict object, one that raises for an unknown field, each must read
// without an error.
func TestStubsDeclareTheClasses(t *testing.T) {
	classes := parseStubs(t)
	h := newHost(t)
	liveHost, live := liveObjects(t)
	checked := map[string]bool{}
	for _, o := range classObjects {
		checked[o.class] = true
	}
	for _, name := range sortedClasses(classes) {
		if _, skipped := uncheckedClasses[name]; !checked[name] && !skipped {
			t.Errorf("stub class %s is neither checked (classObjects) nor listed in uncheckedClasses", name)
		}
	}
	for _, o := range classObjects {
		t.Run(o.class+" "+o.expr, func(t *testing.T) {
			if classes[o.class] == nil {
				t.Fatalf("no stub declares ---@class %s", o.class)
			}
			h := h
			if strings.HasPrefix(o.expr, "live.") {
				h = liveHost
				h.LState().SetGlobal("live", live)
			}
			obj := eval(t, h, o.expr)
			if obj == lua.LNil {
				t.Fatalf("%s is nil", o.expr)
			}
			checkObject(t, h, classes, o.class, obj)
		})
	}
}

// checkObject compares obj's members with what the stub of class declares.
func checkObject(t *testing.T, h *host.Host, classes map[string]*stubClass, class string, obj lua.LValue) {
	t.Helper()
	fields, methods := declared(classes, class)
	for k, isFunc := range runtimeNames(obj) {
		if !fields[k] && !methods[k] {
			kind := "field"
			if isFunc {
				kind = "method"
			}
			t.Errorf("%s has a %s %s the stub does not declare", class, kind, k)
		}
	}
	for _, k := range sortedKeys(methods) {
		if !indexes(h, obj, k) {
			t.Errorf("the stub declares %s:%s, which %s does not have", class, k, class)
		}
	}
	if lenient, _ := index(h, obj, "no_such_field_of_any_class"); lenient {
		return
	}
	for _, k := range sortedKeys(fields) {
		if ok, _ := index(h, obj, k); !ok {
			t.Errorf("the stub declares %s.%s, which %s does not have", class, k, class)
		}
	}
	// A strict object's __index function (a userdata's live fields and its
	// methods) hides its names from runtimeNames; what it answers for names
	// the stubs give other classes shows what it has beyond its own stub.
	for _, k := range sortedKeys(allNames(classes)) {
		if fields[k] || methods[k] {
			continue
		}
		if ok, v := index(h, obj, k); ok && v != lua.LNil {
			t.Errorf("%s has a %s %s the stub does not declare (another class's stub does)", class, v.Type(), k)
		}
	}
}

// allNames is every field and method name some stub class declares.
func allNames(classes map[string]*stubClass) map[string]bool {
	names := map[string]bool{}
	for _, c := range classes {
		for n := range c.fields {
			names[n] = true
		}
		for n := range c.methods {
			names[n] = true
		}
	}
	return names
}

func sortedClasses(classes map[string]*stubClass) []string {
	var names []string
	for n := range classes {
		if _, isModule := moduleFile(n); !isModule {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// moduleFile is the stub file of a module class.
func moduleFile(class string) (string, bool) {
	file := class + ".lua"
	return file, slices.Contains(types.Files(), file)
}

// TestWriteTo checks that WriteTo writes every stub, byte for byte.
func TestWriteTo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "types")
	if err := types.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range types.Files() {
		want, _ := types.Read(name)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: written %d bytes (%v), want the %d of the stub", name, len(got), err, len(want))
		}
	}
}
