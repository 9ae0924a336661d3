package luastate

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// indexer is an __index Go function and its FastIndex: obj.name is "field",
// obj.self a method returning its self, obj.missing raises from the
// function. It counts which of the two did each lookup.
type indexer struct {
	fn              *lua.LFunction
	calls, inPlaces int
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

func TestFastIndex(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string // the chunk's result, or its error's first line
		inPlace   bool   // found without calling the function
	}{
		{"a field", "return obj.name", "field", true},
		{"a method", "return obj:self() == obj and 'same' or 'other'", "same", true},
		{"a method's self argument", "local x = obj:self() return x[1]", "slot", true},
		{"a live slot", "return obj.arg", "slot", true},
		{"a raw hit", "return obj.raw", "raw", false},
		{"a key in a variable", "local k = 'name' return obj[k]", "field", false},
		{"an error", "\nreturn obj.missing", "t.lua:5: no field 'missing'", false},
		{"a method's error", "\n\nreturn obj:missing()", "t.lua:6: no field 'missing'", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, registered := range []bool{false, true} {
				L := newMarkedState(t)
				defer L.Close()
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
				msg, result := run(L, fastIndexSetup+tc.src)
				got := lua.LVAsString(result)
				if msg != "" {
					got = msg
				}
				if got != tc.want {
					t.Errorf("registered %v: got %q, want %q", registered, got, tc.want)
				}
				wantCalls := 1
				if registered && tc.inPlace {
					wantCalls = 0
				}
				if tc.name == "a raw hit" {
					wantCalls = 0
				}
				if ix.calls != wantCalls {
					t.Errorf("registered %v: the __index function ran %d times, want %d", registered, ix.calls, wantCalls)
				}
				if !registered && ix.inPlaces != 0 || registered && tc.inPlace && ix.inPlaces != 1 {
					t.Errorf("registered %v: the FastIndex ran %d times", registered, ix.inPlaces)
				}
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

// TestFastIndexTraceback: an error the function raises when the FastIndex
// has no answer is traced back as when nothing is registered, with the
// function's own frame.
func TestFastIndexTraceback(t *testing.T) {
	const src = `
local function get() return obj.missing end
local ok, trace = xpcall(get, debug.traceback)
return trace`
	var traces []string
	for _, registered := range []bool{false, true} {
		L := newMarkedState(t)
		ix := newIndexer(L)
		if registered {
			SetFastIndex(L, ix.fn, func(L *lua.LState, obj *lua.LTable, key string) lua.LValue { return ix.lookup(L, obj, key) })
		}
		meta := L.NewTable()
		meta.RawSetString("__index", ix.fn)
		L.SetGlobal("meta", meta)
		msg, result := run(L, fastIndexSetup+src)
		L.Close()
		if msg != "" {
			t.Fatal(msg)
		}
		traces = append(traces, lua.LVAsString(result))
	}
	if traces[0] != traces[1] {
		t.Errorf("registered, the traceback is\n%s\nnot\n%s", traces[1], traces[0])
	}
	if !strings.Contains(traces[0], "[G]") || !strings.Contains(traces[0], "t.lua:5: in function") {
		t.Errorf("the traceback has no frame of the function, or no line of the script:\n%s", traces[0])
	}
}

// TestFastIndexAllocations: a method found in place boxes no key.
func TestFastIndexAllocations(t *testing.T) {
	L := newMarkedState(t)
	defer L.Close()
	ix := newIndexer(L)
	SetFastIndex(L, ix.fn, func(L *lua.LState, obj *lua.LTable, key string) lua.LValue { return ix.lookup(L, obj, key) })
	meta := L.NewTable()
	meta.RawSetString("__index", ix.fn)
	L.SetGlobal("meta", meta)
	if msg, _ := run(L, fastIndexSetup+"function step() return obj:self().name end"); msg != "" {
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
	if ix.calls != 0 {
		t.Errorf("the __index function ran %d times", ix.calls)
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

// userdataIndexer is an __index Go function of userdata and its
// FastUserdataIndex: u.name is "field", u.self a method returning its self,
// u.value the userdata's Go value, u.missing raises from the function. It
// counts which of the two did each lookup.
type userdataIndexer struct {
	fn              *lua.LFunction
	calls, inPlaces int
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

func TestFastUserdataIndex(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string // the chunk's result, or its error's first line
		inPlace   bool   // found without calling the function
	}{
		{"a field", "return u.name", "field", true},
		{"a method", "return u:self() == u and 'same' or 'other'", "same", true},
		{"a method called with a dot", "return u.self(u) == u and 'same' or 'other'", "same", true},
		{"its Go value", "return u.value", "slot", true},
		{"a key in a variable", "local k = 'name' return u[k]", "field", false},
		{"an error", "\nreturn u.missing", "t.lua:2: no field 'missing'", false},
		{"a method's error", "\n\nreturn u:missing()", "t.lua:3: no field 'missing'", false},
		{"__newindex", "u.name = 'new' return stored", "new", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, registered := range []bool{false, true} {
				L := newMarkedState(t)
				defer L.Close()
				ix := newUserdataIndexer(L)
				if registered {
					SetFastUserdataIndex(L, ix.fn, func(L *lua.LState, ud *lua.LUserData, key string) lua.LValue {
						ix.inPlaces++
						return ix.lookup(L, ud, key)
					})
				}
				newIndexedUserdata(L, ix.fn)
				msg, result := run(L, tc.src)
				got := lua.LVAsString(result)
				if msg != "" {
					got = msg
				}
				if got != tc.want {
					t.Errorf("registered %v: got %q, want %q", registered, got, tc.want)
				}
				wantCalls := 1
				if registered && tc.inPlace || tc.name == "__newindex" {
					wantCalls = 0
				}
				if ix.calls != wantCalls {
					t.Errorf("registered %v: the __index function ran %d times, want %d", registered, ix.calls, wantCalls)
				}
				if !registered && ix.inPlaces != 0 || registered && tc.inPlace && ix.inPlaces != 1 {
					t.Errorf("registered %v: the FastUserdataIndex ran %d times", registered, ix.inPlaces)
				}
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

// TestFastUserdataIndexTraceback: an error the function raises when the
// FastUserdataIndex has no answer is traced back as when nothing is
// registered, with the function's own frame.
func TestFastUserdataIndexTraceback(t *testing.T) {
	const src = `
local function get() return u:missing() end
local ok, trace = xpcall(get, debug.traceback)
return trace`
	var traces []string
	for _, registered := range []bool{false, true} {
		L := newMarkedState(t)
		ix := newUserdataIndexer(L)
		if registered {
			SetFastUserdataIndex(L, ix.fn, ix.lookup)
		}
		newIndexedUserdata(L, ix.fn)
		msg, result := run(L, src)
		L.Close()
		if msg != "" {
			t.Fatal(msg)
		}
		traces = append(traces, lua.LVAsString(result))
	}
	if traces[0] != traces[1] {
		t.Errorf("registered, the traceback is\n%s\nnot\n%s", traces[1], traces[0])
	}
	if !strings.Contains(traces[0], "[G]") || !strings.Contains(traces[0], "t.lua:2: in function") {
		t.Errorf("the traceback has no frame of the function, or no line of the script:\n%s", traces[0])
	}
}

// TestFastUserdataIndexAllocations: a method of a userdata found in place,
// and a field, box no key and push no frame.
func TestFastUserdataIndexAllocations(t *testing.T) {
	L := newMarkedState(t)
	defer L.Close()
	ix := newUserdataIndexer(L)
	SetFastUserdataIndex(L, ix.fn, ix.lookup)
	newIndexedUserdata(L, ix.fn)
	if msg, _ := run(L, "function step() return u:self().name end"); msg != "" {
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
	if ix.calls != 0 {
		t.Errorf("the __index function ran %d times", ix.calls)
	}
}
