package types_test

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
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

var (
	classLine  = regexp.MustCompile(`^---@class\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*([A-Za-z_][A-Za-z0-9_]*))?`)
	fieldLine  = regexp.MustCompile(`^---@field\s+([A-Za-z_][A-Za-z0-9_]*)`)
	methodLine = regexp.MustCompile(`^function\s+([A-Za-z_][A-Za-z0-9_]*)[.:]([A-Za-z_][A-Za-z0-9_]*)\s*\(`)
)

// parseStubs reads every stub file: its ---@class / ---@field lines and its
// `function Class.name` / `function Class:name` declarations.
func parseStubs(t *testing.T) map[string]*stubClass {
	t.Helper()
	classes := map[string]*stubClass{}
	get := func(name string) *stubClass {
		c := classes[name]
		if c == nil {
			c = &stubClass{fields: map[string]bool{}, methods: map[string]bool{}}
			classes[name] = c
		}
		return c
	}
	for _, file := range types.Files() {
		data, err := types.Read(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("---@meta")) {
			t.Errorf("%s: does not start with ---@meta", file)
		}
		current := ""
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := sc.Text()
			if m := classLine.FindStringSubmatch(line); m != nil {
				current = m[1]
				get(current).parent = m[2]
			} else if m := fieldLine.FindStringSubmatch(line); m != nil {
				if current == "" {
					t.Errorf("%s: ---@field %s outside a class", file, m[1])
					continue
				}
				get(current).fields[m[1]] = true
			} else if m := methodLine.FindStringSubmatch(line); m != nil {
				get(m[1]).methods[m[2]] = true
			}
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

// classObjects make a value of each class the stubs declare (the class
// table itself for the protocol classes, whose instances share it).
var classObjects = map[string]string{
	"DelayedCall":         `require("reactor").call_later(3600, print)`,
	"LoopingCall":         `require("task").looping_call(print)`,
	"Clock":               `require("task").clock()`,
	"Port":                `require("reactor").listen_tcp(0, require("protocol").ServerFactory(), {interface = "127.0.0.1"})`,
	"Connector":           `require("reactor").connect_tcp("127.0.0.1", 9, require("protocol").ClientFactory())`,
	"UDPPort":             `require("reactor").listen_udp(0, require("protocol").DatagramProtocol(), {interface = "127.0.0.1"})`,
	"Deferred":            `require("defer").Deferred()`,
	"Failure":             `require("defer").Failure("x")`,
	"Class":               `require("protocol").Class`,
	"Protocol":            `require("protocol").Protocol`,
	"Factory":             `require("protocol").Factory`,
	"ServerFactory":       `require("protocol").ServerFactory`,
	"ClientFactory":       `require("protocol").ClientFactory`,
	"ProcessProtocol":     `require("protocol").ProcessProtocol`,
	"DatagramProtocol":    `require("protocol").DatagramProtocol`,
	"LineReceiver":        `require("basic").LineReceiver`,
	"NetstringReceiver":   `require("basic").NetstringReceiver`,
	"Int32StringReceiver": `require("basic").Int32StringReceiver`,
	"StringTransport":     `require("testing").StringTransport()`,
	"MemoryReactor":       `require("testing").MemoryReactor()`,
	"TCP4ClientEndpoint":  `require("endpoints").TCP4ClientEndpoint(require("reactor"), "127.0.0.1", 9)`,
	"TCP4ServerEndpoint":  `require("endpoints").TCP4ServerEndpoint(require("reactor"), 0)`,
	"TCPSocket":           `require("socket").tcp()`,
	"ErrorClass":          `require("errors").ConnectionDone`,
	"ErrorValue":          `require("errors").ConnectionDone("x")`,
}

// uncheckedClasses are stub classes with no object the test can make in a
// few lines, or that are only shapes: each says why.
var uncheckedClasses = map[string]string{
	"Transport":        "needs a live connection (a socket pair through the reactor)",
	"ProcessTransport": "needs a child process",
	"Address":          "a plain record {type, host, port} / {type, name}",
	"FailureClass":     "the callable Failure class; its instances are checked as Failure",
	"Callable":         "an alias",
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
	for _, name := range sortedClasses(classes) {
		expr, ok := classObjects[name]
		if !ok {
			if _, skipped := uncheckedClasses[name]; !skipped {
				t.Errorf("stub class %s is neither checked (classObjects) nor listed in uncheckedClasses", name)
			}
			continue
		}
		t.Run(name, func(t *testing.T) {
			obj := eval(t, h, expr)
			fields, methods := declared(classes, name)
			for k, isFunc := range runtimeNames(obj) {
				if !fields[k] && !methods[k] {
					kind := "field"
					if isFunc {
						kind = "method"
					}
					t.Errorf("%s has a %s %s the stub does not declare", name, kind, k)
				}
			}
			for _, k := range sortedKeys(methods) {
				if !indexes(h, obj, k) {
					t.Errorf("the stub declares %s:%s, which %s does not have", name, k, name)
				}
			}
			if lenient, _ := index(h, obj, "no_such_field_of_any_class"); lenient {
				return
			}
			for _, k := range sortedKeys(fields) {
				if ok, _ := index(h, obj, k); !ok {
					t.Errorf("the stub declares %s.%s, which %s does not have", name, k, name)
				}
			}
		})
	}
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
