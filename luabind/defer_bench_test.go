package luabind_test

import "testing"

// The Deferred benchmarks: N steps of add_callback + callback, each step
// one callback run, so ns/op is the cost of one step. The figure beside
// Twisted's and Node's (the report of the commit that added these) is
//
//	go test ./luabind -run '^$' -bench DeferredChain -benchtime 1000000x
//
// a chain of 1,000,000 steps.

// BenchmarkDeferredChain times the three shapes a chain takes.
func BenchmarkDeferredChain(b *testing.B) {
	for _, bench := range []struct{ name, chunk string }{
		// N callbacks added to an unfired Deferred, then one callback runs
		// them all: Twisted's long chain, and Node's p.then(...) N times on a
		// pending promise.
		{"unfired", `
			local defer = require("defer")
			local function inc(x) return x + 1 end
			local d = defer.Deferred()
			for i = 1, N do d:add_callback(inc) end
			d:callback(0)
			done = d.result`},
		// Each callback added to a Deferred that has fired runs at once.
		{"fired", `
			local defer = require("defer")
			local function inc(x) return x + 1 end
			local d = defer.succeed(0)
			for i = 1, N do d:add_callback(inc) end
			done = d.result`},
		// A Deferred defer.succeed made per step, given one callback, which
		// runs at once.
		{"succeed", `
			local succeed = require("defer").succeed
			local function inc(x) return x + 1 end
			local d
			for i = 1, N do d = succeed(i - 1):add_callback(inc) end
			done = d.result`},
		// A new Deferred per step: made, given one callback, fired.
		{"fresh", `
			local defer = require("defer")
			local Deferred = defer.Deferred
			local function inc(x) done = x end
			for i = 1, N do
				local d = Deferred()
				d:add_callback(inc)
				d:callback(i)
			end`},
	} {
		b.Run(bench.name, func(b *testing.B) {
			benchLua(b, bench.chunk)
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/step")
		})
	}
}
