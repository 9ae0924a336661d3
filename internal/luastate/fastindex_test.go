package luastate

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// lookups counts which did each lookup: the __index function (calls) or
// its fast lookup (inPlaces).
type lookups struct{ calls, inPlaces int }

// indexer is an __index Go function and its FastIndex: obj.name is "field",
// obj.self a method returning its self, obj.arg the table's slot 1,
// obj.missing raises from the function.
type indexer struct {
	fn *lua.LFunction
	lookups
}

func (ix *indexer) lookup(L *lua.LState, obj *lua.LTable, key string) lua.LValue {
	switch key {
	case "name":
		return lua.LString("field")
	case "self":
		return L.GetGlobal("return_self")
	case "arg":
		if obj == nil {
			return nil
		}
		return obj.RawGetInt(1)
	}
	return nil
}

func newIndexer(L *lua.LState) *indexer {
	ix := &indexer{}
	ix.fn = L.NewFunction(func(L *lua.LState) int {
		ix.calls++
		obj, _ := L.Get(1).(*lua.LTable)
		if v := ix.lookup(L, obj, L.CheckString(2)); v != nil {
			L.Push(v)
			return 1
		}
		L.RaiseError("no field '%s'", L.CheckString(2))
		return 0
	})
	return ix
}

// fastIndexSetup makes obj, a table with integer slot 1 = "slot" and a
// field "raw", whose metatable's __index is ix.fn.
const fastIndexSetup = `
return_self = function(self) return self end
local obj = setmetatable({"slot", raw = "raw"}, meta)
`

// userdataIndexer is an __index Go function of userdata and its
// FastUserdataIndex: u.name is "field", u.self a method returning its self,
// u.value the userdata's Go value, u.missing raises from the function.
type userdataIndexer struct {
	fn *lua.LFunction
	lookups
}

func (ix *userdataIndexer) lookup(L *lua.LState, ud *lua.LUserData, key string) lua.LValue {
	switch key {
	case "name":
		return lua.LString("field")
	case "self":
		return L.GetGlobal("return_self")
	case "value":
		if s, ok := ud.Value.(string); ok {
			return lua.LString(s)
		}
	}
	return nil
}

func newUserdataIndexer(L *lua.LState) *userdataIndexer {
	ix := &userdataIndexer{}
	ix.fn = L.NewFunction(func(L *lua.LState) int {
		ix.calls++
		ud := L.CheckUserData(1)
		if v := ix.lookup(L, ud, L.CheckString(2)); v != nil {
			L.Push(v)
			return 1
		}
		L.RaiseError("no field '%s'", L.CheckString(2))
		return 0
	})
	return ix
}

// newIndexedUserdata sets the global u, a userdata of Go value "slot" whose
// metatable's __index is ix.fn and whose __newindex records in the global
// stored, and the global return_self.
func newIndexedUserdata(L *lua.LState, fn *lua.LFunction) {
	meta := L.NewTable()
	meta.RawSetString("__index", fn)
	meta.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.SetGlobal("stored", L.Get(3))
		return 0
	}))
	ud := L.NewUserData()
	ud.Value = "slot"
	ud.Metatable = meta
	L.SetGlobal("u", ud)
	if msg, _ := run(L, "return_self = function(self) return self end"); msg != "" {
		panic(msg)
	}
}

// indexedKind is a kind of value whose metatable's __index is a Go
// function with a fast lookup for it: tables (SetFastIndex) or userdata
// (SetFastUserdataIndex). The tests below run the same checks on both.
type indexedKind struct {
	name string
	// open makes the __index function on L and the value the chunks index,
	// registering the fast lookup (counted) when asked.
	open func(L *lua.LState, registered bool) *lookups
	// prefix is the code each chunk starts with.
	prefix string
	cases  []fastIndexCase
	// traceback is a chunk returning the traceback of an error the
	// function raises when the fast lookup has no answer; line is the
	// script's line it shows.
	traceback, line string
	// step defines step(), a method and a field both found in place.
	step string
}

type fastIndexCase struct {
	name, src string
	want      string // the chunk's result, or its error's first line
	inPlace   bool   // found without calling the function, once registered
	neither   bool   // no lookup at all reaches the function: a raw hit, a store
}

var indexedKinds = []indexedKind{
	{
		name: "table",
		open: func(L *lua.LState, registered bool) *lookups {
			ix := newIndexer(L)
			if registered {
				SetFastIndex(L, ix.fn, func(L *lua.LState, obj *lua.LTable, key string) lua.LValue {
					ix.inPlaces++
					return ix.lookup(L, obj, key)
				})
			}
			meta := L.NewTable()
			meta.RawSetString("__index", ix.fn)
			L.SetGlobal("meta", meta)
			return &ix.lookups
		},
		prefix: fastIndexSetup,
		cases: []fastIndexCase{
			{name: "a field", src: "return obj.name", want: "field", inPlace: true},
			{name: "a method", src: "return obj:self() == obj and 'same' or 'other'", want: "same", inPlace: true},
			{name: "a method's self argument", src: "local x = obj:self() return x[1]", want: "slot", inPlace: true},
			{name: "a live slot", src: "return obj.arg", want: "slot", inPlace: true},
			{name: "a raw hit", src: "return obj.raw", want: "raw", neither: true},
			{name: "a key in a variable", src: "local k = 'name' return obj[k]", want: "field"},
			{name: "an error", src: "\nreturn obj.missing", want: "t.lua:5: no field 'missing'"},
			{name: "a method's error", src: "\n\nreturn obj:missing()", want: "t.lua:6: no field 'missing'"},
		},
		traceback: `
local function get() return obj.missing end
local ok, trace = xpcall(get, debug.traceback)
return trace`,
		line: "t.lua:5",
		step: "function step() return obj:self().name end",
	},
	{
		name: "userdata",
		open: func(L *lua.LState, registered bool) *lookups {
			ix := newUserdataIndexer(L)
			if registered {
				SetFastUserdataIndex(L, ix.fn, func(L *lua.LState, ud *lua.LUserData, key string) lua.LValue {
					ix.inPlaces++
					return ix.lookup(L, ud, key)
				})
			}
			newIndexedUserdata(L, ix.fn)
			return &ix.lookups
		},
		cases: []fastIndexCase{
			{name: "a field", src: "return u.name", want: "field", inPlace: true},
			{name: "a method", src: "return u:self() == u and 'same' or 'other'", want: "same", inPlace: true},
			{name: "a method called with a dot", src: "return u.self(u) == u and 'same' or 'other'", want: "same", inPlace: true},
			{name: "its Go value", src: "return u.value", want: "slot", inPlace: true},
			{name: "a key in a variable", src: "local k = 'name' return u[k]", want: "field"},
			{name: "an error", src: "\nreturn u.missing", want: "t.lua:2: no field 'missing'"},
			{name: "a method's error", src: "\n\nreturn u:missing()", want: "t.lua:3: no field 'missing'"},
			{name: "__newindex", src: "u.name = 'new' return stored", want: "new", neither: true},
		},
		traceback: `
local function get() return u:missing() end
local ok, trace = xpcall(get, debug.traceback)
return trace`,
		line: "t.lua:2",
		step: "function step() return u:self().name end",
	},
}

// TestFastIndex: each lookup reads the same with the fast lookup
// registered as without, and the fast lookup answers those it can without
// the function running.
func TestFastIndex(t *testing.T) {
	for _, kind := range indexedKinds {
		for _, tc := range kind.cases {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				for _, registered := range []bool{false, true} {
					L := newMarkedState(t)
					defer L.Close()
					n := kind.open(L, registered)
					msg, result := run(L, kind.prefix+tc.src)
					got := lua.LVAsString(result)
					if msg != "" {
						got = msg
					}
					if got != tc.want {
						t.Errorf("registered %v: got %q, want %q", registered, got, tc.want)
					}
					wantCalls := 1
					if tc.neither || registered && tc.inPlace {
						wantCalls = 0
					}
					if n.calls != wantCalls {
						t.Errorf("registered %v: the __index function ran %d times, want %d", registered, n.calls, wantCalls)
					}
					if !registered && n.inPlaces != 0 || registered && tc.inPlace && n.inPlaces != 1 {
						t.Errorf("registered %v: the fast lookup ran %d times", registered, n.inPlaces)
					}
				}
			})
		}
	}
}

// TestFastIndexTraceback: an error the function raises when the fast
// lookup has no answer is traced back as when nothing is registered, with
// the function's own frame.
func TestFastIndexTraceback(t *testing.T) {
	for _, kind := range indexedKinds {
		t.Run(kind.name, func(t *testing.T) {
			var traces []string
			for _, registered := range []bool{false, true} {
				L := newMarkedState(t)
				kind.open(L, registered)
				msg, result := run(L, kind.prefix+kind.traceback)
				L.Close()
				if msg != "" {
					t.Fatal(msg)
				}
				traces = append(traces, lua.LVAsString(result))
			}
			if traces[0] != traces[1] {
				t.Errorf("registered, the traceback is\n%s\nnot\n%s", traces[1], traces[0])
			}
			if !strings.Contains(traces[0], "[G]") || !strings.Contains(traces[0], kind.line+": in function") {
				t.Errorf("the traceback has no frame of the function, or no line of the script:\n%s", traces[0])
			}
		})
	}
}

// TestFastIndexAllocations: a method found in place, and a field, box no
// key and push no frame.
func TestFastIndexAllocations(t *testing.T) {
	for _, kind := range indexedKinds {
		t.Run(kind.name, func(t *testing.T) {
			L := newMarkedState(t)
			defer L.Close()
			n := kind.open(L, true)
			if msg, _ := run(L, kind.prefix+kind.step); msg != "" {
				t.Fatal(msg)
			}
			step := L.GetGlobal("step")
			allocs := testing.AllocsPerRun(1000, func() {
				L.Push(step)
				L.Call(0, 0)
			})
			if allocs != 0 {
				t.Errorf("a lookup in place allocates %v times, want 0", allocs)
			}
			if n.calls != 0 {
				t.Errorf("the __index function ran %d times", n.calls)
			}
		})
	}
}

// TestFastIndexIsPerState: a function registered on one state is called as
// gopher-lua calls it on another, marked or not.
func TestFastIndexIsPerState(t *testing.T) {
	marked := newMarkedState(t)
	defer marked.Close()
	ix := newIndexer(marked)
	inPlaces := 0
	SetFastIndex(marked, ix.fn, func(L *lua.LState, obj *lua.LTable, key string) lua.LValue {
		inPlaces++
		return ix.lookup(L, obj, key)
	})
	for _, c := range []struct {
		name  string
		state func() *lua.LState
	}{
		{"unmarked", func() *lua.LState { return lua.NewState() }},
		{"marked", func() *lua.LState { return newMarkedState(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			L := c.state()
			defer L.Close()
			SetFastIndex(L, L.NewFunction(func(*lua.LState) int { return 0 }), func(*lua.LState, *lua.LTable, string) lua.LValue {
				t.Error("a FastIndex of another function ran")
				return nil
			})
			meta := L.NewTable()
			meta.RawSetString("__index", ix.fn)
			L.SetGlobal("meta", meta)
			ix.calls, inPlaces = 0, 0
			msg, result := run(L, fastIndexSetup+"return obj.name .. obj:self()[1]")
			if msg != "" || lua.LVAsString(result) != "fieldslot" {
				t.Fatalf("got %q, %v", msg, result)
			}
			if ix.calls != 2 || inPlaces != 0 {
				t.Errorf("the function ran %d times, its FastIndex %d, want 2 and 0", ix.calls, inPlaces)
			}
		})
	}
}

// TestClassLookups: objects whose metatable's __index is a table (a
// class), found in place one level down and by gopher-lua's handler
// further, read as gopher-lua reads them, marked or not.
func TestClassLookups(t *testing.T) {
	const classes = `
local Base = {}
Base.__index = Base
function Base:kind() return "base " .. self.name end
Base.shared = "from base"
local Class = setmetatable({}, Base)
Class.__index = Class
function Class:who() return self.name end
local obj = setmetatable({name = "obj"}, Class)
`
	for _, tc := range []struct{ name, src, want string }{
		{"a field of the object", "return obj.name", "obj"},
		{"a method of its class", "return obj:who()", "obj"},
		{"a method of the base class", "return obj:kind()", "base obj"},
		{"a field of the base class", "return obj.shared", "from base"},
		{"no such field", "return tostring(obj.nothing)", "nil"},
		{"a method set later", "function Class:late() return 'late ' .. self.name end return obj:late()", "late obj"},
		{"no such method", "\nreturn obj:nothing()", "t.lua:11: attempt to call method 'nothing' (a nil value)"},
	} {
		for _, marked := range []bool{false, true} {
			L := lua.NewState()
			if marked {
				MarkLua51(L, lua51Number)
			}
			msg, result := run(L, classes+tc.src)
			L.Close()
			got := lua.LVAsString(result)
			if msg != "" {
				got = msg
			}
			if !marked && tc.name == "no such method" {
				continue // gopher-lua's own message
			}
			if got != tc.want {
				t.Errorf("%s (marked %v): got %q, want %q", tc.name, marked, got, tc.want)
			}
		}
	}
}

// TestFastIndexFoundOnTheFunction: the VM finds a registered FastIndex on
// the function itself, with no lookup in the state's registry and map (the
// map emptied here still leaves it found), for the states of the Global it
// was registered on only.
func TestFastIndexFoundOnTheFunction(t *testing.T) {
	L := newMarkedState(t)
	defer L.Close()
	other := newMarkedState(t)
	defer other.Close()
	ran := 0
	impl := func(*lua.LState, *lua.LTable, string) lua.LValue { ran++; return lua.LTrue }
	for _, tc := range []struct {
		name       string
		fn         *lua.LFunction
		registerOn *lua.LState
		lookupOn   *lua.LState
		found      bool
	}{
		{"a Go function, its own Global", L.NewFunction(func(*lua.LState) int { return 0 }), L, L, true},
		{"a Go closure keeps its upvalues", L.NewClosure(func(L *lua.LState) int {
			L.Push(L.Get(lua.UpvalueIndex(1)))
			return 1
		}, lua.LString("own")), L, L, true},
		{"another Global", L.NewFunction(func(*lua.LState) int { return 0 }), L, other, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			upvalues := len(tc.fn.Upvalues)
			SetFastIndex(tc.registerOn, tc.fn, impl)
			SetFastIndex(tc.registerOn, tc.fn, impl) // again: one mark, not two
			if got := len(tc.fn.Upvalues); got != upvalues+1 {
				t.Errorf("the function has %d upvalues, want %d", got, upvalues+1)
			}
			markOf(tc.registerOn).fastIndex = nil
			ran = 0
			if got := fastIndexImpl(tc.lookupOn, tc.fn); (got != nil) != tc.found {
				t.Fatalf("found %v, want %v", got != nil, tc.found)
			} else if got != nil && (got(nil, nil, "") != lua.LTrue || ran != 1) {
				t.Error("the FastIndex found is not the one registered")
			}
			if upvalues > 0 {
				L.Push(tc.fn)
				L.Call(0, 1)
				if got := L.Get(-1); got != lua.LString("own") {
					t.Errorf("the closure's upvalue 1 reads %v", got)
				}
				L.Pop(1)
			}
		})
	}
}

// TestFastUserdataIndexIsPerGlobal: a function registered on one Global is
// called as gopher-lua calls it on a state of another, marked or not, and
// on the first Global once registered on another; a registration for
// tables stays with it.
func TestFastUserdataIndexIsPerGlobal(t *testing.T) {
	first := newMarkedState(t)
	defer first.Close()
	ix := newUserdataIndexer(first)
	inPlaces := 0
	impl := func(L *lua.LState, ud *lua.LUserData, key string) lua.LValue {
		inPlaces++
		return ix.lookup(L, ud, key)
	}
	SetFastUserdataIndex(first, ix.fn, impl)
	tableImpl := func(*lua.LState, *lua.LTable, string) lua.LValue { return lua.LTrue }
	SetFastIndex(first, ix.fn, tableImpl)
	second := newMarkedState(t)
	defer second.Close()
	for _, c := range []struct {
		name     string
		state    func() *lua.LState
		inPlaces int
	}{
		{"the Global registered on", func() *lua.LState { return first }, 3},
		{"unmarked", func() *lua.LState { return lua.NewState() }, 0},
		{"another marked Global", func() *lua.LState { return newMarkedState(t) }, 0},
		{"registered on another Global since", func() *lua.LState {
			SetFastUserdataIndex(second, ix.fn, impl)
			return first
		}, 0},
		{"that other Global", func() *lua.LState { return second }, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			L := c.state()
			newIndexedUserdata(L, ix.fn)
			ix.calls, inPlaces = 0, 0
			msg, result := run(L, "return u.name .. u:self().value")
			if msg != "" || lua.LVAsString(result) != "fieldslot" {
				t.Fatalf("got %q, %v", msg, result)
			}
			// three lookups: name, self and value
			if inPlaces != c.inPlaces || ix.calls != 3-c.inPlaces {
				t.Errorf("the function ran %d times, its FastUserdataIndex %d, want %d and %d", ix.calls, inPlaces, 3-c.inPlaces, c.inPlaces)
			}
		})
	}
	if got := fastIndexImpl(first, ix.fn); got == nil || got(nil, nil, "") != lua.LTrue {
		t.Error("the FastIndex for tables registered on the first Global is lost")
	}
}
