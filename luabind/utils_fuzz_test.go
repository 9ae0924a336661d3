package luabind

import (
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// fuzzState is a fresh state for one fuzz input, with the modules as
// globals; allow is its AllowIO.
func fuzzState(t *testing.T, allow func(IORequest) error) (*lua.LState, *Runtime, *[]*CallbackError) {
	L := lua.NewState(lua.Options{CallStackSize: 20000, RegistryMaxSize: 1 << 20, RegistryGrowStep: 1 << 14})
	reports := new([]*CallbackError)
	rt := Open(L, Config{
		Stdout:  io.Discard,
		Stderr:  io.Discard,
		OnError: func(e *CallbackError) { *reports = append(*reports, e) },
		AllowIO: allow,
	})
	L.SetGlobal("print", L.NewFunction(func(*lua.LState) int { return 0 }))
	if err := L.DoString(`reactor, defer, utils, endpoints, protocol = require("reactor"), require("defer"), require("utils"), require("endpoints"), require("protocol")`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(); L.Close() })
	return L, rt, reports
}

// fuzzCall calls fn with args in protected mode and returns its first
// result (nil on an error); a Go panic fails the test.
func fuzzCall(t *testing.T, L *lua.LState, what string, fn lua.LValue, args ...lua.LValue) lua.LValue {
	t.Helper()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	err := L.PCall(len(args), 1, nil)
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) && (apiErr.Type == lua.ApiErrorPanic || goPanicText(lua.LVAsString(apiErr.Object))) {
		t.Fatalf("%s: a Go panic: %v", what, apiErr)
	}
	if err != nil {
		return lua.LNil
	}
	v := L.Get(-1)
	L.Pop(1)
	return v
}

// fuzzPalette is the values a fuzz input picks arguments from: the fuzzed
// s and n alone and in the shapes of table the functions read.
func fuzzPalette(t *testing.T, L *lua.LState, s string, n float64) []lua.LValue {
	list := func(vs ...lua.LValue) *lua.LTable {
		t := L.NewTable()
		for _, v := range vs {
			t.Append(v)
		}
		return t
	}
	fields := func(kv ...lua.LValue) *lua.LTable {
		t := L.NewTable()
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] != lua.LNil && !isNaN(kv[i]) {
				t.RawSet(kv[i], kv[i+1])
			}
		}
		return t
	}
	S, N := lua.LString(s), lua.LNumber(n)
	raising := L.NewTable()
	L.SetMetatable(raising, fields(lua.LString("__index"), L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("index fails")
		return 0
	})))
	factory := fuzzCall(t, L, "ClientFactory", L.GetField(L.GetGlobal("protocol"), "ClientFactory"))
	L.SetField(factory, "protocol", L.GetField(L.GetGlobal("protocol"), "Protocol"))
	return []lua.LValue{
		lua.LString("/bin/true"),                 // 0
		S,                                        // 1
		N,                                        // 2
		list(S, S),                               // 3
		list(S, N),                               // 4
		L.NewTable(),                             // 5
		fields(lua.LString("env"), fields(S, S)), // 6
		fields(lua.LString("path"), S),           // 7
		fields(lua.LString("errortoo"), lua.LTrue), // 8
		fields(S, N),                             // 9
		L.GetGlobal("reactor"),                   // 10
		lua.LString("127.0.0.1"),                 // 11
		lua.LNumber(0),                           // 12
		fields(lua.LString("timeout"), N),        // 13
		fields(lua.LString("interface"), S),      // 14
		fields(lua.LString("backlog"), N),        // 15
		factory,                                  // 16
		raising,                                  // 17
		lua.LNil,                                 // 18
		lua.LTrue,                                // 19
		fields(lua.LString("build_protocol"), N), // 20
		fields(lua.LString("bind_address"), list(S, N)),         // 21
		fields(lua.LString("env"), fields(lua.LString("A"), N)), // 22
		L.NewFunction(func(L *lua.LState) int { return 0 }),     // 23
	}
}

// fuzzRun runs the reactor until every Deferred in ds has fired (cancelling
// the ones left after a while), at most a few seconds.
func fuzzRun(t *testing.T, L *lua.LState, ds []lua.LValue) {
	t.Helper()
	list := L.NewTable()
	for _, d := range ds {
		list.Append(d)
	}
	L.SetGlobal("pending", list)
	start := time.Now()
	if err := L.DoString(`
local waited = 0
local function poll()
  waited = waited + 1
  for _, d in ipairs(pending) do
    if not d.called then
      if waited > 100 then d:cancel() end
      reactor.call_later(0.01, poll)
      return
    end
    d:add_errback(function() end) -- handled: no report
  end
  reactor.stop()
end
reactor.call_later(0, poll)
reactor.run()`); err != nil {
		t.Fatalf("run: %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("the run took %v", d)
	}
}

func isDeferred(L *lua.LState, v lua.LValue) bool {
	t, ok := v.(*lua.LTable)
	return ok && t.Metatable != lua.LNil && L.GetField(L.GetGlobal("defer"), "Deferred") != lua.LNil &&
		strings.HasPrefix(ToString(L, v), "<Deferred")
}

// FuzzUtilsArgs calls the three functions of require("utils") with
// arguments picked by the input: no call may end in a Go panic, and a
// process started must end. AllowIO refuses every program but /bin/true.
// Run it with: go test -fuzz FuzzUtilsArgs ./luabind
func FuzzUtilsArgs(f *testing.F) {
	f.Add([]byte{0, 0, 5, 18}, "x", 1.0)       // get_process_output("/bin/true", {})
	f.Add([]byte{1, 0, 3, 6}, "A", 2.0)        // get_process_value("/bin/true", {s, s}, {env = {[s] = s}})
	f.Add([]byte{2, 0, 4, 7}, "/", 0.0)        // get_process_output_and_value(..., {s, n}, {path = s})
	f.Add([]byte{0, 0, 18, 8}, "", 0.0)        // errortoo
	f.Add([]byte{1, 1, 9, 22}, "a\x00b", -1.0) // s as program (refused), bad options
	f.Add([]byte{0, 17, 17, 17}, "", math.NaN())
	f.Add([]byte{2, 10, 10, 10}, "sh", 1e300)
	f.Fuzz(func(t *testing.T, program []byte, s string, n float64) {
		L, _, reports := fuzzState(t, func(q IORequest) error {
			if q.Target != "/bin/true" {
				return errors.New("only /bin/true in this test")
			}
			return nil
		})
		palette := fuzzPalette(t, L, s, n)
		pick := func(i int) lua.LValue {
			if i >= len(program) {
				return lua.LNil
			}
			return palette[int(program[i])%len(palette)]
		}
		names := []string{"get_process_output", "get_process_value", "get_process_output_and_value"}
		var ds []lua.LValue
		for i := 0; i < len(program); i += 4 {
			name := names[int(program[i])%len(names)]
			d := fuzzCall(t, L, name, L.GetField(L.GetGlobal("utils"), name), pick(i+1), pick(i+2), pick(i+3))
			if isDeferred(L, d) {
				ds = append(ds, d)
			}
		}
		fuzzRun(t, L, ds)
		for _, e := range *reports {
			if goPanicText(e.Message) || e.Function == "Go callback" {
				t.Fatalf("internal error reported: %s", e.Report())
			}
		}
	})
}

// FuzzEndpointArgs makes endpoints and calls connect, listen and
// connect_protocol with arguments picked by the input: no call may end in
// a Go panic. AllowIO allows only 127.0.0.1 and listening on port 0.
// Run it with: go test -fuzz FuzzEndpointArgs ./luabind
func FuzzEndpointArgs(f *testing.F) {
	f.Add([]byte{0, 10, 11, 2, 13, 16}, "x", 1.0)         // TCP4ClientEndpoint(reactor, "127.0.0.1", n, {timeout = n}):connect(factory)
	f.Add([]byte{1, 10, 12, 14, 16, 0}, "127.0.0.1", 0.0) // TCP4ServerEndpoint(reactor, 0, {interface = s}):listen(factory)
	f.Add([]byte{2, 10, 11, 2, 18, 16}, "", 80.0)         // connect_protocol
	f.Add([]byte{0, 10, 1, 2, 21, 20}, "h", 65536.0)      // bind_address, a factory whose build_protocol is a number
	f.Add([]byte{1, 17, 17, 17, 17, 17}, "", math.NaN())
	f.Add([]byte{1, 10, 2, 15, 23, 0}, "", 3.5)
	f.Fuzz(func(t *testing.T, program []byte, s string, n float64) {
		L, _, reports := fuzzState(t, func(q IORequest) error {
			if strings.HasPrefix(q.Target, "127.0.0.1:") || q.Target == "0.0.0.0:0" {
				return nil
			}
			return errors.New("only 127.0.0.1 in this test")
		})
		palette := fuzzPalette(t, L, s, n)
		pick := func(i int) lua.LValue {
			if i >= len(program) {
				return lua.LNil
			}
			return palette[int(program[i])%len(palette)]
		}
		mod := L.GetGlobal("endpoints")
		var ds []lua.LValue
		for i := 0; i < len(program); i += 6 {
			var d lua.LValue
			switch program[i] % 3 {
			case 0:
				e := fuzzCall(t, L, "TCP4ClientEndpoint", L.GetField(mod, "TCP4ClientEndpoint"), pick(i+1), pick(i+2), pick(i+3), pick(i+4))
				if e != lua.LNil {
					d = fuzzCall(t, L, "connect", L.GetField(e, "connect"), e, pick(i+5))
				}
			case 1:
				e := fuzzCall(t, L, "TCP4ServerEndpoint", L.GetField(mod, "TCP4ServerEndpoint"), pick(i+1), pick(i+2), pick(i+3))
				if e != lua.LNil {
					d = fuzzCall(t, L, "listen", L.GetField(e, "listen"), e, pick(i+4))
				}
			case 2:
				e := fuzzCall(t, L, "TCP4ClientEndpoint", L.GetField(mod, "TCP4ClientEndpoint"), pick(i+1), pick(i+2), pick(i+3))
				d = fuzzCall(t, L, "connect_protocol", L.GetField(mod, "connect_protocol"), e, pick(i+5))
			}
			if d != nil && isDeferred(L, d) {
				ds = append(ds, d)
			}
		}
		fuzzRun(t, L, ds)
		for _, e := range *reports {
			if goPanicText(e.Message) || e.Function == "Go callback" {
				t.Fatalf("internal error reported: %s", e.Report())
			}
		}
	})
}
