package luabind

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// FuzzSpawnArgs calls spawn_process, then the transport's methods, with
// argument values picked by the input from a palette built around a fuzzed
// string and number: no call may end in a Go panic, and a child spawned
// must end. AllowIO refuses every program but /bin/true, so nothing else
// can ever run. Run it with: go test -fuzz FuzzSpawnArgs ./luabind
func FuzzSpawnArgs(f *testing.F) {
	// Palette indices (see spawnPalette): 0 a Recorder, 1 "/bin/true", 2 s,
	// 3 {"true", n}, 4 {}, 5 {s, s}, 6 n, 8-11 options, 16 nil.
	f.Add([]byte{0, 1, 5, 16}, "true", 1.0)                     // spawn_process(Recorder(), "/bin/true", {s, s})
	f.Add([]byte{0, 1, 4, 8, 0, 6, 5, 2}, "x", 15.0)            // {env = {A = s}}; write(n), signal_process(s)
	f.Add([]byte{0, 1, 4, 9, 5, 6, 5, 6}, "A=B", 9.0)           // env = {[s] = s}; signal_process(n) twice
	f.Add([]byte{0, 1, 4, 10, 4, 16}, "/nonexistent", 0.0)      // path = s; lose_connection()
	f.Add([]byte{0, 1, 4, 11, 1, 16, 2, 16}, "", 0.0)           // env = {PATH = s}; close_stdin, close_stdout
	f.Add([]byte{1, 2, 5, 16}, "sh", 2.5)                       // a string as protocol, s as program (refused)
	f.Add([]byte{0, 1, 3, 12}, "cwd", -1.0)                     // args {"true", n}, option [s] = s
	f.Add([]byte{13, 1, 4, 16, 0, 7, 1, 16}, "a\x00b", 1e300)   // a protocol whose methods are not functions
	f.Add([]byte{14, 1, 4, 16, 5, 6}, "KILL", 64.0)             // a protocol whose __index raises
	f.Add([]byte{0, 1, 4, 16, 5, 2, 3, 16}, "STOP", math.NaN()) // SIGSTOP, then close_stderr
	f.Add([]byte{15, 15, 15, 15, 5, 15}, "TERM", 0.0)           // the reactor module as every argument
	f.Fuzz(func(t *testing.T, program []byte, s string, n float64) {
		fuzzSpawnOnce(t, program, s, n)
	})
}

func fuzzSpawnOnce(t *testing.T, program []byte, s string, n float64) {
	L := lua.NewState(lua.Options{CallStackSize: 20000, RegistryMaxSize: 1 << 20, RegistryGrowStep: 1 << 14})
	defer L.Close()
	var reports []*CallbackError
	rt := Open(L, Config{
		Stdout:  io.Discard,
		OnError: func(e *CallbackError) { reports = append(reports, e) },
		AllowIO: func(q IORequest) error {
			if q.Target != "/bin/true" {
				return errors.New("only /bin/true in this test")
			}
			return nil
		},
	})
	defer rt.Close()
	L.SetGlobal("print", L.NewFunction(func(*lua.LState) int { return 0 }))
	if err := L.DoString(processPrelude); err != nil {
		t.Fatal(err)
	}
	palette := spawnPalette(L, s, n)
	pick := func(i int) lua.LValue {
		if i >= len(program) {
			return lua.LNil
		}
		return palette[int(program[i])%len(palette)]
	}
	// call calls fn with args in protected mode; a Go panic fails the test.
	call := func(what string, fn lua.LValue, args ...lua.LValue) lua.LValue {
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
	mod := L.GetGlobal("reactor")
	transport := call("spawn_process", L.GetField(mod, "spawn_process"), pick(0), pick(1), pick(2), pick(3))
	ud, ok := transport.(*lua.LUserData)
	if !ok {
		return
	}
	lp := ud.Value.(*luaProcess)
	methods := []string{"write", "close_stdin", "close_stdout", "close_stderr", "lose_connection", "signal_process"}
	for i := 4; i+1 < len(program); i += 2 {
		name := methods[int(program[i])%len(methods)]
		call(name, L.GetField(ud, name), ud, pick(i+1))
	}
	call("tostring", L.GetGlobal("tostring"), ud)
	call("pid", L.NewFunction(func(L *lua.LState) int { L.Push(L.GetField(L.Get(1), "pid")); return 1 }), ud)
	// A signal above may have stopped the child (SIGSTOP): KILL ends it
	// whatever it did.
	call("signal_process KILL", L.GetField(ud, "signal_process"), ud, lua.LString("KILL"))

	// Run until the child has been reaped and its pipes closed.
	L.SetGlobal("process_done", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(lp.p.Pid() == 0 && len(rt.ioObjects) == 0))
		return 1
	}))
	start := time.Now()
	if err := L.DoString(`
local function poll() if process_done() then reactor.stop() else reactor.call_later(0.005, poll) end end
reactor.call_later(0, poll)
reactor.run()`); err != nil {
		t.Fatalf("run: %v", err)
	}
	if d := time.Since(start); d > 15*time.Second || lp.p.Pid() != 0 {
		t.Fatalf("the child did not end (pid %d) after %v", lp.p.Pid(), d)
	}
	for _, e := range reports {
		if goPanicText(e.Message) || e.Function == "Go callback" {
			t.Fatalf("internal error reported: %s", e.Report())
		}
	}
}

// goPanicText says whether an error message is a Go runtime panic's.
func goPanicText(msg string) bool {
	for _, sign := range []string{"runtime error", "interface conversion", "internal error", "goroutine ", "nil pointer"} {
		if strings.Contains(msg, sign) {
			return true
		}
	}
	return false
}

// spawnPalette is the argument values the fuzzer picks from: the fuzzed s
// and n alone and inside every shape of table spawn_process reads.
func spawnPalette(L *lua.LState, s string, n float64) []lua.LValue {
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
	recorder, err := recorderInstance(L)
	if err != nil {
		panic(err)
	}
	raising := L.NewTable()
	L.SetMetatable(raising, fields(lua.LString("__index"), L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("index fails")
		return 0
	})))
	return []lua.LValue{
		recorder,                     // 0
		lua.LString("/bin/true"),     // 1
		S,                            // 2
		list(lua.LString("true"), N), // 3
		L.NewTable(),                 // 4
		list(S, S),                   // 5
		N,                            // 6
		lua.LTrue,                    // 7
		fields(lua.LString("env"), fields(lua.LString("A"), S)),                    // 8
		fields(lua.LString("env"), fields(S, S)),                                   // 9
		fields(lua.LString("path"), S),                                             // 10
		fields(lua.LString("env"), fields(lua.LString("PATH"), S)),                 // 11
		fields(S, S, N, S),                                                         // 12
		fields(lua.LString("make_connection"), N, lua.LString("process_ended"), S), // 13
		raising,                // 14
		L.GetGlobal("reactor"), // 15
		lua.LNil,               // 16
		L.NewFunction(func(L *lua.LState) int { return 0 }), // 17
	}
}

func isNaN(v lua.LValue) bool {
	n, ok := v.(lua.LNumber)
	return ok && n != n
}

// recorderInstance is a new Recorder of processPrelude.
func recorderInstance(L *lua.LState) (lua.LValue, error) {
	// Its process_ended does nothing: the fuzz run stops the reactor itself.
	noop := L.NewFunction(func(*lua.LState) int { return 0 })
	if err := L.CallByParam(lua.P{Fn: L.GetGlobal("Recorder"), NRet: 1, Protect: true}, noop); err != nil {
		return nil, fmt.Errorf("Recorder(): %w", err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return v, nil
}
