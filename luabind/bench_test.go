package luabind_test

import (
	"io"
	"testing"

	"github.com/loopscript/loopscript/luabind"
	lua "github.com/yuin/gopher-lua"
)

// The benchmarks below measure what a script pays per operation through the
// Lua bindings, on the real reactor (epoll, monotonic clock). Run them with
//
//	go test ./luabind -run '^$' -bench . -benchmem
//
// Each runs a Lua chunk that does the operation b.N times (N is a global),
// so the figures include the Lua side: the call into Go, argument checks, the
// userdata, and the protected call back into Lua.

// benchLua loads chunk, then times running it with the global N = b.N.
func benchLua(b *testing.B, chunk string) {
	b.Helper()
	L := lua.NewState()
	defer L.Close()
	rt := luabind.Open(L, luabind.Config{Stderr: io.Discard})
	defer rt.Close()
	fn, err := L.LoadString(chunk)
	if err != nil {
		b.Fatal(err)
	}
	L.SetGlobal("N", lua.LNumber(b.N))
	b.ReportAllocs()
	b.ResetTimer()
	L.Push(fn)
	if err := L.PCall(0, 0, nil); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if got := L.GetGlobal("done"); got != lua.LNumber(b.N) {
		b.Fatalf("done = %v, want %d", got, b.N)
	}
}

// BenchmarkCallLaterFire: schedule N timers from Lua, then fire them all:
// the cost of one call_later timer from scheduling to its callback.
func BenchmarkCallLaterFire(b *testing.B) {
	benchLua(b, `
		local reactor = require("reactor")
		done = 0
		local function count()
			done = done + 1
			if done == N then reactor.stop() end
		end
		for i = 1, N do reactor.call_later(0, count) end
		reactor.run()
	`)
}

// BenchmarkChainStep is W3's step: each callback schedules the next with
// call_later(0), so every step is one reactor iteration.
func BenchmarkChainStep(b *testing.B) {
	benchLua(b, `
		local reactor = require("reactor")
		done = 0
		local function step()
			done = done + 1
			if done < N then reactor.call_later(0, step) else reactor.stop() end
		end
		reactor.call_later(0, step)
		reactor.run()
	`)
}

// BenchmarkErrorReport is W6's step: a callback that raises, reported in
// full (header, message, traceback) to a discarding writer.
func BenchmarkErrorReport(b *testing.B) {
	benchLua(b, `
		local reactor = require("reactor")
		done = 0
		local function fail()
			done = done + 1
			if done < N then reactor.call_later(0, fail) else reactor.stop() end
			error("boom")
		end
		reactor.call_later(0, fail)
		reactor.run()
	`)
}

// BenchmarkCancel: schedule and cancel a timer from Lua.
func BenchmarkCancel(b *testing.B) {
	benchLua(b, `
		local reactor = require("reactor")
		local function never() error("cancelled call ran") end
		done = 0
		for i = 1, N do
			reactor.call_later(1, never):cancel()
			done = done + 1
		end
	`)
}

// BenchmarkPCall and BenchmarkPCallInCoroutine: a protected call of a
// function that returns, on the main thread and inside a coroutine (where
// pcall runs the function on a pooled sub-thread so that it may yield).
func BenchmarkPCall(b *testing.B) {
	benchLua(b, `
		local f = function() return 1 end
		done = 0
		for i = 1, N do pcall(f) done = done + 1 end
	`)
}

func BenchmarkPCallInCoroutine(b *testing.B) {
	benchLua(b, `
		local f = function() return 1 end
		done = 0
		coroutine.wrap(function() for i = 1, N do pcall(f) done = done + 1 end end)()
	`)
}

// BenchmarkResumeYield: one coroutine.resume of a generator and its yield.
func BenchmarkResumeYield(b *testing.B) {
	benchLua(b, `
		local co = coroutine.wrap(function() while true do coroutine.yield(1) end end)
		done = 0
		for i = 1, N do co() done = done + 1 end
	`)
}
