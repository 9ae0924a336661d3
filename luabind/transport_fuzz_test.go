package luabind

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// luaTransportScript is the protocol FuzzLuaTransport drives: it reports
// each callback to Go, and op calls a transport method as a script does.
const luaTransportScript = `
local protocol = require("protocol")
Fuzzed = protocol.Protocol:extend()
function Fuzzed:connection_made() note_made(self.transport) end
function Fuzzed:data_received(data) note_data(data) end
function Fuzzed:connection_lost(reason) note_lost(reason.type) end
function op(t, name, arg)
	if arg ~= nil then return t[name](t, arg) end
	return t[name](t)
end
function new_fuzzed() FUZZED = Fuzzed() end
function run() require("reactor").run() end
`

// The steps of FuzzLuaTransport, one per byte; write and peer-write take
// the next byte as their size.
const (
	luaStepWrite = iota
	luaStepLose
	luaStepAbort
	luaStepPause
	luaStepResume
	luaStepHalfClose
	luaStepPeerWrite
	luaStepSync
	luaNumSteps
)

var luaFuzzSizes = []int{1, 10, 3000, 70000}

// luaPeer is the loopback peer: it reads to end of file or an error, then
// closes, and writes what it is given on a goroutine of its own.
type luaPeer struct {
	conn   net.Conn
	got    atomic.Int64
	ended  atomic.Bool
	data   []byte // the reader's until done is closed
	done   chan struct{}
	writes chan []byte
	wrote  sync.WaitGroup
	once   sync.Once
}

func dialLuaPeer(addr string) (*luaPeer, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &luaPeer{conn: conn, done: make(chan struct{}), writes: make(chan []byte, 64)}
	go func() {
		defer close(p.done)
		buf := make([]byte, 64<<10)
		for {
			n, err := conn.Read(buf)
			p.data = append(p.data, buf[:n]...)
			p.got.Add(int64(n))
			if err != nil {
				p.ended.Store(true)
				conn.Close()
				return
			}
		}
	}()
	p.wrote.Add(1)
	go func() {
		defer p.wrote.Done()
		for data := range p.writes {
			_, _ = conn.Write(data) // a closed or reset connection drops the rest
		}
	}()
	return p, nil
}

func (p *luaPeer) close() {
	p.once.Do(func() {
		close(p.writes)
		p.conn.Close()
		p.wrote.Wait()
		<-p.done
	})
}

// FuzzLuaTransport is FuzzTCPTransport through Lua: a script's transport
// (write, lose_connection, abort_connection, pause_producing,
// resume_producing, lose_write_connection) against a loopback peer, with
// the I/O let run only at sync steps, so that the model knows the state at
// each call: bytes written before the transport is known closed reach the
// peer once, in order (a prefix of them after an abort, or when the peer's
// data was left unread at the close, which makes TCP reset); none is
// received while paused or after lose_connection; connection_lost comes
// once, with ConnectionAborted after an abort of an open connection and
// ConnectionDone otherwise.
//
// go test -run '^$' -fuzz '^FuzzLuaTransport$' -fuzztime 10m -parallel 1 ./luabind
func FuzzLuaTransport(f *testing.F) {
	f.Add([]byte{luaStepWrite, 2, luaStepSync, luaStepWrite, 3, luaStepLose, luaStepWrite, 1})
	f.Add([]byte{luaStepWrite, 3, luaStepAbort, luaStepWrite, 0})
	f.Add([]byte{luaStepPeerWrite, 2, luaStepPause, luaStepPeerWrite, 3, luaStepSync, luaStepResume, luaStepSync})
	f.Add([]byte{luaStepWrite, 3, luaStepHalfClose, luaStepWrite, 1, luaStepSync, luaStepWrite, 2})
	f.Add([]byte{luaStepLose, luaStepSync, luaStepAbort, luaStepWrite, 1})
	f.Fuzz(func(t *testing.T, steps []byte) {
		if len(steps) > 40 {
			steps = steps[:40]
		}
		runLuaTransportSteps(t, steps)
	})
}

func runLuaTransportSteps(t *testing.T, steps []byte) {
	L := lua.NewState()
	defer L.Close()
	var violations []string
	violate := func(format string, args ...any) { violations = append(violations, fmt.Sprintf(format, args...)) }
	rt := Open(L, Config{OnError: func(e *CallbackError) { violate("reported: %v", e) }})
	defer rt.Close()

	var (
		transport          lua.LValue
		received           bytes.Buffer
		lost               []string
		paused, losing     bool
		aborted, closing   bool // the model: an abort of the open connection; a lose_connection
		halfClosing        bool
		accepted, peerSent bytes.Buffer
	)
	L.SetGlobal("note_made", L.NewFunction(func(L *lua.LState) int { transport = L.Get(1); return 0 }))
	L.SetGlobal("note_data", L.NewFunction(func(L *lua.LState) int {
		data := L.CheckString(1)
		switch {
		case len(lost) > 0:
			violate("data_received after connection_lost")
		case losing:
			violate("data_received after lose_connection or abort_connection")
		case paused:
			violate("data_received while paused")
		}
		received.WriteString(data)
		return 0
	}))
	L.SetGlobal("note_lost", L.NewFunction(func(L *lua.LState) int { lost = append(lost, L.CheckString(1)); return 0 }))
	fn, err := L.Load(strings.NewReader(luaTransportScript), "fuzz.lua")
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.PCall(fn); err != nil {
		t.Fatal(err)
	}
	r, err := rt.Reactor()
	if err != nil {
		t.Fatal(err)
	}
	built := 0
	port, err := r.ListenTCP(0, "127.0.0.1", 0, func(net.Addr) reactor.Protocol {
		if built++; built > 1 {
			return nil
		}
		if err := rt.PCall(L.GetGlobal("new_fuzzed")); err != nil {
			violate("new_fuzzed: %v", err)
			return nil
		}
		return rt.newLuaStream(L.GetGlobal("FUZZED"))
	})
	if err != nil {
		t.Fatal(err)
	}
	peer, err := dialLuaPeer(port.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.close()

	var trace []string
	call := func(name string, arg lua.LValue) {
		args := []lua.LValue{transport, lua.LString(name)}
		if arg != nil {
			args = append(args, arg)
		}
		if err := rt.PCall(L.GetGlobal("op"), args...); err != nil {
			violate("%s: %v", name, err)
		}
	}
	open := func() bool { return !aborted && len(lost) == 0 }
	// writeShut: the peer has seen our end of file, so the write side is
	// shut and writes are dropped.
	writeShut := func() bool { return halfClosing && peer.ended.Load() }
	settled := func() bool {
		if aborted || closing {
			return len(lost) > 0
		}
		if len(lost) > 0 && !writeShut() {
			violate("connection_lost(%s) on an open connection", lost[0])
			return true
		}
		if halfClosing {
			return peer.ended.Load() && (paused || len(lost) > 0)
		}
		return int(peer.got.Load()) == accepted.Len() && (paused || received.Len() == peerSent.Len())
	}
	deadline := time.Now().Add(10 * time.Second)
	var waitFor func(ready func() bool, then func())
	waitFor = func(ready func() bool, then func()) {
		switch {
		case len(violations) > 0:
			r.Stop()
		case ready():
			then()
		case time.Now().After(deadline):
			violate("no progress within 10 s: peer got %d of %d, lost %v", peer.got.Load(), accepted.Len(), lost)
			r.Stop()
		default:
			r.CallLater(time.Millisecond, func() { waitFor(ready, then) })
		}
	}
	lose := func() {
		if open() && !closing {
			closing = true
		}
		losing = true
		call("lose_connection", nil)
	}
	finish := func() {
		waitFor(func() bool { return len(lost) > 0 }, func() {
			waitFor(peer.ended.Load, func() { r.CallLater(2*time.Millisecond, func() { r.Stop() }) })
		})
	}
	var step func(i int)
	step = func(i int) {
		for ; i < len(steps); i++ {
			op := int(steps[i]) % luaNumSteps
			size := 0
			if op == luaStepWrite || op == luaStepPeerWrite {
				if i+1 < len(steps) {
					size = luaFuzzSizes[int(steps[i+1])%len(luaFuzzSizes)]
				}
				i++
			}
			switch op {
			case luaStepWrite:
				data := make([]byte, size)
				for k := range data {
					data[k] = byte((accepted.Len() + k) % 253)
				}
				trace = append(trace, fmt.Sprintf("write %d", size))
				call("write", lua.LString(data))
				if open() && !writeShut() {
					accepted.Write(data)
				}
			case luaStepLose:
				trace = append(trace, "lose")
				lose()
			case luaStepAbort:
				trace = append(trace, "abort")
				if open() {
					aborted = true
				}
				losing = true
				call("abort_connection", nil)
			case luaStepPause:
				trace = append(trace, "pause")
				paused = true
				call("pause_producing", nil)
			case luaStepResume:
				trace = append(trace, "resume")
				paused = false
				call("resume_producing", nil)
			case luaStepHalfClose:
				trace = append(trace, "half-close")
				if open() && !closing {
					halfClosing = true
				}
				call("lose_write_connection", nil)
			case luaStepPeerWrite:
				data := bytes.Repeat([]byte{byte(peerSent.Len()%251 + 1)}, size)
				trace = append(trace, fmt.Sprintf("peer writes %d", size))
				peerSent.Write(data)
				peer.writes <- data
			case luaStepSync:
				trace = append(trace, "sync")
				next := i + 1
				waitFor(settled, func() { step(next) })
				return
			}
			if len(violations) > 0 {
				r.Stop()
				return
			}
		}
		trace = append(trace, "end")
		if !open() {
			finish()
			return
		}
		if paused {
			paused = false
			call("resume_producing", nil)
		}
		waitFor(settled, func() {
			if len(lost) == 0 && !closing {
				lose()
			}
			finish()
		})
	}
	r.CallLater(0, func() { waitFor(func() bool { return transport != nil }, func() { step(0) }) })
	if err := rt.PCall(L.GetGlobal("run")); err != nil {
		t.Fatal(err)
	}
	port.StopListening()
	peer.close()

	report := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("steps %v:\n%s\n"+format, append([]any{steps, trace}, args...)...)
	}
	if len(violations) > 0 {
		report("%v", violations)
	}
	want := "ConnectionDone"
	if aborted {
		want = "ConnectionAborted"
	}
	if len(lost) != 1 || !strings.HasSuffix(lost[0], want) {
		report("connection_lost %q, want once with %s", lost, want)
	}
	sent, got := accepted.Bytes(), peer.data
	if aborted || received.Len() < peerSent.Len() {
		if !bytes.HasPrefix(sent, got) {
			report("the peer got %d bytes, not a prefix of the %d written", len(got), len(sent))
		}
	} else if !bytes.Equal(got, sent) {
		report("the peer got %d bytes, want the %d written", len(got), len(sent))
	}
	if !bytes.HasPrefix(peerSent.Bytes(), received.Bytes()) {
		report("we got %d bytes, not a prefix of the %d the peer wrote", received.Len(), peerSent.Len())
	}
}
